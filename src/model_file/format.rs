//! The bytes of a model file, all little-endian:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | [`MAGIC`], `W1W2FLOW` |
//! | 4 | the format [`VERSION`], u32 |
//! | 4 | the header's length H, u32 |
//! | H | the header, JSON: the configuration, the iteration, the streams' states, and per player its name, parameter count, moment count and Adam steps |
//! | 4 per value | per player its parameters, first moments, second moments, f32 |
//!
//! The length is checked against the header, so a truncated file is named as such.

use serde::{Deserialize, Serialize};

use super::{ModelFileError, PlayerState, SavedModel};
use crate::config::TrainConfig;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = b"W1W2FLOW";

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// What the header says of one player.
#[derive(Serialize, Deserialize)]
struct PlayerHeader {
    name: String,
    parameters: usize,
    moments: usize,
    adam_steps: i32,
}

#[derive(Serialize, Deserialize)]
struct Header {
    config: TrainConfig,
    iteration: usize,
    streams: Vec<[u64; 4]>,
    players: Vec<PlayerHeader>,
}

/// Bytes before the header.
const PREAMBLE: usize = 16;

impl SavedModel {
    /// The model as the bytes of a file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            config: self.config.clone(),
            iteration: self.iteration,
            streams: self.streams.clone(),
            players: self
                .players
                .iter()
                .map(|p| PlayerHeader {
                    name: p.name.clone(),
                    parameters: p.parameters.len(),
                    moments: p.first_moment.len(),
                    adam_steps: p.adam_steps,
                })
                .collect(),
        };
        let header = serde_json::to_vec(&header).expect("a header serialises");
        let mut bytes = Vec::with_capacity(PREAMBLE + header.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        for player in &self.players {
            for values in [
                &player.parameters,
                &player.first_moment,
                &player.second_moment,
            ] {
                bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
        bytes
    }

    /// Reads a model file; its configuration is validated and its values checked
    /// ([`super::sense`]), its tensors are checked against the model that configuration builds
    /// when the model is restored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelFileError::NotAModel);
        }
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        };
        let too_short = |expected| ModelFileError::Length {
            expected,
            found: bytes.len(),
        };
        let version = word(8).ok_or(too_short(PREAMBLE))?;
        if version != VERSION {
            return Err(ModelFileError::Version { found: version });
        }
        let header_length = word(12).ok_or(too_short(PREAMBLE))? as usize;
        let values_at = PREAMBLE + header_length;
        let header = bytes.get(PREAMBLE..values_at).ok_or(too_short(values_at))?;
        let header: Header =
            serde_json::from_slice(header).map_err(|e| ModelFileError::Header(e.to_string()))?;
        header.config.validate().map_err(ModelFileError::Config)?;
        let floats: usize = header
            .players
            .iter()
            .map(|p| p.parameters + 2 * p.moments)
            .sum();
        let expected = values_at + 4 * floats;
        if bytes.len() != expected {
            return Err(ModelFileError::Length {
                expected,
                found: bytes.len(),
            });
        }
        let mut values = bytes[values_at..]
            .chunks_exact(4)
            .map(|v| f32::from_le_bytes([v[0], v[1], v[2], v[3]]));
        let mut take = |n: usize| values.by_ref().take(n).collect::<Vec<f32>>();
        let players = header
            .players
            .into_iter()
            .map(|p| PlayerState {
                parameters: take(p.parameters),
                first_moment: take(p.moments),
                second_moment: take(p.moments),
                name: p.name,
                adam_steps: p.adam_steps,
            })
            .collect();
        let saved = Self {
            config: header.config,
            iteration: header.iteration,
            streams: header.streams,
            players,
        };
        saved.check_values()?;
        Ok(saved)
    }
}
