//! The digit score: whether samples look like digits, read by a small classifier of 28×28 digits
//! trained by this project on its own digits ([`classifier`]), MNIST's usual stand-ins for the
//! Inception score and FID:
//! - `digits_confident`: the share of samples whose most probable class has probability ≥
//!   [`CONFIDENT`];
//! - `digits_classes`: how many classes hold at least [`CLASS_SHARE`] of the samples confidently;
//! - `digit_fid`: the Fréchet distance ([`frechet`]) between the Gaussians of the classifier's
//!   penultimate features on the samples and on the held-out reference digits
//!   ([`crate::data::images::Split::Reference`]).
//!
//! The classifier this build ships is [`SHIPPED`] (`src/digits/classifier.w1w2c`, made by
//! `w1w2 classifier`, docs/cli.md), compiled into the library so that the page scores without a
//! download.

pub mod classifier;
pub mod file;
pub mod frechet;

use std::sync::OnceLock;

use serde::Serialize;

pub use classifier::{ClassifierTraining, DigitClassifier};

use crate::data::images::{CLASSES, PIXELS};
use classifier::{FEATURES, most_probable};
use frechet::{Gaussian, frechet_distance};

/// The bytes of the classifier this build scores with.
pub const SHIPPED: &[u8] = include_bytes!("classifier.w1w2c");

/// The probability of its top class from which a sample counts as confidently a digit.
pub const CONFIDENT: f32 = 0.9;

/// The share of the samples a class must hold confidently to count as covered.
pub const CLASS_SHARE: f64 = 0.02;

/// How digit-like a set of images is (the module's three figures, and the histogram behind the
/// second). Field names are the CLI's JSON keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DigitScore {
    /// The share of samples classified with probability ≥ [`CONFIDENT`].
    pub digits_confident: f64,
    /// Classes holding at least [`CLASS_SHARE`] of the samples confidently.
    pub digits_classes: usize,
    /// The Fréchet distance between the samples' features and the reference digits'.
    pub digit_fid: f64,
    /// Per class 0–9, the share of the samples confidently of that class.
    pub digits_by_class: Vec<f64>,
}

/// The classifier this build ships, read once; the error says why it cannot be read.
pub fn shipped() -> Result<&'static DigitClassifier, String> {
    static CLASSIFIER: OnceLock<Result<DigitClassifier, String>> = OnceLock::new();
    CLASSIFIER
        .get_or_init(|| DigitClassifier::from_bytes(SHIPPED))
        .as_ref()
        .map_err(Clone::clone)
}

impl DigitClassifier {
    /// The digit score of `images` (`[n, PIXELS]`, n ≥ 2), each clamped to [0, 1] as the page
    /// draws it.
    pub fn score(&self, images: &[f32]) -> DigitScore {
        let drawn: Vec<f32> = images.iter().map(|v| v.clamp(0.0, 1.0)).collect();
        let classified = self.classify(&drawn);
        let n = drawn.len() / PIXELS;
        let mut confident = [0usize; CLASSES];
        for probabilities in classified.probabilities.chunks_exact(CLASSES) {
            let class = most_probable(probabilities);
            if probabilities[class] >= CONFIDENT {
                confident[class] += 1;
            }
        }
        let by_class: Vec<f64> = confident.iter().map(|&c| c as f64 / n as f64).collect();
        DigitScore {
            digits_confident: confident.iter().sum::<usize>() as f64 / n as f64,
            digits_classes: by_class.iter().filter(|&&s| s >= CLASS_SHARE).count(),
            digit_fid: frechet_distance(
                &Gaussian::fit(&classified.features, FEATURES),
                &self.reference,
            ),
            digits_by_class: by_class,
        }
    }
}
