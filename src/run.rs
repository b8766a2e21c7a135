//! A training run of either kind the configuration's `mode` names: paper A's flow (with a critic
//! or an OT terminal cost) or paper B's OT generator. The CLI and the page drive this.

use burn::tensor::{DType, Device};

use crate::config::{ConfigError, Mode, TrainConfig};
use crate::nn::readback::Readback;
use crate::ot_generator::OtGenerator;
use crate::train::{Diverged, LossValues, PendingLosses, StepLosses, Trainer};

#[allow(
    clippy::large_enum_variant,
    reason = "one per run, never copied in a loop"
)]
pub enum Run {
    Flow(Trainer),
    Generator(OtGenerator),
}

impl Run {
    /// A run on `device` in f32.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self, ConfigError> {
        Self::with_dtype(config, device, DType::F32)
    }

    /// A run on `device` in `dtype`.
    pub fn with_dtype(
        config: TrainConfig,
        device: &Device,
        dtype: DType,
    ) -> Result<Self, ConfigError> {
        Ok(match config.mode {
            Mode::Flow => Self::Flow(Trainer::with_dtype(config, device, dtype)?),
            Mode::Generator => Self::Generator(OtGenerator::with_dtype(config, device, dtype)?),
        })
    }

    pub fn config(&self) -> &TrainConfig {
        match self {
            Self::Flow(trainer) => &trainer.config,
            Self::Generator(generator) => &generator.config,
        }
    }

    /// Replaces the configuration of a running run (the live settings; the caller validates).
    pub fn set_config(&mut self, config: TrainConfig) {
        match self {
            Self::Flow(trainer) => trainer.config = config,
            Self::Generator(generator) => generator.config = config,
        }
    }

    /// Completed iterations.
    pub fn iteration(&self) -> usize {
        match self {
            Self::Flow(trainer) => trainer.iteration,
            Self::Generator(generator) => generator.iteration,
        }
    }

    /// One iteration; nothing is read back.
    pub fn step(&mut self) -> StepLosses {
        match self {
            Self::Flow(trainer) => trainer.step(),
            Self::Generator(generator) => generator.step(),
        }
    }

    /// One iteration and one readback that fails on the first non-finite quantity.
    pub fn step_checked(&mut self) -> Result<LossValues, Diverged> {
        match self {
            Self::Flow(trainer) => trainer.step_checked(),
            Self::Generator(generator) => generator.step_checked(),
        }
    }

    /// Queues `losses` with the weight sums that reveal a non-finite parameter.
    pub fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        match self {
            Self::Flow(trainer) => losses.queue(trainer, readback),
            Self::Generator(generator) => generator.queue_losses(losses, readback),
        }
    }
}
