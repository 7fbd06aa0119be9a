//! The charts are checked on the decoded PNG: where each series' colour lands, where it must
//! not, and that the text is drawn from the font.

use super::*;
use font8x8::UnicodeFonts;

/// Decodes a PNG into (width, height, RGB pixels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let px = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

struct Image {
    width: u32,
    px: Vec<[u8; 3]>,
}

impl Image {
    fn of(chart: &Chart) -> (Image, Frame) {
        let (width, height, px) = decode(&chart.png(640, 360));
        assert_eq!((width, height), (640, 360));
        let frame = chart.frame(width, height, chart.legend_rows(width).len() as u32);
        (Image { width, px }, frame)
    }

    /// How many pixels in the box (x0..x1, y0..y1) are exactly `color` or close to it.
    fn count(&self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), color: [u8; 3]) -> usize {
        let mut n = 0;
        for y in y0.round() as u32..y1.round() as u32 {
            for x in x0.round() as u32..x1.round() as u32 {
                let p = self.px[(y * self.width + x) as usize];
                if p.iter()
                    .zip(color)
                    .all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= 8)
                {
                    n += 1;
                }
            }
        }
        n
    }
}

fn chart(series: Vec<Series>) -> Chart {
    Chart {
        title: "Latência P95".into(),
        x_label: "tempo (s)".into(),
        y_label: "s".into(),
        series,
        no_data: "sem dados".into(),
    }
}

#[test]
fn a_rising_line_goes_from_bottom_left_to_top_right() {
    let c = chart(vec![Series::line(
        "/produtos",
        (0..=10).map(|i| (f64::from(i), f64::from(i))).collect(),
    )]);
    let (img, f) = Image::of(&c);
    let blue = PALETTE[0];
    let corner = |fx: f64, fy: f64| {
        let (x, y) = f.at((
            f.x.min + fx * (f.x.max - f.x.min),
            f.y.min + fy * (f.y.max - f.y.min),
        ));
        ((x - 12.0, y - 12.0), (x + 12.0, y + 12.0))
    };
    let (a, b) = corner(0.0, 0.0);
    assert!(img.count(a, b, blue) > 10, "no line at the origin");
    let top_right = f.at((10.0, 10.0));
    assert!(
        img.count(
            (top_right.0 - 10.0, top_right.1 - 10.0),
            (top_right.0 + 1.0, top_right.1 + 10.0),
            blue
        ) > 10,
        "no line at (10, 10)"
    );
    // Nothing in the top-left corner of the plot, which the line never crosses.
    let tl = f.at((0.0, 10.0));
    assert_eq!(
        img.count((tl.0 + 2.0, tl.1), (tl.0 + 60.0, tl.1 + 60.0), blue),
        0
    );
}

#[test]
fn each_series_has_its_colour_and_a_legend_entry() {
    let c = chart(vec![
        Series::line("GET /", vec![(0.0, 1.0), (5.0, 1.0)]),
        Series::line("POST /checkout", vec![(0.0, 3.0), (5.0, 3.0)]),
    ]);
    let (img, f) = Image::of(&c);
    for color in [PALETTE[0], PALETTE[1]] {
        let in_plot = img.count(
            (f.left + 1.0, f.top),
            (f.left + f.width, f.top + f.height),
            color,
        );
        assert!(in_plot > 100, "{color:?} has {in_plot} pixels in the plot");
        // The legend's swatch, 10 × 8, below the plot.
        let below = img.count((0.0, f.top + f.height + 20.0), (640.0, 360.0), color);
        assert!(below >= 80, "{color:?} has no legend swatch ({below})");
    }
    // The higher value is drawn higher.
    let one = f.at((2.0, 1.0)).1;
    let three = f.at((2.0, 3.0)).1;
    assert!(three < one);
}

#[test]
fn a_missing_value_breaks_the_line() {
    let c = chart(vec![Series::line(
        "x",
        vec![
            (0.0, 1.0),
            (1.0, 1.0),
            (2.0, f64::NAN),
            (9.0, 1.0),
            (10.0, 1.0),
        ],
    )]);
    let (img, f) = Image::of(&c);
    let (gx0, gy) = f.at((2.0, 1.0));
    let (gx1, _) = f.at((8.0, 1.0));
    assert_eq!(
        img.count((gx0, gy - 3.0), (gx1, gy + 3.0), PALETTE[0]),
        0,
        "the gap is bridged"
    );
    let (lx0, _) = f.at((0.0, 1.0));
    let (lx1, _) = f.at((1.0, 1.0));
    assert!(img.count((lx0 + 2.0, gy - 3.0), (lx1, gy + 3.0), PALETTE[0]) > 10);
}

#[test]
fn without_data_the_plot_says_so_and_draws_no_series() {
    let c = chart(vec![Series::line("vazio", vec![(0.0, f64::NAN)])]);
    let (img, f) = Image::of(&c);
    let plot = ((f.left + 1.0, f.top), (f.left + f.width, f.top + f.height));
    assert_eq!(img.count(plot.0, plot.1, PALETTE[0]), 0);
    assert!(img.count(plot.0, plot.1, canvas::MUTED) > 20, "no message");
}

#[test]
fn text_is_the_font_glyph_at_its_place() {
    let mut c = Canvas::new(40, 20);
    c.text(3, 4, "A", 2, INK);
    let a = font8x8::BASIC_FONTS.get('A').unwrap();
    for (row, bits) in a.iter().enumerate() {
        for col in 0..8u32 {
            let on = bits >> col & 1 == 1;
            for (dx, dy) in [(0, 0), (1, 1)] {
                let p = c.pixel(3 + col * 2 + dx, 4 + row as u32 * 2 + dy);
                assert_eq!(p == INK, on, "row {row} col {col}");
            }
        }
    }
    // pt-BR letters are the plain letter with the accent above it, not '?'.
    let mut e = Canvas::new(8, 8);
    e.text(0, 0, "ê", 1, INK);
    let plain = font8x8::BASIC_FONTS.get('e').unwrap();
    for (row, bits) in plain.iter().enumerate().skip(2) {
        for col in 0..8u32 {
            assert_eq!(e.pixel(col, row as u32) == INK, bits >> col & 1 == 1);
        }
    }
    assert!((0..8).any(|x| e.pixel(x, 0) == INK), "no accent");
    let mut d = Canvas::new(16, 8);
    d.text(0, 0, "ç", 1, INK);
    let mut q = Canvas::new(16, 8);
    q.text(0, 0, "?", 1, INK);
    let pixels = |c: &Canvas| {
        (0..8)
            .flat_map(|y| (0..8).map(move |x| (x, y)))
            .map(|(x, y)| c.pixel(x, y))
            .collect::<Vec<_>>()
    };
    assert_ne!(pixels(&d), pixels(&q));
    assert!(pixels(&d).contains(&INK));
}

#[test]
fn scatter_points_stand_alone() {
    let c = chart(vec![Series::points(
        "usuários × P95",
        vec![(1.0, 1.0), (10.0, 10.0)],
    )]);
    let (img, f) = Image::of(&c);
    let mid = f.at((5.5, 5.5));
    assert_eq!(
        img.count(
            (mid.0 - 10.0, mid.1 - 10.0),
            (mid.0 + 10.0, mid.1 + 10.0),
            PALETTE[0]
        ),
        0,
        "points were joined"
    );
    let end = f.at((10.0, 10.0));
    assert!(
        img.count(
            (end.0 - 4.0, end.1 - 4.0),
            (end.0 + 4.0, end.1 + 4.0),
            PALETTE[0]
        ) > 10
    );
}
