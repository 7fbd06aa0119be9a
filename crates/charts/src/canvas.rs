//! An RGB pixel buffer with the few drawing operations a chart needs: rectangles, thick
//! anti-aliased lines, dots and bitmap text.

use font8x8::{BASIC_FONTS, LATIN_FONTS, UnicodeFonts};

pub type Rgb = [u8; 3];

pub const WHITE: Rgb = [255, 255, 255];
pub const INK: Rgb = [40, 40, 40];
pub const GRID: Rgb = [228, 228, 228];
pub const MUTED: Rgb = [110, 110, 110];

/// The side of a glyph of the font, in pixels, at scale 1.
pub const GLYPH: u32 = 8;

pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pixels: Vec<Rgb>,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Self {
        Canvas {
            width,
            height,
            pixels: vec![WHITE; (width * height) as usize],
        }
    }

    #[cfg(test)]
    pub fn pixel(&self, x: u32, y: u32) -> Rgb {
        self.pixels[(y * self.width + x) as usize]
    }

    /// Mixes `color` into the pixel at (x, y) with `alpha` in 0..=1; outside the canvas,
    /// nothing.
    pub fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let a = alpha.clamp(0.0, 1.0);
        let p = &mut self.pixels[(y as u32 * self.width + x as u32) as usize];
        for (old, new) in p.iter_mut().zip(color) {
            *old = (f64::from(*old) * (1.0 - a) + f64::from(new) * a).round() as u8;
        }
    }

    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: Rgb) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.blend(xx, yy, color, 1.0);
            }
        }
    }

    /// A disc of radius `r` centred on (cx, cy), its edge anti-aliased.
    pub fn dot(&mut self, cx: f64, cy: f64, r: f64, color: Rgb) {
        let (x0, x1) = ((cx - r - 1.0).floor() as i64, (cx + r + 1.0).ceil() as i64);
        let (y0, y1) = ((cy - r - 1.0).floor() as i64, (cy + r + 1.0).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend_max(x, y, color, cover);
                }
            }
        }
    }

    /// A line `width` pixels wide from (x0, y0) to (x1, y1): discs stamped every half pixel.
    pub fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), width: f64, color: Rgb) {
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let steps = (len * 2.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            self.dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2.0, color);
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    /// A character the font lacks is drawn as `?`.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, color: Rgb) {
        let s = i64::from(scale);
        for (i, c) in text.chars().enumerate() {
            let glyph = glyph(c);
            let left = x + i as i64 * i64::from(GLYPH) * s;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits >> col & 1 == 1 {
                        self.fill_rect(left + col * s, y + row as i64 * s, s, s, color);
                    }
                }
            }
        }
    }

    /// Encodes the canvas as an 8-bit RGB PNG.
    pub fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let data: Vec<u8> = self.pixels.iter().flatten().copied().collect();
        // Writing into a Vec cannot fail, and the size matches the header by construction.
        let mut writer = encoder.write_header().expect("PNG header into memory");
        writer
            .write_image_data(&data)
            .expect("PNG data into memory");
        writer.finish().expect("PNG end into memory");
        out
    }

    /// Like [`Canvas::blend`], but a pixel a stamp already covered is not darkened again, so
    /// overlapping discs of one line keep its colour even.
    fn blend_max(&mut self, x: i64, y: i64, color: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let p = self.pixels[(y as u32 * self.width + x as u32) as usize];
        // How much of `color` the pixel already holds, judged on its most changed channel.
        let already = p
            .iter()
            .zip(color)
            .map(|(&o, c)| {
                let span = 255.0 - f64::from(c);
                if span.abs() < 1.0 {
                    0.0
                } else {
                    (255.0 - f64::from(o)) / span
                }
            })
            .fold(0.0, f64::max)
            .clamp(0.0, 1.0);
        if alpha > already {
            self.blend(x, y, color, (alpha - already) / (1.0 - already).max(1e-9));
        }
    }
}

/// The width of `text` in pixels at `scale`.
pub fn text_width(text: &str, scale: u32) -> u32 {
    text.chars().count() as u32 * GLYPH * scale
}

fn glyph(c: char) -> [u8; 8] {
    accented(c)
        .or_else(|| BASIC_FONTS.get(c))
        .or_else(|| LATIN_FONTS.get(c))
        .or_else(|| BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Portuguese's lower-case accented letters, as the plain letter with its accent drawn in the
/// two rows above it (the font's own Latin-1 glyphs squeeze both into the letter's height,
/// which reads badly at this size). Bit 0 is the leftmost pixel, as in the font.
fn accented(c: char) -> Option<[u8; 8]> {
    const ACUTE: [u8; 2] = [0x18, 0x0C];
    const GRAVE: [u8; 2] = [0x06, 0x0C];
    const CIRCUMFLEX: [u8; 2] = [0x0C, 0x12];
    const TILDE: [u8; 2] = [0x26, 0x19];
    const DIAERESIS: [u8; 2] = [0x00, 0x12];
    let (base, accent) = match c {
        'á' => ('a', ACUTE),
        'à' => ('a', GRAVE),
        'â' => ('a', CIRCUMFLEX),
        'ã' => ('a', TILDE),
        'é' => ('e', ACUTE),
        'ê' => ('e', CIRCUMFLEX),
        'í' => ('i', ACUTE),
        'ó' => ('o', ACUTE),
        'ô' => ('o', CIRCUMFLEX),
        'õ' => ('o', TILDE),
        'ú' => ('u', ACUTE),
        'ü' => ('u', DIAERESIS),
        'ç' => {
            let mut g = BASIC_FONTS.get('c')?;
            g[7] = 0x0C; // the cedilla, under the letter
            return Some(g);
        }
        _ => return None,
    };
    let mut g = BASIC_FONTS.get(base)?;
    // Rows 0 and 1 are empty in lower-case letters but for the dot of the i, which the
    // accent replaces.
    g[0] = accent[0];
    g[1] = accent[1];
    Some(g)
}
