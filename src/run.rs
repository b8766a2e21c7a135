//! [`Run`]: the training run a configuration's `mode` names, and the one module that knows every
//! kind of run: paper A's flow on burn's operations ([`Trainer`]) or as the fused GPU kernels
//! ([`FusedTrainer`]), and paper B's OT generator ([`OtGenerator`]). Everything else sees a run
//! through [`Training`].

use burn::tensor::{DType, Device, Tensor};

use crate::config::{ConfigError, Mode, TrainConfig};
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics};
use crate::flow::{FlowParts, Trajectory};
use crate::fused::{self, FusedTrainer};
use crate::losses::{PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, SavedModel};
use crate::nn::readback::Readback;
use crate::ot_generator::OtGenerator;
use crate::sdot::SemiDiscreteOt;
use crate::train::Trainer;
use crate::training::Training;

/// The run the configuration's `mode` names: on the wgpu device, a flow the fused kernels cover
/// runs on them.
pub enum Run {
    Flow(Box<Trainer>),
    Fused(Box<FusedTrainer>),
    Generator(Box<OtGenerator>),
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
            Mode::Flow if dtype == DType::F32 && fused::covers(&config, device) => {
                Self::Fused(Box::new(FusedTrainer::new(config, device)?))
            }
            Mode::Flow => Self::Flow(Box::new(Trainer::with_dtype(config, device, dtype)?)),
            Mode::Generator => {
                Self::Generator(Box::new(OtGenerator::with_dtype(config, device, dtype)?))
            }
        })
    }

    /// The run a model file holds, on `device`: built from its configuration, then given its
    /// state.
    pub fn load(saved: &SavedModel, device: &Device) -> Result<Self, ModelFileError> {
        let mut run = Self::new(saved.config.clone(), device).map_err(ModelFileError::Config)?;
        run.restore(saved)?;
        Ok(run)
    }

    /// The flow's burn trainer, to take stage by stage (src/walkthrough.rs), when the run is
    /// a flow trained by burn's operations.
    pub fn flow_mut(&mut self) -> Option<&mut Trainer> {
        match self {
            Self::Flow(trainer) => Some(trainer),
            Self::Fused(_) | Self::Generator(_) => None,
        }
    }

    fn inner(&self) -> &dyn Training {
        match self {
            Self::Flow(trainer) => trainer.as_ref(),
            Self::Fused(trainer) => trainer.as_ref(),
            Self::Generator(generator) => generator.as_ref(),
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Training {
        match self {
            Self::Flow(trainer) => trainer.as_mut(),
            Self::Fused(trainer) => trainer.as_mut(),
            Self::Generator(generator) => generator.as_mut(),
        }
    }
}

/// A run is its model's training: every call goes to the trainer the mode chose.
impl Training for Run {
    fn config(&self) -> &TrainConfig {
        self.inner().config()
    }

    fn set_config(&mut self, config: TrainConfig) {
        self.inner_mut().set_config(config);
    }

    fn iteration(&self) -> usize {
        self.inner().iteration()
    }

    fn eval_device(&self) -> Device {
        self.inner().eval_device()
    }

    fn dtype(&self) -> DType {
        self.inner().dtype()
    }

    fn step(&mut self) -> StepLosses {
        self.inner_mut().step()
    }

    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        self.inner().queue_losses(losses, readback)
    }

    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        self.inner().queue_state(readback)
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        self.inner_mut().restore(saved)
    }

    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory) {
        self.inner().measure(batch, readback)
    }

    fn end_points(&self, sources: Tensor<2>) -> Tensor<2> {
        self.inner().end_points(sources)
    }

    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2> {
        self.inner().terminal_field(x)
    }

    fn ot(&self) -> Option<&SemiDiscreteOt> {
        self.inner().ot()
    }

    fn flow(&self) -> Option<FlowParts<'_>> {
        self.inner().flow()
    }

    fn fused(&self) -> bool {
        self.inner().fused()
    }

    fn dispatches(&self) -> Option<u64> {
        self.inner().dispatches()
    }
}
