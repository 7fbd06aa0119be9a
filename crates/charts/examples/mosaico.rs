//! Lays PNG charts out in a grid, as a dashboard shows its panels: `scripts/figures.sh` uses it
//! to turn the panel charts of a grading run into one figure for the book.
//!
//!     cargo run -p charts --example mosaico -- OUT.png COLUMNS IN.png...
//!
//! Every input must be an 8-bit RGB or RGBA PNG (what `charts` writes); cells take the size of
//! the largest input, with a white gap between them.

use std::fs::File;
use std::io::BufWriter;

const GAP: usize = 8;

struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

fn load(path: &str) -> Result<Image, String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .map_err(|e| format!("{path}: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("image too large")?];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{path}: {e}"))?;
    let channels = match (info.color_type, info.bit_depth) {
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        other => return Err(format!("{path}: {other:?} is not 8-bit RGB")),
    };
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Ok(Image {
        width: info.width as usize,
        height: info.height as usize,
        rgb,
    })
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, columns, inputs @ ..] = args.as_slice() else {
        return Err("usage: mosaico OUT.png COLUMNS IN.png...".into());
    };
    let columns: usize = columns
        .parse()
        .ok()
        .filter(|c| *c > 0)
        .ok_or("COLUMNS must be a positive number")?;
    let images = inputs
        .iter()
        .map(|p| load(p))
        .collect::<Result<Vec<_>, _>>()?;
    if images.is_empty() {
        return Err("no input image".into());
    }
    let cell_w = images.iter().map(|i| i.width).max().unwrap_or(0);
    let cell_h = images.iter().map(|i| i.height).max().unwrap_or(0);
    let rows = images.len().div_ceil(columns);
    let cols = columns.min(images.len());
    let width = cols * cell_w + (cols + 1) * GAP;
    let height = rows * cell_h + (rows + 1) * GAP;
    let mut canvas = vec![255u8; width * height * 3];
    for (n, image) in images.iter().enumerate() {
        let left = GAP + (n % columns) * (cell_w + GAP);
        let top = GAP + (n / columns) * (cell_h + GAP);
        for y in 0..image.height {
            let from = y * image.width * 3;
            let to = ((top + y) * width + left) * 3;
            canvas[to..to + image.width * 3]
                .copy_from_slice(&image.rgb[from..from + image.width * 3]);
        }
    }
    let file = File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&canvas)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}
