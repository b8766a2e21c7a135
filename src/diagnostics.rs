//! Optimality indicators of a trained flow on a fixed evaluation batch (DESIGN.md §3
//! "Diagnostics"): how far (U, φ) are from solving the mean-field-game system of paper A.
//!
//! Everything is computed on the device and queued on a [`Readback`], so that the indicators
//! (and whatever else a snapshot needs) cost one transfer; the sample metrics are then computed on
//! the host.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::data::DataPool;
use crate::flow::{EulerScheme, Potential, Trajectory, kinetic_energy, rollout};
use crate::metrics;
use crate::nn::Mlp;
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::{matrix, to_f32};
use crate::rng::Rng;
use crate::train::{Diverged, Trainer};

/// A fixed batch to evaluate on: sources x₀ and held-out data, both `[len, dim]` row-major.
#[derive(Clone, Debug)]
pub struct EvaluationBatch {
    pub sources: Vec<f32>,
    pub data: Vec<f32>,
    pub len: usize,
    pub dim: usize,
}

impl EvaluationBatch {
    /// `len` fresh source samples and `len` fresh data points (not from the training pool), both
    /// from their own stream of the run's seed.
    pub fn for_trainer(trainer: &Trainer, len: usize) -> Self {
        let config = &trainer.config;
        let mut rng = Rng::new(config.seed ^ 0xE7A1_0000_0000_0001);
        let d = config.dim;
        let sources = rng.normal_vec(len * d);
        let data = DataPool::for_config(config, len, &mut rng).points;
        Self { sources, data, len, dim: d }
    }
}

/// Every indicator at one iteration. Field names are the CLI's JSON keys.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diagnostics {
    /// KE = Σ_k Δt·½·mean|v_k|² at the step points.
    pub kinetic_energy: f64,
    /// Σ_k Δt·mean_b |−∂_tU + |∇ₓU|²/(2λ)| at (x_k, t_k): the HJ equation's residual, theory's sign.
    pub hj_residual: f64,
    /// RMS_b |∇φ(x_K) − ∇ₓU(x_K, T)|: the terminal condition U(·, T) = φ.
    pub terminal_residual: f64,
    /// mean φ(x_K) − Λ_f(φ(y)): the critic's estimate of D_f^L(ρ_T‖π).
    pub divergence: f64,
    /// The same estimate with the flow run at Δt/2.
    pub divergence_half_step: f64,
    /// mean_b |x_K − x_0| / Σ_k |x_{k+1} − x_k|: 1 for straight paths.
    pub straightness: f64,
    /// mean_b |v_k| for each step k.
    pub mean_speed: Vec<f64>,
    /// max over b and k of |v_k|.
    pub max_speed: f64,
    /// L/λ: the speed of optimal trajectories is at most this.
    pub speed_bound: f64,
    /// For d > 2: the largest RMS over the extra coordinates 3..d of x_K (0 on the manifold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_rms: Option<f64>,
    /// Debiased Sinkhorn divergence (geomloss settings) between x_K and held-out data, first two
    /// coordinates: the papers' Table 1 number.
    pub sinkhorn: f64,
    /// Exact W2 between x_K and held-out data, first two coordinates.
    pub w2: f64,
}

/// Where each indicator will be in a readback, and what finishing them needs.
pub struct PendingDiagnostics {
    kinetic_energy: Slot,
    hj_residual: Slot,
    terminal_mean_square: Slot,
    divergence: Slot,
    divergence_half_step: Slot,
    straightness: Slot,
    speeds: Slot,
    end_points: Slot,
    steps: usize,
    speed_bound: f64,
    iteration: usize,
}

/// Queues the indicators of `trainer`'s current (U, φ) on `batch` onto `readback`; returns
/// them with the batch's trajectory (still on the device) for whoever also draws it.
pub fn measure(trainer: &Trainer, batch: &EvaluationBatch, readback: &mut Readback) -> (PendingDiagnostics, Trajectory) {
    let device = trainer.eval_device();
    let dtype = trainer.dtype();
    let scheme = trainer.scheme();
    let potential = trainer.potential.frozen();
    let critic = trainer.critic.frozen();
    let x0 = matrix(batch.sources.clone(), batch.len, batch.dim, &device, dtype);
    let y = matrix(batch.data.clone(), batch.len, batch.dim, &device, dtype);
    let trajectory = rollout(&potential, x0.clone(), &scheme);
    let x_end = trajectory.end();
    let x_end_half = rollout(&potential, x0, &scheme.refined(2)).end();

    let critic_gradient = critic.input_gradient(&critic.forward(x_end.clone()));
    let terminal_gap = critic_gradient.sub(potential.gradient(x_end.clone(), scheme.t_final).space);
    let speeds: Vec<Tensor<2>> = trajectory.velocities.iter().map(|v| v.clone().square().sum_dim(1).sqrt()).collect();

    let pending = PendingDiagnostics {
        kinetic_energy: readback.push(kinetic_energy(&trajectory, &scheme)),
        hj_residual: readback.push(hj_residual(&potential, &trajectory, &scheme)),
        terminal_mean_square: readback.push(terminal_gap.square().sum_dim(1).mean()),
        divergence: readback.push(divergence_estimate(trainer, &critic, x_end.clone(), y.clone())),
        divergence_half_step: readback.push(divergence_estimate(trainer, &critic, x_end_half, y)),
        straightness: readback.push(straightness(&trajectory)),
        speeds: readback.push(Tensor::cat(speeds, 1)), // [n, K]
        end_points: readback.push(x_end),
        steps: scheme.steps,
        speed_bound: trainer.config.lipschitz / trainer.config.lambda,
        iteration: trainer.iteration,
    };
    (pending, trajectory)
}

/// The indicators of `trainer`'s current (U, φ) on `batch`, read back synchronously.
pub fn evaluate(trainer: &Trainer, batch: &EvaluationBatch) -> Result<Diagnostics, Diverged> {
    let mut readback = Readback::default();
    let (pending, _) = measure(trainer, batch, &mut readback);
    pending.finish(&readback.read(), batch)
}

impl PendingDiagnostics {
    /// The indicators from the values read back, with the sample metrics computed on the host;
    /// fails when the flow's end points or an indicator are not finite.
    pub fn finish(&self, values: &ReadValues, batch: &EvaluationBatch) -> Result<Diagnostics, Diverged> {
        let d = batch.dim;
        let diverged = |quantity| Diverged { iteration: self.iteration, quantity };
        let samples = values.get(self.end_points);
        if samples.iter().any(|v| !v.is_finite()) {
            return Err(diverged("flow end points x_K"));
        }
        let speeds = values.get(self.speeds); // [n, K]
        let mean_speed = (0..self.steps)
            .map(|k| speeds.iter().skip(k).step_by(self.steps).map(|&s| s as f64).sum::<f64>() / batch.len as f64)
            .collect();
        let (generated_plane, data_plane) = (first_two(samples, d), first_two(&batch.data, d));
        let diagnostics = Diagnostics {
            kinetic_energy: values.scalar(self.kinetic_energy),
            hj_residual: values.scalar(self.hj_residual),
            terminal_residual: values.scalar(self.terminal_mean_square).sqrt(),
            divergence: values.scalar(self.divergence),
            divergence_half_step: values.scalar(self.divergence_half_step),
            straightness: values.scalar(self.straightness),
            mean_speed,
            max_speed: speeds.iter().fold(0.0_f64, |m, &s| m.max(s as f64)),
            speed_bound: self.speed_bound,
            extra_rms: (d > 2).then(|| extra_coordinates_rms(samples, d)),
            sinkhorn: metrics::sinkhorn_divergence(&generated_plane, &data_plane, 2),
            w2: metrics::exact_w2(&generated_plane, &data_plane, 2),
        };
        let indicators = [
            ("kinetic energy", diagnostics.kinetic_energy),
            ("HJ residual", diagnostics.hj_residual),
            ("terminal residual", diagnostics.terminal_residual),
            ("divergence estimate", diagnostics.divergence),
        ];
        match indicators.iter().find(|(_, value)| !value.is_finite()) {
            Some((quantity, _)) => Err(diverged(quantity)),
            None => Ok(diagnostics),
        }
    }
}

/// mean φ(x) − Λ_f(φ(y)), `[1]`.
fn divergence_estimate(trainer: &Trainer, critic: &Mlp, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let shift = trainer.shift().map(|nu| nu.inner());
    let phi_x = critic.forward(x).output.mean();
    let phi_y = critic.forward(y).output;
    phi_x.sub(trainer.config.divergence.data_term(phi_y, shift.as_ref()))
}

/// Σ_k Δt·mean_b |−∂_tU(x_k, t_k) + |∇ₓU(x_k, t_k)|²/(2λ)|, `[1]`.
fn hj_residual(potential: &Potential, trajectory: &Trajectory, scheme: &EulerScheme) -> Tensor<1> {
    let dt = scheme.dt();
    let per_step: Vec<Tensor<1>> = (0..scheme.steps)
        .map(|k| {
            let g = potential.gradient(trajectory.positions[k].clone(), k as f64 * dt);
            let residual = g.time.neg().add(g.space.square().sum_dim(1).div_scalar(2.0 * scheme.lambda));
            residual.abs().mean()
        })
        .collect();
    Tensor::cat(per_step, 0).sum().mul_scalar(dt)
}

/// mean_b |x_K − x_0| / Σ_k |x_{k+1} − x_k|, `[1]`.
fn straightness(trajectory: &Trajectory) -> Tensor<1> {
    let norm = |t: Tensor<2>| t.square().sum_dim(1).sqrt();
    let positions = &trajectory.positions;
    let mut path = norm(positions[0].clone()).zeros_like();
    for pair in positions.windows(2) {
        path = path.add(norm(pair[1].clone().sub(pair[0].clone())));
    }
    let chord = norm(trajectory.end().sub(positions[0].clone()));
    chord.div(path.clamp_min(1e-12)).mean()
}

/// The largest over coordinates j = 3..d of sqrt(mean_b x_j²).
fn extra_coordinates_rms(samples: &[f32], dim: usize) -> f64 {
    let rows = samples.len() / dim;
    (2..dim)
        .map(|j| (samples.chunks(dim).map(|row| (row[j] as f64).powi(2)).sum::<f64>() / rows as f64).sqrt())
        .fold(0.0, f64::max)
}

/// The first two coordinates of `[n, dim]` rows, as `[n, 2]`.
pub fn first_two(points: &[f32], dim: usize) -> Vec<f32> {
    points.chunks(dim).flat_map(|row| [row[0], row[1]]).collect()
}

/// The end points x_K of the batch's sources under the current flow, `[n, d]` row-major.
pub fn end_points(trainer: &Trainer, batch: &EvaluationBatch) -> Vec<f32> {
    let device = trainer.eval_device();
    let x0 = matrix(batch.sources.clone(), batch.len, batch.dim, &device, trainer.dtype());
    to_f32(rollout(&trainer.potential.frozen(), x0, &trainer.scheme()).end())
}
