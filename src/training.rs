//! The [`Training`] interface that every kind of training run implements (paper A's flow, with a
//! critic or an OT terminal cost, on burn's operations or the fused kernels, and paper B's OT
//! generator), and the measurements taken through it. The CLI, the page, the snapshots and the
//! walk-through see runs only through it; `run` (src/run.rs) is the one module that knows every kind.

use burn::tensor::{DType, Device, Tensor};

use crate::config::TrainConfig;
use crate::diagnostics::{Diagnostics, EvaluationBatch, PendingDiagnostics};
use crate::flow::{FlowParts, Trajectory};
use crate::losses::{Diverged, LossValues, PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, SavedModel};
use crate::nn::readback::Readback;
use crate::nn::tensor_io::to_f32;
use crate::sdot::SemiDiscreteOt;

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

    /// The flow's parts, when the run is a flow (its paths, velocities and predicted lines are
    /// drawn).
    fn flow(&self) -> Option<FlowParts<'_>>;

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

/// The indicators of `run` on `batch`, read back synchronously.
pub fn evaluate(run: &dyn Training, batch: &EvaluationBatch) -> Result<Diagnostics, Diverged> {
    let mut readback = Readback::default();
    let (pending, _) = run.measure(batch, &mut readback);
    pending.finish(&readback.read(), batch)
}

/// The samples of the batch's sources under the current run (a flow's end points x_K),
/// `[n, d]` row-major, in the data's own coordinates.
pub fn samples(run: &dyn Training, batch: &EvaluationBatch) -> Vec<f32> {
    let samples = to_f32(run.end_points(batch.sources_on(&run.eval_device(), run.dtype())));
    batch.frame.in_data(&samples, batch.dim)
}
