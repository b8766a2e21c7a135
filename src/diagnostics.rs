//! Optimality indicators of a trained flow on a fixed evaluation batch (DESIGN.md §3
//! "Diagnostics"): how far (U, φ) are from solving the mean-field-game system of paper A.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::divergence::Divergence;
use crate::flow::{EulerScheme, Potential, Trajectory, kinetic_energy, rollout};
use crate::metrics;
use crate::nn::Mlp;
use crate::nn::tensor_io::{matrix, scalar, to_f32, to_f64};
use crate::rng::Rng;
use crate::train::{Diverged, Trainer};

/// A fixed batch to evaluate on: sources x₀ and held-out data, both `[n, d]` row-major.
#[derive(Clone, Debug)]
pub struct EvaluationBatch {
    pub sources: Vec<f32>,
    pub data: Vec<f32>,
    pub len: usize,
    pub dim: usize,
}

impl EvaluationBatch {
    /// `len` fresh source samples and `len` fresh data points (not from the training pool), both
    /// drawn from their own stream of the run's seed.
    pub fn for_trainer(trainer: &Trainer, len: usize) -> Self {
        let config = &trainer.config;
        let mut rng = Rng::new(config.seed ^ 0xE7A1_0000_0000_0001);
        let d = config.dim;
        let sources = rng.normal_vec(len * d);
        let data = crate::data::DataPool::generate(config.dataset, len, d, &mut rng).points;
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

/// The indicators of `trainer`'s current (U, φ) on `batch`; fails when the flow's end points or
/// an indicator are not finite.
pub fn evaluate(trainer: &Trainer, batch: &EvaluationBatch) -> Result<Diagnostics, Diverged> {
    let device = trainer.eval_device();
    let dtype = trainer.dtype();
    let (n, d) = (batch.len, batch.dim);
    let scheme = trainer.scheme();
    let potential = trainer.potential.frozen();
    let critic = trainer.critic.frozen();
    let x0 = matrix(batch.sources.clone(), n, d, &device, dtype);
    let y = matrix(batch.data.clone(), n, d, &device, dtype);
    let trajectory = rollout(&potential, x0.clone(), &scheme);
    let x_end = trajectory.end();

    let divergence = divergence_estimate(&critic, trainer, x_end.clone(), y.clone());
    let x_end_half = rollout(&potential, x0, &scheme.refined(2)).end();
    let divergence_half_step = divergence_estimate(&critic, trainer, x_end_half, y);

    let critic_gradient = critic.input_gradient(&critic.forward(x_end.clone()));
    let terminal_gap = critic_gradient.sub(potential.gradient(x_end.clone(), scheme.t_final).space);
    let terminal_residual = scalar(terminal_gap.square().sum_dim(1).mean()).sqrt();

    let speeds: Vec<Vec<f64>> = trajectory
        .velocities
        .iter()
        .map(|v| to_f64(v.clone().square().sum_dim(1).sqrt()))
        .collect();
    let mean_speed = speeds.iter().map(|s| s.iter().sum::<f64>() / n as f64).collect();
    let max_speed = speeds.iter().flatten().fold(0.0_f64, |m, &s| m.max(s));

    let samples = to_f32(x_end);
    let diverged = |quantity| Diverged { iteration: trainer.iteration, quantity };
    if samples.iter().any(|v| !v.is_finite()) {
        return Err(diverged("flow end points x_K"));
    }
    let (generated_plane, data_plane) = (first_two(&samples, d), first_two(&batch.data, d));
    let diagnostics = Diagnostics {
        kinetic_energy: scalar(kinetic_energy(&trajectory, &scheme)),
        hj_residual: hj_residual(&potential, &trajectory, &scheme),
        terminal_residual,
        divergence,
        divergence_half_step,
        straightness: straightness(&trajectory),
        mean_speed,
        max_speed,
        speed_bound: trainer.config.lipschitz / trainer.config.lambda,
        extra_rms: (d > 2).then(|| extra_coordinates_rms(&samples, d)),
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

/// mean φ(x) − Λ_f(φ(y)).
fn divergence_estimate(critic: &Mlp, trainer: &Trainer, x: Tensor<2>, y: Tensor<2>) -> f64 {
    let divergence: Divergence = trainer.config.divergence;
    let shift = trainer.shift().map(|nu| nu.inner());
    let phi_x = critic.forward(x).output.mean();
    let phi_y = critic.forward(y).output;
    scalar(phi_x.sub(divergence.data_term(phi_y, shift.as_ref())))
}

/// Σ_k Δt·mean_b |−∂_tU(x_k, t_k) + |∇ₓU(x_k, t_k)|²/(2λ)|.
fn hj_residual(potential: &Potential, trajectory: &Trajectory, scheme: &EulerScheme) -> f64 {
    let dt = scheme.dt();
    (0..scheme.steps)
        .map(|k| {
            let g = potential.gradient(trajectory.positions[k].clone(), k as f64 * dt);
            let residual = g.time.neg().add(g.space.square().sum_dim(1).div_scalar(2.0 * scheme.lambda));
            dt * scalar(residual.abs().mean())
        })
        .sum()
}

/// mean_b |x_K − x_0| / Σ_k |x_{k+1} − x_k|.
fn straightness(trajectory: &Trajectory) -> f64 {
    let norm = |t: Tensor<2>| t.square().sum_dim(1).sqrt();
    let positions = &trajectory.positions;
    let mut path = norm(positions[0].clone()).zeros_like();
    for pair in positions.windows(2) {
        path = path.add(norm(pair[1].clone().sub(pair[0].clone())));
    }
    let chord = norm(trajectory.end().sub(positions[0].clone()));
    scalar(chord.div(path.clamp_min(1e-12)).mean())
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
