//! What the page draws, computed on the device and read back in one transfer with the
//! diagnostics: particle trajectories, the critic φ and the velocity field on the plane, and the
//! straight lines the mean-field-game optimality system predicts.

use burn::tensor::Tensor;

use crate::diagnostics::{Diagnostics, EvaluationBatch, PendingDiagnostics, measure};
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::matrix;
use crate::train::{Diverged, LossValues, PendingLosses, StepLosses, Trainer};

/// The window of the plane (first two coordinates; the others are 0) the fields are drawn on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub x_min: f32,
    pub x_max: f32,
    pub y_min: f32,
    pub y_max: f32,
}

/// What a snapshot should hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SnapshotRequest {
    pub view: View,
    /// φ is sampled on a `critic_grid × critic_grid` lattice.
    pub critic_grid: usize,
    /// The velocity field is sampled on a `velocity_grid × velocity_grid` lattice.
    pub velocity_grid: usize,
    /// The time t ∈ [0, T] of the velocity field −∇ₓU(·, t)/λ.
    pub time: f64,
    /// How many of the shown particles get their predicted straight line.
    pub highlighted: usize,
}

/// Everything the page draws at one iteration, row-major, first two coordinates.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub iteration: usize,
    pub losses: Option<LossValues>,
    pub diagnostics: Diagnostics,
    /// `[K+1, n, 2]`: x_k of the evaluation batch's particles.
    pub trajectories: Vec<f32>,
    /// `[critic_grid, critic_grid]`, rows from y_min up: φ on the view.
    pub critic: Vec<f32>,
    /// `[velocity_grid, velocity_grid, 2]`: −∇ₓU(·, t)/λ on the view.
    pub velocity: Vec<f32>,
    /// `[highlighted, 2, 2]`: for each highlighted particle the predicted line from
    /// x(0) = x_K + (T/λ)∇φ(x_K) to x(T) = x_K (papers.md §1.1, linear trajectories).
    pub predicted_lines: Vec<f32>,
    /// `[K+1]`: RMS of the extra coordinates 3..d at each t_k (empty for d = 2).
    pub extra_rms_by_time: Vec<f32>,
}

/// Slots of a queued snapshot.
pub struct PendingSnapshot {
    iteration: usize,
    losses: Option<PendingLosses>,
    diagnostics: PendingDiagnostics,
    trajectories: Vec<Slot>,
    critic: Slot,
    velocity: Slot,
    predicted_lines: Slot,
    extra_rms_by_time: Vec<Slot>,
}

/// Queues a snapshot of `trainer` onto `readback`; `losses` are the last step's, if any.
pub fn queue_snapshot(
    trainer: &Trainer,
    batch: &EvaluationBatch,
    losses: Option<StepLosses>,
    request: &SnapshotRequest,
    readback: &mut Readback,
) -> PendingSnapshot {
    let device = trainer.eval_device();
    let dtype = trainer.dtype();
    let (n, d) = (batch.len, batch.dim);
    let scheme = trainer.scheme();
    let potential = trainer.potential.frozen();
    let critic = trainer.critic.frozen();
    let losses = losses.map(|l| l.queue(trainer, readback));
    let (diagnostics, trajectory) = measure(trainer, batch, readback);
    let plane = |x: &Tensor<2>| x.clone().narrow(1, 0, 2);
    let trajectories = trajectory.positions.iter().map(|x| readback.push(plane(x))).collect();
    let extra_rms_by_time = if d > 2 {
        trajectory.positions.iter().map(|x| readback.push(x.clone().narrow(1, 2, d - 2).square().mean().sqrt())).collect()
    } else {
        Vec::new()
    };

    let highlighted = request.highlighted.min(n);
    let x_end = trajectory.end().narrow(0, 0, highlighted);
    let grad_phi = critic.input_gradient(&critic.forward(x_end.clone()));
    let start = x_end.clone().add(grad_phi.mul_scalar(scheme.t_final / scheme.lambda));
    let lines = Tensor::cat(vec![plane(&start), plane(&x_end)], 1); // [h, 4]

    let critic_points = lattice(&request.view, request.critic_grid, d);
    let velocity_points = lattice(&request.view, request.velocity_grid, d);
    let phi = critic.forward(matrix(critic_points, request.critic_grid.pow(2), d, &device, dtype)).output;
    let velocity_at = matrix(velocity_points, request.velocity_grid.pow(2), d, &device, dtype);
    let velocity = potential.velocity(velocity_at, request.time.clamp(0.0, scheme.t_final), scheme.lambda);

    PendingSnapshot {
        iteration: trainer.iteration,
        losses,
        diagnostics,
        trajectories,
        critic: readback.push(phi),
        velocity: readback.push(plane(&velocity)),
        predicted_lines: readback.push(lines),
        extra_rms_by_time,
    }
}

impl PendingSnapshot {
    /// The snapshot from the values read back, or the first quantity that was not finite.
    pub fn finish(&self, values: &ReadValues, batch: &EvaluationBatch) -> Result<Snapshot, Diverged> {
        let losses = self.losses.as_ref().map(|l| l.check(values, self.iteration)).transpose()?;
        let diagnostics = self.diagnostics.finish(values, batch)?;
        Ok(Snapshot {
            iteration: self.iteration,
            losses,
            diagnostics,
            trajectories: self.trajectories.iter().flat_map(|&s| values.get(s).iter().copied()).collect(),
            critic: values.get(self.critic).to_vec(),
            velocity: values.get(self.velocity).to_vec(),
            predicted_lines: values.get(self.predicted_lines).to_vec(),
            extra_rms_by_time: self.extra_rms_by_time.iter().map(|&s| values.get(s)[0]).collect(),
        })
    }
}

/// The points of a `grid × grid` lattice over `view` (rows from y_min up), embedded in R^d.
fn lattice(view: &View, grid: usize, dim: usize) -> Vec<f32> {
    let step = |lo: f32, hi: f32, i: usize| lo + (hi - lo) * (i as f32 + 0.5) / grid as f32;
    let mut points = vec![0.0; grid * grid * dim];
    for row in 0..grid {
        for col in 0..grid {
            let at = (row * grid + col) * dim;
            points[at] = step(view.x_min, view.x_max, col);
            points[at + 1] = step(view.y_min, view.y_max, row);
        }
    }
    points
}

/// A snapshot of `trainer`, read back synchronously (native and the CPU backend in the browser).
pub fn snapshot(trainer: &Trainer, batch: &EvaluationBatch, losses: Option<StepLosses>, request: &SnapshotRequest) -> Result<Snapshot, Diverged> {
    let mut readback = Readback::default();
    let pending = queue_snapshot(trainer, batch, losses, request, &mut readback);
    pending.finish(&readback.read(), batch)
}
