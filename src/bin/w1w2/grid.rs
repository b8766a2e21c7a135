//! `--sample-grid`: a square grid of generated images as a greyscale PNG.

use std::io::BufWriter;
use std::path::Path;

use crate::failure::Failure;

/// Images per row and per column.
const GRID: usize = 8;
/// Black pixels between neighbouring images.
const GAP: usize = 2;

/// Writes the first GRID² images of `samples` (`[n, side²]` row-major, values in [0, 1], clamped)
/// as a GRID × GRID grid to `path`.
pub fn write_grid(path: &Path, samples: &[f32], side: usize) -> Result<(), Failure> {
    let pixels = side * side;
    let count = (samples.len() / pixels).min(GRID * GRID);
    let extent = GRID * side + (GRID + 1) * GAP;
    let mut canvas = vec![0u8; extent * extent];
    for (index, image) in samples.chunks_exact(pixels).take(count).enumerate() {
        let (top, left) = (
            GAP + (index / GRID) * (side + GAP),
            GAP + (index % GRID) * (side + GAP),
        );
        for (row, values) in image.chunks_exact(side).enumerate() {
            let start = (top + row) * extent + left;
            for (pixel, value) in canvas[start..start + side].iter_mut().zip(values) {
                *pixel = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
    }
    let failure = |e: String| Failure::runtime(format!("cannot write {}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| failure(e.to_string()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), extent as u32, extent as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| failure(e.to_string()))?;
    writer
        .write_image_data(&canvas)
        .map_err(|e| failure(e.to_string()))
}
