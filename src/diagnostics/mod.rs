//! Optimality indicators of a trained flow (or generator) on a fixed evaluation batch (docs/method.md
//! §8): how far (U, φ) are from solving the mean-field-game system of paper A.
//!
//! Everything is computed on the device and queued on a [`Readback`], so that the indicators
//! (and whatever else a snapshot needs) cost one transfer; the sample metrics are then computed on
//! the host.

use burn::tensor::Tensor;
use serde::Serialize;

mod alignment;
mod ot;

pub use alignment::pull_alignment;
pub use ot::OtIndicators;

use crate::config::{ConfigError, Mode, TrainConfig};
use crate::data::frame::Frame;
use crate::digits::{self, DigitScore};
use crate::flow::{EulerScheme, FlowParts, Potential, Trajectory, kinetic_energy, rollout};
use crate::losses::Diverged;
use crate::metrics;
use crate::models::data_error;
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::matrix;
use crate::rng::Rng;
use crate::sdot::SemiDiscreteOt;
use crate::terminal::Terminal;

/// A fixed batch to evaluate on: sources (x₀ ~ ρ₀ for a flow, latents z ~ ζ for a generator),
/// `[len, source_dim]`, and held-out data, `[len, dim]`, row-major, both in the run's frame.
#[derive(Clone, Debug)]
pub struct EvaluationBatch {
    pub sources: Vec<f32>,
    pub source_dim: usize,
    pub data: Vec<f32>,
    pub len: usize,
    pub dim: usize,
    /// Whether the data are images (compared in pixel space, not in their first two coordinates).
    pub images: bool,
    /// The run's frame: samples and data are mapped back through it to be scored and shown.
    pub frame: Frame,
}

impl EvaluationBatch {
    /// `len` fresh sources and `len` fresh data points, both from their own stream of the run's
    /// seed (for the shapes, not from the training pool; MNIST digits are drawn from the same
    /// training split as the pool, and scored against the held-out reference split, src/digits/).
    pub fn for_config(config: &TrainConfig, len: usize) -> Result<Self, ConfigError> {
        let mut rng = Rng::new(config.seed ^ 0xE7A1_0000_0000_0001);
        let source_dim = config.source_dim();
        let sources = match config.mode {
            Mode::Flow => config.source_sample(len, &mut rng),
            Mode::Generator => config.latent.sample(len, source_dim, &mut rng),
        };
        let data = config.data_pool(len, &mut rng).map_err(data_error)?.points;
        Ok(Self {
            sources,
            source_dim,
            data,
            len,
            dim: config.dim,
            images: config.dataset.image_side().is_some(),
            frame: config.frame(),
        })
    }

    /// The batch's first `len` sources and data points (all of them if it has fewer).
    pub fn first(&self, len: usize) -> Self {
        let len = len.min(self.len);
        Self {
            sources: self.sources[..len * self.source_dim].to_vec(),
            data: self.data[..len * self.dim].to_vec(),
            len,
            ..self.clone()
        }
    }

    /// The held-out data in the data's own coordinates, `[len, dim]`.
    pub fn data_in_data_frame(&self) -> Vec<f32> {
        self.frame.in_data(&self.data, self.dim)
    }

    /// The sources as a tensor on `device`.
    pub fn sources_on(
        &self,
        device: &burn::tensor::Device,
        dtype: burn::tensor::DType,
    ) -> Tensor<2> {
        matrix(
            self.sources.clone(),
            self.len,
            self.source_dim,
            device,
            dtype,
        )
    }
}

/// Every indicator at one iteration. Field names are the CLI's JSON keys. The sample metrics
/// (`extra_rms`, `sinkhorn`, `w2`) are in the data's own units; the flow's indicators and the
/// divergence estimate belong to the problem trained, in the run's frame (docs/method.md §13).
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostics {
    /// The flow's optimality indicators (absent for a generator, which has no paths).
    #[serde(flatten)]
    pub flow: Option<FlowIndicators>,
    /// Paper B's dual solver at the samples (with an OT terminal cost and for the OT generator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ot: Option<OtIndicators>,
    /// The terminal player's estimate of the distance to the data: mean φ(x_K) − Λ_f(φ(y)),
    /// the critic's D_f^L(ρ_T‖π); or, with paper B's OT cost, H_λ(ψ) ≈ W_c^λ(ρ_T, ν).
    pub divergence: f64,
    /// For d > 2: the largest RMS over the extra coordinates 3..d of the samples (0 on the manifold).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_rms: Option<f64>,
    /// Debiased Sinkhorn divergence (geomloss settings) between the samples and held-out data,
    /// first two coordinates: the papers' Table 1 number (not for images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sinkhorn: Option<f64>,
    /// Exact W2 between the samples and held-out data: first two coordinates, or for images
    /// over every pixel.
    pub w2: f64,
    /// Images only: how digit-like the samples are (src/digits/).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub digits: Option<DigitScore>,
}

/// How far (U, G) are from solving the mean-field-game system of paper A.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FlowIndicators {
    /// KE = Σ_k Δt·½·mean|v_k|² at the step points.
    pub kinetic_energy: f64,
    /// Σ_k Δt·mean_b |−∂_tU + |∇ₓU|²/(2λ)| at (x_k, t_k): the HJ equation's residual, theory's sign.
    pub hj_residual: f64,
    /// RMS_b |∇G(x_K) − ∇ₓU(x_K, T)|: the terminal condition U(·, T) = G (G = φ or ψ^{c,λ}).
    pub terminal_residual: f64,
    /// The divergence estimate with the flow run at Δt/2.
    pub divergence_half_step: f64,
    /// mean_b |x_K − x_0| / Σ_k |x_{k+1} − x_k|: 1 for straight paths.
    pub straightness: f64,
    /// mean_b |v_k| for each step k.
    pub mean_speed: Vec<f64>,
    /// max over b and k of |v_k|.
    pub max_speed: f64,
    /// L/λ: with an L-Lipschitz critic the speed of optimal trajectories is at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_bound: Option<f64>,
    /// For d > 2: RMS_b |∇_{1,2} G(x_K)|, the terminal cost's slope along the data's plane, which
    /// alone moves the samples within it (docs/method.md §15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_slope_in_plane: Option<f64>,
    /// For d > 2: RMS_b |∇_{3..d} G(x_K)|, its slope across the plane.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_slope_across_plane: Option<f64>,
    /// For d > 2: how far the pull along the plane, −∇_{1,2}G(x_K), points each sample at its
    /// partner in the exact W2 assignment to the held-out data: [`pull_alignment`], 1 straight at
    /// it, 0 unrelated (docs/method.md §15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_pull_alignment: Option<f64>,
    /// For d > 2: RMS_b |x_K − x_0| over the first two coordinates, in the data's units: how far
    /// the flow moves the samples within the data's plane (the shape needs about W2 at rest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_plane_displacement: Option<f64>,
}

/// Slots of the flow's indicators in a readback.
struct PendingFlow {
    kinetic_energy: Slot,
    hj_residual: Slot,
    terminal_mean_square: Slot,
    divergence_half_step: Slot,
    straightness: Slot,
    speeds: Slot,
    steps: usize,
    speed_bound: Option<f64>,
    /// The indicators along and across the data's plane (d > 2).
    plane: Option<PlaneSlots>,
}

/// Slots of the indicators along and across the data's plane.
#[derive(Clone, Copy)]
struct PlaneSlots {
    /// The terminal cost's slope along the plane, ∇_{1,2}G(x_K), `[n, 2]`.
    slope_along: Slot,
    /// mean_b |∇_{3..d}G(x_K)|², `[1]`.
    slope_across_mean_square: Slot,
    /// mean_b |x_K − x_0|² over the first two coordinates, in the run's frame, `[1]`.
    displacement_mean_square: Slot,
}

/// Where each indicator will be in a readback, and what finishing them needs.
pub struct PendingDiagnostics {
    flow: Option<PendingFlow>,
    ot: Option<ot::PendingOt>,
    divergence: Slot,
    end_points: Slot,
    iteration: usize,
}

/// The indicators of the flow `flow` (trained under `config`, at `iteration`) on `batch`, queued
/// onto `readback`, with the batch's trajectory (still on the device): what a flow's
/// `Training::measure` returns.
pub fn measure_flow(
    flow: &FlowParts,
    config: &TrainConfig,
    iteration: usize,
    batch: &EvaluationBatch,
    readback: &mut Readback,
) -> (PendingDiagnostics, Trajectory) {
    let (potential, terminal, scheme) = (&flow.sampling, flow.terminal, flow.scheme);
    let reference = &potential.net.parameters()[0];
    let (device, dtype) = (reference.device(), reference.dtype());
    let x0 = batch.sources_on(&device, dtype);
    let y = matrix(batch.data.clone(), batch.len, batch.dim, &device, dtype);
    let trajectory = rollout(potential, x0.clone(), &scheme);
    let x_end = trajectory.end();
    let x_end_half = rollout(potential, x0.clone(), &scheme.refined(2)).end();

    let terminal_slope = terminal.gradient(x_end.clone());
    let plane =
        (batch.dim > 2 && !batch.images).then(|| {
            let mean_square = |part: Tensor<2>| part.square().sum_dim(1).mean();
            let along = |x: &Tensor<2>| x.clone().narrow(1, 0, 2);
            PlaneSlots {
                slope_along: readback.push(along(&terminal_slope)),
                slope_across_mean_square: readback.push(mean_square(
                    terminal_slope.clone().narrow(1, 2, batch.dim - 2),
                )),
                displacement_mean_square: readback.push(mean_square(along(&x_end).sub(along(&x0)))),
            }
        });
    let terminal_gap = terminal_slope.sub(potential.gradient(x_end.clone(), scheme.t_final).space);
    let speeds: Vec<Tensor<2>> = trajectory
        .velocities
        .iter()
        .map(|v| v.clone().square().sum_dim(1).sqrt())
        .collect();

    let indicators = PendingFlow {
        kinetic_energy: readback.push(kinetic_energy(&trajectory, &scheme)),
        hj_residual: readback.push(hj_residual(potential, &trajectory, &scheme)),
        terminal_mean_square: readback.push(terminal_gap.square().sum_dim(1).mean()),
        divergence_half_step: readback.push(terminal.divergence(
            config.divergence,
            x_end_half,
            y.clone(),
        )),
        straightness: readback.push(straightness(&trajectory)),
        speeds: readback.push(Tensor::cat(speeds, 1)), // [n, K]
        steps: scheme.steps,
        speed_bound: terminal.speed_bound(config.lipschitz, config.lambda),
        plane,
    };
    let ot = match terminal {
        Terminal::Ot(solver) => Some(ot::PendingOt::queue(solver, x_end.clone(), readback)),
        Terminal::Critic(_) => None,
    };
    let pending = PendingDiagnostics {
        flow: Some(indicators),
        ot,
        divergence: readback.push(terminal.divergence(config.divergence, x_end.clone(), y)),
        end_points: readback.push(x_end),
        iteration,
    };
    (pending, trajectory)
}

/// The indicators of a generator's `samples` (`[n, d]`, of the batch's latents) towards paper B's
/// problem `ot`, at `iteration`, queued onto `readback`, with the samples as a trajectory of one
/// point: what the generator's `Training::measure` returns.
pub fn measure_generator(
    samples: Tensor<2>,
    ot: &SemiDiscreteOt,
    iteration: usize,
    readback: &mut Readback,
) -> (PendingDiagnostics, Trajectory) {
    let pending = PendingDiagnostics {
        flow: None,
        ot: Some(ot::PendingOt::queue(ot, samples.clone(), readback)),
        divergence: readback.push(ot.dual_value(samples.clone())),
        end_points: readback.push(samples.clone()),
        iteration,
    };
    (
        pending,
        Trajectory {
            positions: vec![samples],
            velocities: Vec::new(),
        },
    )
}

impl PendingDiagnostics {
    /// The indicators from the values read back, with the sample metrics computed on the host;
    /// fails when the samples or an indicator are not finite.
    pub fn finish(
        &self,
        values: &ReadValues,
        batch: &EvaluationBatch,
    ) -> Result<Diagnostics, Diverged> {
        let diverged = |quantity| Diverged {
            iteration: self.iteration,
            quantity,
        };
        let samples = values.get(self.end_points);
        if samples.iter().any(|v| !v.is_finite()) {
            return Err(diverged("samples (the flow's end points x_K)"));
        }
        let (
            SampleMetrics {
                sinkhorn,
                w2,
                extra_rms,
                digits,
            },
            plane_partners,
        ) = measure_samples(&batch.frame.in_data(samples, batch.dim), batch);
        let flow = self.flow.as_ref().map(|flow| {
            let end_points = Assigned {
                samples,
                partners: plane_partners.as_deref(),
            };
            flow.finish(values, batch, end_points)
        });
        let diagnostics = Diagnostics {
            ot: self.ot.as_ref().map(|ot| ot.finish(values)),
            divergence: values.scalar(self.divergence),
            extra_rms,
            sinkhorn,
            w2,
            digits,
            flow,
        };
        let mut indicators = vec![("divergence estimate", diagnostics.divergence)];
        if let Some(flow) = &diagnostics.flow {
            indicators.extend([
                ("kinetic energy", flow.kinetic_energy),
                ("HJ residual", flow.hj_residual),
                ("terminal residual", flow.terminal_residual),
            ]);
        }
        match indicators.iter().find(|(_, value)| !value.is_finite()) {
            Some((quantity, _)) => Err(diverged(quantity)),
            None => Ok(diagnostics),
        }
    }
}

/// The flow's end points x_K (`[n, d]` in the run's frame) and, for a shape, the partner σ(b) of
/// each in the exact W2 assignment of their first two coordinates to the held-out data's.
struct Assigned<'a> {
    samples: &'a [f32],
    partners: Option<&'a [usize]>,
}

impl PendingFlow {
    fn finish(
        &self,
        values: &ReadValues,
        batch: &EvaluationBatch,
        end: Assigned,
    ) -> FlowIndicators {
        let len = batch.len;
        let speeds = values.get(self.speeds); // [n, K]
        let mean_speed = (0..self.steps)
            .map(|k| {
                speeds
                    .iter()
                    .skip(k)
                    .step_by(self.steps)
                    .map(|&s| s as f64)
                    .sum::<f64>()
                    / len as f64
            })
            .collect();
        FlowIndicators {
            kinetic_energy: values.scalar(self.kinetic_energy),
            hj_residual: values.scalar(self.hj_residual),
            terminal_residual: values.scalar(self.terminal_mean_square).sqrt(),
            divergence_half_step: values.scalar(self.divergence_half_step),
            straightness: values.scalar(self.straightness),
            mean_speed,
            max_speed: speeds.iter().fold(0.0_f64, |m, &s| m.max(s as f64)),
            speed_bound: self.speed_bound,
            terminal_slope_in_plane: self.plane.map(|plane| {
                let along = values.get(plane.slope_along);
                (along.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / len as f64).sqrt()
            }),
            terminal_slope_across_plane: self
                .plane
                .map(|plane| values.scalar(plane.slope_across_mean_square).sqrt()),
            terminal_pull_alignment: self.plane.zip(end.partners).and_then(|(plane, partners)| {
                let (samples, data) = (
                    first_two(end.samples, batch.dim),
                    first_two(&batch.data, batch.dim),
                );
                pull_alignment(values.get(plane.slope_along), &samples, &data, partners)
            }),
            in_plane_displacement: self.plane.map(|plane| {
                values.scalar(plane.displacement_mean_square).sqrt() * batch.frame.scale as f64
            }),
        }
    }
}

/// Σ_k Δt·mean_b |−∂_tU(x_k, t_k) + |∇ₓU(x_k, t_k)|²/(2λ)|, `[1]`.
fn hj_residual(potential: &Potential, trajectory: &Trajectory, scheme: &EulerScheme) -> Tensor<1> {
    let dt = scheme.dt();
    let per_step: Vec<Tensor<1>> = (0..scheme.steps)
        .map(|k| {
            let g = potential.gradient(trajectory.positions[k].clone(), k as f64 * dt);
            let residual = g
                .time
                .neg()
                .add(g.space.square().sum_dim(1).div_scalar(2.0 * scheme.lambda));
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

/// How close samples are to the held-out data, from the samples alone: the metrics of
/// [`Diagnostics`] that need no network.
#[derive(Clone, Debug, Serialize)]
pub struct SampleMetrics {
    /// As [`Diagnostics::sinkhorn`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sinkhorn: Option<f64>,
    /// As [`Diagnostics::w2`].
    pub w2: f64,
    /// As [`Diagnostics::extra_rms`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_rms: Option<f64>,
    /// As [`Diagnostics::digits`].
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub digits: Option<DigitScore>,
}

/// The sample metrics of `samples`, `[batch.len, batch.dim]` row-major in the data's own
/// coordinates, against the batch's held-out data (images: with the digit score of the shipped
/// classifier, src/digits/).
pub fn sample_metrics(samples: &[f32], batch: &EvaluationBatch) -> SampleMetrics {
    measure_samples(samples, batch).0
}

/// [`sample_metrics`], with (for a shape) the exact W2's assignment σ of the samples' first two
/// coordinates to the held-out data's (`σ[b]` the partner of sample b).
fn measure_samples(
    samples: &[f32],
    batch: &EvaluationBatch,
) -> (SampleMetrics, Option<Vec<usize>>) {
    let d = batch.dim;
    let data = batch.data_in_data_frame();
    if batch.images {
        let metrics = SampleMetrics {
            sinkhorn: None,
            w2: metrics::exact_w2(samples, &data, d),
            extra_rms: None,
            digits: digits::shipped().ok().map(|c| c.score(samples)),
        };
        return (metrics, None);
    }
    let (generated_plane, data_plane) = (first_two(samples, d), first_two(&data, d));
    let partners = metrics::optimal_assignment(&generated_plane, &data_plane, 2);
    let metrics = SampleMetrics {
        sinkhorn: Some(metrics::sinkhorn_divergence(
            &generated_plane,
            &data_plane,
            2,
        )),
        w2: metrics::assigned_w2(&generated_plane, &data_plane, 2, &partners),
        extra_rms: (d > 2).then(|| extra_coordinates_rms(samples, d)),
        digits: None,
    };
    (metrics, Some(partners))
}

/// The largest over coordinates j = 3..d of sqrt(mean_b x_j²).
fn extra_coordinates_rms(samples: &[f32], dim: usize) -> f64 {
    let rows = samples.len() / dim;
    (2..dim)
        .map(|j| {
            (samples
                .chunks(dim)
                .map(|row| (row[j] as f64).powi(2))
                .sum::<f64>()
                / rows as f64)
                .sqrt()
        })
        .fold(0.0, f64::max)
}

/// The first two coordinates of `[n, dim]` rows, as `[n, 2]`.
pub fn first_two(points: &[f32], dim: usize) -> Vec<f32> {
    points
        .chunks(dim)
        .flat_map(|row| [row[0], row[1]])
        .collect()
}
