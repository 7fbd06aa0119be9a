//! Line and scatter charts as PNG images, readable on their own: a title, both axes with round
//! ticks and their units, a grid, and a legend naming every series in its colour.
//!
//! The grader draws with it what a Grafana panel would show (ex6) and the correlation charts
//! of a load run. It needs no system fonts and no graphics library: text comes from an 8×8
//! bitmap font, so a chart looks the same wherever it is drawn.
//!
//! ```
//! let chart = charts::Chart {
//!     title: "Requisições por segundo".into(),
//!     x_label: "tempo (s)".into(),
//!     y_label: "req/s".into(),
//!     series: vec![charts::Series::line("/produtos", vec![(0.0, 1.0), (10.0, 4.0)])],
//!     no_data: "sem dados".into(),
//! };
//! let png = chart.png(640, 360);
//! assert_eq!(&png[1..4], b"PNG");
//! ```

mod axis;
mod canvas;

pub use axis::Axis;
use canvas::{Canvas, GLYPH, GRID, INK, MUTED, Rgb, text_width};

/// Distinct colours that read well on white, one per series in order (then again).
pub const PALETTE: [Rgb; 10] = [
    [31, 119, 180],
    [214, 39, 40],
    [44, 160, 44],
    [255, 127, 14],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [23, 190, 207],
    [127, 127, 127],
    [188, 189, 34],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Points joined in x order; a non-finite value breaks the line.
    Line,
    /// Points on their own (a value against another, such as latency against users).
    Points,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
}

impl Series {
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            style: Style::Line,
        }
    }

    pub fn points(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            style: Style::Points,
            ..Series::line(label, points)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// The x axis's name with its unit, such as "tempo (s)".
    pub x_label: String,
    /// The y axis's unit or name, such as "s" or "req/s", written above the axis.
    pub y_label: String,
    pub series: Vec<Series>,
    /// Written in the middle of the plot when no series has a finite point.
    pub no_data: String,
}

/// The plot area inside the canvas, in pixels, and the axes mapped onto it.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: Axis,
    y: Axis,
}

impl Frame {
    fn at(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            self.left + self.x.fraction(x) * self.width,
            self.top + (1.0 - self.y.fraction(y)) * self.height,
        )
    }
}

const TITLE_SCALE: u32 = 2;
const PAD: u32 = 10;
const LEGEND_ROW: u32 = GLYPH + 6;

impl Chart {
    /// The chart as a PNG image of `width` × `height` pixels (at least 200 × 120).
    pub fn png(&self, width: u32, height: u32) -> Vec<u8> {
        self.draw(width.max(200), height.max(120)).png()
    }

    fn finite_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    }

    fn draw(&self, width: u32, height: u32) -> Canvas {
        let mut c = Canvas::new(width, height);
        c.text(
            i64::from(PAD),
            i64::from(PAD),
            &self.title,
            TITLE_SCALE,
            INK,
        );
        let legend = self.legend_rows(width);
        let frame = self.frame(width, height, legend.len() as u32);
        self.draw_axes(&mut c, &frame);
        let any = self.finite_points().next().is_some();
        if any {
            for (i, s) in self.series.iter().enumerate() {
                draw_series(&mut c, &frame, s, PALETTE[i % PALETTE.len()]);
            }
        } else {
            let w = f64::from(text_width(&self.no_data, 1));
            c.text(
                (frame.left + (frame.width - w) / 2.0) as i64,
                (frame.top + frame.height / 2.0) as i64 - 4,
                &self.no_data,
                1,
                MUTED,
            );
        }
        self.draw_legend(&mut c, &legend, height);
        c
    }

    /// The axes for the data, and the plot area left once title, tick labels, the x axis's
    /// name and `legend_rows` rows of legend have their room.
    fn frame(&self, width: u32, height: u32, legend_rows: u32) -> Frame {
        let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, 0.0f64, f64::MIN);
        for (x, y) in self.finite_points() {
            x_lo = x_lo.min(x);
            x_hi = x_hi.max(x);
            y_lo = y_lo.min(y);
            y_hi = y_hi.max(y);
        }
        let (x, y) = if x_hi < x_lo {
            (Axis::covering(0.0, 1.0, 5), Axis::covering(0.0, 1.0, 4))
        } else {
            (Axis::covering(x_lo, x_hi, 6), Axis::covering(y_lo, y_hi, 5))
        };
        let tick_width = y
            .ticks()
            .iter()
            .map(|t| text_width(&y.label(*t), 1))
            .max()
            .unwrap_or(0);
        let left = PAD + tick_width + 6;
        let top = PAD + GLYPH * TITLE_SCALE + PAD + GLYPH + 4; // title, then the y unit
        let bottom = 6 + GLYPH + 6 + GLYPH + 6 + legend_rows * LEGEND_ROW + PAD;
        let right = PAD + text_width(&x.label(x.max), 1) / 2;
        Frame {
            left: f64::from(left),
            top: f64::from(top),
            width: f64::from(width.saturating_sub(left + right).max(20)),
            height: f64::from(height.saturating_sub(top + bottom).max(20)),
            x,
            y,
        }
    }

    fn draw_axes(&self, c: &mut Canvas, f: &Frame) {
        let (left, top, right, bottom) = (f.left, f.top, f.left + f.width, f.top + f.height);
        for t in f.y.ticks() {
            let (_, py) = f.at((f.x.min, t));
            c.fill_rect(left as i64, py.round() as i64, f.width as i64, 1, GRID);
            let label = f.y.label(t);
            let w = i64::from(text_width(&label, 1));
            c.text(left as i64 - 6 - w, py.round() as i64 - 4, &label, 1, INK);
        }
        for t in f.x.ticks() {
            let (px, _) = f.at((t, f.y.min));
            c.fill_rect(px.round() as i64, top as i64, 1, f.height as i64, GRID);
            c.fill_rect(px.round() as i64, bottom as i64, 1, 4, INK);
            let label = f.x.label(t);
            let w = i64::from(text_width(&label, 1));
            c.text(px.round() as i64 - w / 2, bottom as i64 + 6, &label, 1, INK);
        }
        c.fill_rect(left as i64, top as i64, 1, f.height as i64 + 1, INK);
        c.fill_rect(left as i64, bottom as i64, f.width as i64 + 1, 1, INK);
        c.text(
            i64::from(PAD),
            top as i64 - i64::from(GLYPH) - 4,
            &self.y_label,
            1,
            MUTED,
        );
        let w = f64::from(text_width(&self.x_label, 1));
        c.text(
            ((left + right - w) / 2.0) as i64,
            bottom as i64 + 6 + i64::from(GLYPH) + 6,
            &self.x_label,
            1,
            MUTED,
        );
    }

    /// The series' indices laid out in rows that fit `width`.
    fn legend_rows(&self, width: u32) -> Vec<Vec<usize>> {
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut used = width; // forces a first row
        for (i, s) in self.series.iter().enumerate() {
            let w = legend_entry_width(&s.label);
            if used + w > width.saturating_sub(PAD) {
                rows.push(Vec::new());
                used = PAD;
            }
            rows.last_mut().expect("a row was pushed").push(i);
            used += w;
        }
        rows
    }

    fn draw_legend(&self, c: &mut Canvas, rows: &[Vec<usize>], height: u32) {
        let first = height - PAD - rows.len() as u32 * LEGEND_ROW;
        for (r, row) in rows.iter().enumerate() {
            let y = i64::from(first + r as u32 * LEGEND_ROW);
            let mut x = i64::from(PAD);
            for &i in row {
                let color = PALETTE[i % PALETTE.len()];
                c.fill_rect(x, y, 10, 8, color);
                c.text(x + 14, y, &self.series[i].label, 1, INK);
                x += i64::from(legend_entry_width(&self.series[i].label));
            }
        }
    }
}

fn legend_entry_width(label: &str) -> u32 {
    14 + text_width(label, 1) + 16
}

fn draw_series(c: &mut Canvas, f: &Frame, s: &Series, color: Rgb) {
    match s.style {
        Style::Points => {
            for &p in &s.points {
                if p.0.is_finite() && p.1.is_finite() {
                    let (x, y) = f.at(p);
                    c.dot(x, y, 3.0, color);
                }
            }
        }
        Style::Line => {
            let mut sorted = s.points.clone();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut last: Option<(f64, f64)> = None;
            for p in sorted {
                if !(p.0.is_finite() && p.1.is_finite()) {
                    last = None;
                    continue;
                }
                let here = f.at(p);
                match last {
                    Some(prev) => c.line(prev, here, 2.0, color),
                    // A lone point between gaps would not show as a line.
                    None => c.dot(here.0, here.1, 1.5, color),
                }
                last = Some(here);
            }
        }
    }
}

#[cfg(test)]
mod tests;
