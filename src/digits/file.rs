//! The bytes of a digit classifier file, all little-endian:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | [`MAGIC`], `W1W2DIGC` |
//! | 4 | the format [`VERSION`], u32 |
//! | 4 | the header's length H, u32 |
//! | H | the header, JSON: how it was trained, its check accuracy, and the counts below |
//! | 4 per value | the parameters, the reference features' mean, then their covariance, f32 |

use serde::{Deserialize, Serialize};

use super::classifier::{ClassifierTraining, DigitClassifier, FEATURES, parameter_count};
use super::frechet::Gaussian;

/// The first bytes of a classifier file.
pub const MAGIC: &[u8; 8] = b"W1W2DIGC";

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// Bytes before the header.
const PREAMBLE: usize = 16;

#[derive(Serialize, Deserialize)]
struct Header {
    training: ClassifierTraining,
    check_accuracy: f64,
    parameters: usize,
    features: usize,
}

impl DigitClassifier {
    /// The classifier as the bytes of a file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            training: self.training.clone(),
            check_accuracy: self.check_accuracy,
            parameters: self.parameters.len(),
            features: self.reference.dim(),
        };
        let header = serde_json::to_vec(&header).expect("a header serialises");
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        let reference = self.reference.mean.iter().chain(&self.reference.covariance);
        let values = self
            .parameters
            .iter()
            .copied()
            .chain(reference.map(|&v| v as f32));
        bytes.extend(values.flat_map(f32::to_le_bytes));
        bytes
    }

    /// Reads a classifier file written by this build's architecture; the error says what is
    /// wrong with it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err("not a digit classifier file (it starts with W1W2DIGC)".into());
        }
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .ok_or("the classifier file is truncated")
        };
        let version = word(8)?;
        if version != VERSION {
            return Err(format!(
                "the classifier file has format version {version}; this build reads {VERSION}"
            ));
        }
        let values_at = PREAMBLE + word(12)? as usize;
        let header: Header = serde_json::from_slice(
            bytes
                .get(PREAMBLE..values_at)
                .ok_or("the classifier file is truncated")?,
        )
        .map_err(|e| format!("the classifier file's header is unreadable: {e}"))?;
        if (header.parameters, header.features) != (parameter_count(), FEATURES) {
            return Err(format!(
                "the classifier file holds {} parameters and {} features; this build's classifier has {} and {FEATURES}",
                header.parameters,
                header.features,
                parameter_count()
            ));
        }
        let count = header.parameters + FEATURES + FEATURES * FEATURES;
        let values: Vec<f32> = bytes[values_at..]
            .chunks_exact(4)
            .map(|v| f32::from_le_bytes([v[0], v[1], v[2], v[3]]))
            .collect();
        if bytes.len() != values_at + 4 * count || values.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "the classifier file should hold {count} finite values after its header"
            ));
        }
        let (parameters, reference) = values.split_at(header.parameters);
        let (mean, covariance) = reference.split_at(FEATURES);
        let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect();
        Ok(Self {
            parameters: parameters.to_vec(),
            reference: Gaussian {
                mean: widen(mean),
                covariance: widen(covariance),
            },
            training: header.training,
            check_accuracy: header.check_accuracy,
        })
    }
}
