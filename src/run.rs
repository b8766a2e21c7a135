//! A training run, whatever trains it: the [`Training`] interface that paper A's flow (with a
//! critic or an OT terminal cost) and paper B's OT generator implement, and [`Run`], the one the
//! configuration's `mode` names. The CLI, the page, the diagnostics and the snapshots see only
//! this interface.

use burn::tensor::{DType, Device, Tensor};

use crate::config::{ConfigError, Mode, TrainConfig};
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics};
use crate::flow::Trajectory;
use crate::fused::{self, FusedTrainer};
use crate::losses::{Diverged, LossValues, PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, SavedModel};
use crate::nn::readback::Readback;
use crate::ot_generator::OtGenerator;
use crate::sdot::SemiDiscreteOt;
use crate::train::Trainer;

/// What every kind of training run offers to those who drive it and draw it.
pub trait Training {
    /// The configuration it runs.
    fn config(&self) -> &TrainConfig;

    /// Replaces the configuration of the running model (the live settings; the caller
    /// validates).
    fn set_config(&mut self, config: TrainConfig);

    /// Completed iterations.
    fn iteration(&self) -> usize;

    /// The device without autodiff, for evaluation.
    fn eval_device(&self) -> Device;

    /// The float dtype of every tensor of the run.
    fn dtype(&self) -> DType;

    /// One iteration: the terminal player's steps, then the model's; nothing is read back.
    fn step(&mut self) -> StepLosses;

    /// Queues `losses` with the weight sums that reveal a non-finite parameter.
    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses;

    /// Queues the run's whole state (a model file's content) onto `readback`.
    fn queue_state(&self, readback: &mut Readback) -> PendingModel;

    /// Puts `saved`'s parameters, Adam moments, iteration and streams in place of this run's,
    /// which was built from `saved.config`. Nothing changes when the saved state does not fit.
    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError>;

    /// The run's whole state, read back at once (synchronously).
    fn save(&self) -> SavedModel {
        let mut readback = Readback::default();
        let pending = self.queue_state(&mut readback);
        pending.finish(&readback.read())
    }

    /// One iteration and one readback that fails on the first non-finite quantity.
    fn step_checked(&mut self) -> Result<LossValues, Diverged> {
        let mut readback = Readback::default();
        let losses = self.step();
        let pending = self.queue_losses(losses, &mut readback);
        pending.check(&readback.read(), self.iteration())
    }

    /// Queues the indicators on `batch` onto `readback`, with the batch's trajectory (still on
    /// the device; a generator's is its samples alone).
    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory);

    /// Where `sources` (`[n, d]` or latents `[n, latent_dim]`, on the evaluation device) end:
    /// a flow's x_K, a generator's g_θ(z). `[n, d]`.
    fn end_points(&self, sources: Tensor<2>) -> Tensor<2>;

    /// The terminal cost at points x, `[n, 1]`: the critic φ(x) or paper B's ψ^{c,λ}(x).
    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2>;

    /// Paper B's semi-discrete OT problem, when the run has one.
    fn ot(&self) -> Option<&SemiDiscreteOt>;

    /// The flow, when the run is one (its paths, velocities and predicted lines are drawn).
    fn flow(&self) -> Option<&Trainer>;

    /// The flow's burn trainer to take stage by stage ([`crate::walkthrough`]), when the run is a
    /// flow trained by burn's operations.
    fn flow_mut(&mut self) -> Option<&mut Trainer> {
        None
    }

    /// Whether an iteration runs as the fused GPU kernels (src/fused/) rather than burn's
    /// operations.
    fn fused(&self) -> bool {
        false
    }

    /// Compute dispatches launched so far, where the run counts them (the fused kernels).
    fn dispatches(&self) -> Option<u64> {
        None
    }
}

/// The run the configuration's `mode` names: on the wgpu device, a flow the fused kernels cover
/// runs on them.
pub struct Run(Box<dyn Training>);

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
        Ok(Self(match config.mode {
            Mode::Flow if dtype == DType::F32 && fused::covers(&config, device) => {
                Box::new(FusedTrainer::new(config, device)?)
            }
            Mode::Flow => Box::new(Trainer::with_dtype(config, device, dtype)?),
            Mode::Generator => Box::new(OtGenerator::with_dtype(config, device, dtype)?),
        }))
    }

    /// The run a model file holds, on `device`: built from its configuration, then given its
    /// state.
    pub fn load(saved: &SavedModel, device: &Device) -> Result<Self, ModelFileError> {
        let mut run = Self::new(saved.config.clone(), device).map_err(ModelFileError::Config)?;
        run.restore(saved)?;
        Ok(run)
    }
}

/// A run is its model's training: every call goes to the trainer the mode chose.
impl Training for Run {
    fn config(&self) -> &TrainConfig {
        self.0.config()
    }

    fn set_config(&mut self, config: TrainConfig) {
        self.0.set_config(config);
    }

    fn iteration(&self) -> usize {
        self.0.iteration()
    }

    fn eval_device(&self) -> Device {
        self.0.eval_device()
    }

    fn dtype(&self) -> DType {
        self.0.dtype()
    }

    fn step(&mut self) -> StepLosses {
        self.0.step()
    }

    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        self.0.queue_losses(losses, readback)
    }

    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        self.0.queue_state(readback)
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        self.0.restore(saved)
    }

    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory) {
        self.0.measure(batch, readback)
    }

    fn end_points(&self, sources: Tensor<2>) -> Tensor<2> {
        self.0.end_points(sources)
    }

    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2> {
        self.0.terminal_field(x)
    }

    fn ot(&self) -> Option<&SemiDiscreteOt> {
        self.0.ot()
    }

    fn flow(&self) -> Option<&Trainer> {
        self.0.flow()
    }

    fn flow_mut(&mut self) -> Option<&mut Trainer> {
        self.0.flow_mut()
    }

    fn fused(&self) -> bool {
        self.0.fused()
    }

    fn dispatches(&self) -> Option<u64> {
        self.0.dispatches()
    }
}
