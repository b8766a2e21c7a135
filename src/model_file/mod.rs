//! A trained model as one file: its configuration, every player's parameters and Adam moments, the
//! iteration and the states of the random streams. A run saved and loaded on the same backend goes
//! on bit for bit as it would have; the file is the same whichever backend or path (burn's
//! operations or the fused kernels) wrote it. The bytes are laid out in [`format`](mod@format).

pub mod format;
pub mod sense;

use std::fmt;

use burn::tensor::{DType, Device, Tensor};

use crate::config::{ConfigError, TrainConfig};
use crate::nn::Adam;
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::matrix;

/// One player's learned state.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerState {
    /// The player's symbol: U, φ, ψ or g.
    pub name: String,
    /// Every parameter end to end, in the order of the player's parameter list.
    pub parameters: Vec<f32>,
    /// Adam's first and second moments in the same order; empty before the first step and for
    /// a player without Adam (ψ).
    pub first_moment: Vec<f32>,
    pub second_moment: Vec<f32>,
    /// Adam steps taken.
    pub adam_steps: i32,
}

/// Everything a run needs to go on where it stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    pub config: TrainConfig,
    /// Completed iterations.
    pub iteration: usize,
    /// The random streams' states, in the order the trainer lists them.
    pub streams: Vec<[u64; 4]>,
    pub players: Vec<PlayerState>,
}

/// Why a model file could not be read or used. The running model is never touched before the
/// file has been read whole.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelFileError {
    /// The bytes do not start with [`format::MAGIC`].
    NotAModel,
    /// Written in a format version this build does not read.
    Version { found: u32 },
    /// Fewer or more bytes than the header announces.
    Length { expected: usize, found: usize },
    /// The header is not the JSON this build writes.
    Header(String),
    /// The configuration inside is not a valid one.
    Config(ConfigError),
    /// The parameters, moments or streams do not fit the model the configuration builds.
    Mismatch(String),
    /// A value no run can hold ([`sense`]): a non-finite weight, a negative second moment, a
    /// stream that cannot run, a player twice.
    Values(String),
}

impl fmt::Display for ModelFileError {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAModel => write!(
                out,
                "this file is not a w1w2-flow model (a model file starts with {:?})",
                String::from_utf8_lossy(format::MAGIC)
            ),
            Self::Version { found } => write!(
                out,
                "this model file has format version {found}; this build reads version {}",
                format::VERSION
            ),
            Self::Length { expected, found } if found < expected => write!(
                out,
                "this model file is truncated: {found} bytes where its header announces {expected}"
            ),
            Self::Length { expected, found } => write!(
                out,
                "this model file has {} bytes more than its header announces ({expected})",
                found - expected
            ),
            Self::Header(message) => {
                write!(out, "this model file's header is unreadable: {message}")
            }
            Self::Config(error) => {
                write!(out, "this model file's configuration is invalid: {error}")
            }
            Self::Mismatch(message) => {
                write!(
                    out,
                    "this model file does not match its configuration: {message}"
                )
            }
            Self::Values(message) => {
                write!(
                    out,
                    "this model file holds values no run can have: {message}"
                )
            }
        }
    }
}

impl std::error::Error for ModelFileError {}

/// Where a player's state will be in a readback.
pub struct PendingPlayer {
    name: &'static str,
    parameters: Slot,
    moments: Option<(Slot, Slot)>,
    adam_steps: i32,
}

impl PendingPlayer {
    /// Queues a player's parameters end to end and its Adam's state (`None` for ψ).
    pub fn queue(
        name: &'static str,
        parameters: Vec<Tensor<2>>,
        adam: Option<(i32, Option<(Tensor<2>, Tensor<2>)>)>,
        readback: &mut Readback,
    ) -> Self {
        let flat = Tensor::cat(
            parameters
                .into_iter()
                .map(|p| p.inner().reshape([-1]))
                .collect(),
            0,
        );
        let parameters = readback.push(flat);
        let (adam_steps, moments) = adam.unwrap_or((0, None));
        let moments = moments.map(|(m, v)| (readback.push(m), readback.push(v)));
        Self {
            name,
            parameters,
            moments,
            adam_steps,
        }
    }

    fn finish(&self, values: &ReadValues) -> PlayerState {
        let moment = |pick: fn(&(Slot, Slot)) -> Slot| {
            self.moments
                .as_ref()
                .map_or_else(Vec::new, |m| values.get(pick(m)).to_vec())
        };
        PlayerState {
            name: self.name.to_string(),
            parameters: values.get(self.parameters).to_vec(),
            first_moment: moment(|m| m.0),
            second_moment: moment(|m| m.1),
            adam_steps: self.adam_steps,
        }
    }
}

/// A run's state queued for one readback.
pub struct PendingModel {
    pub config: TrainConfig,
    pub iteration: usize,
    pub streams: Vec<[u64; 4]>,
    pub players: Vec<PendingPlayer>,
}

impl PendingModel {
    /// The saved model, from the values read back.
    pub fn finish(&self, values: &ReadValues) -> SavedModel {
        SavedModel {
            config: self.config.clone(),
            iteration: self.iteration,
            streams: self.streams.clone(),
            players: self.players.iter().map(|p| p.finish(values)).collect(),
        }
    }
}

impl SavedModel {
    /// Whether this model is one of `config`: the same configuration, the evaluation size
    /// aside (it changes what is measured, not what is trained).
    pub fn is_for(&self, config: &TrainConfig) -> bool {
        let evaluated_alike = TrainConfig {
            eval_batch: config.eval_batch,
            ..self.config.clone()
        };
        evaluated_alike == *config
    }

    /// The player named `name`, checked to hold as many parameters as `expected`.
    pub fn player(&self, name: &str, expected: usize) -> Result<&PlayerState, ModelFileError> {
        let player = self
            .players
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ModelFileError::Mismatch(format!("it holds no {name}")))?;
        let moments = [player.first_moment.len(), player.second_moment.len()];
        if player.parameters.len() != expected {
            return Err(ModelFileError::Mismatch(format!(
                "{name} has {} parameters where the configuration's network has {expected}",
                player.parameters.len()
            )));
        }
        if moments != [0, 0] && moments != [expected, expected] {
            return Err(ModelFileError::Mismatch(format!(
                "{name}'s Adam moments hold {moments:?} values for {expected} parameters"
            )));
        }
        Ok(player)
    }

    /// The N stream states the trainer keeps.
    pub fn streams<const N: usize>(&self) -> Result<[[u64; 4]; N], ModelFileError> {
        self.streams.clone().try_into().map_err(|streams: Vec<_>| {
            ModelFileError::Mismatch(format!(
                "it holds {} random streams where this kind of run keeps {N}",
                streams.len()
            ))
        })
    }
}

/// The values in a parameter list.
pub fn parameter_count(parameters: &[Tensor<2>]) -> usize {
    parameters
        .iter()
        .map(|p| p.dims().iter().product::<usize>())
        .sum()
}

impl PlayerState {
    /// The parameters cut into tensors of the shapes of `like` (the player's current parameter
    /// list, which [`SavedModel::player`] has checked the length against), on `device`.
    pub fn tensors(&self, like: &[Tensor<2>], device: &Device, dtype: DType) -> Vec<Tensor<2>> {
        let mut offset = 0;
        like.iter()
            .map(|p| {
                let [rows, cols] = p.dims();
                let values = self.parameters[offset..offset + rows * cols].to_vec();
                offset += rows * cols;
                matrix(values, rows, cols, device, dtype)
            })
            .collect()
    }

    /// [`PlayerState::tensors`] on an autodiff `device`, each tracked for gradients.
    pub fn tracked_tensors(
        &self,
        like: &[Tensor<2>],
        device: &Device,
        dtype: DType,
    ) -> Vec<Tensor<2>> {
        self.tensors(like, device, dtype)
            .into_iter()
            .map(|p| p.require_grad())
            .collect()
    }

    /// `adam` resumed at this player's step count and moments (on `device`, without autodiff).
    pub fn adam(&self, adam: &Adam, device: &Device, dtype: DType) -> Adam {
        let count = self.first_moment.len();
        let moments = (count > 0).then(|| {
            (
                matrix(self.first_moment.clone(), 1, count, device, dtype),
                matrix(self.second_moment.clone(), 1, count, device, dtype),
            )
        });
        adam.resumed(self.adam_steps, moments)
    }
}
