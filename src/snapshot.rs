//! What the page draws, computed on the device and read back in one transfer with the
//! diagnostics: particle trajectories, the terminal potential G (the critic φ or ψ^{c,λ}) and the
//! velocity field on the plane, the straight lines the mean-field-game optimality system
//! predicts and, with paper B's OT cost, the plane coloured by where it is transported and the
//! arrows from samples to their soft barycentres. For images: a grid of samples, the paths of a
//! few of them, and the same sources pushed with Δt/8.

use burn::tensor::{DType, Device, Tensor};

use crate::data::clusters::kmeans_labels;
use crate::data::frame::Frame;
use crate::diagnostics::{Diagnostics, EvaluationBatch, PendingDiagnostics};
use crate::flow::rollout;
use crate::losses::{Diverged, LossValues, PendingLosses, StepLosses};
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::matrix;
use crate::sdot::SemiDiscreteOt;
use crate::training::Training;

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

/// The largest side of the lattice G is drawn on.
pub const MAX_CRITIC_GRID: usize = 256;
/// The largest side of the lattice the velocity field is drawn on.
pub const MAX_VELOCITY_GRID: usize = 64;

impl SnapshotRequest {
    /// Checks the window (finite, each side wider than zero), the lattice sides (2 to
    /// [`MAX_CRITIC_GRID`] and [`MAX_VELOCITY_GRID`]) and that at least one particle is
    /// highlighted; the error names the first value out of range.
    pub fn validate(&self) -> Result<(), String> {
        let View {
            x_min,
            x_max,
            y_min,
            y_max,
        } = self.view;
        if ![x_min, x_max, y_min, y_max].iter().all(|v| v.is_finite())
            || x_min >= x_max
            || y_min >= y_max
        {
            return Err(format!(
                "window: must be finite with x_min < x_max and y_min < y_max, got [{x_min}, {x_max}, {y_min}, {y_max}]"
            ));
        }
        for (name, side, largest) in [
            ("critic_grid", self.critic_grid, MAX_CRITIC_GRID),
            ("velocity_grid", self.velocity_grid, MAX_VELOCITY_GRID),
        ] {
            if !(2..=largest).contains(&side) {
                return Err(format!(
                    "{name}: must be between 2 and {largest}, got {side}"
                ));
            }
        }
        if self.highlighted == 0 {
            return Err("highlighted: must be at least 1, got 0".to_string());
        }
        Ok(())
    }
}

/// Everything the page draws at one iteration, row-major, first two coordinates, in the data's own
/// coordinates (mapped back from the run's frame, docs/method.md §13).
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub iteration: usize,
    pub losses: Option<LossValues>,
    pub diagnostics: Diagnostics,
    /// `[K+1, n, 2]`: x_k of the evaluation batch's particles (`[1, n, 2]`, the samples, for a
    /// generator).
    pub trajectories: Vec<f32>,
    /// `[critic_grid, critic_grid]`, rows from y_min up: G on the view (φ, or ψ^{c,λ}; empty for
    /// images).
    pub critic: Vec<f32>,
    /// `[velocity_grid, velocity_grid, 2]`: −∇ₓU(·, t)/λ on the view (empty for a generator).
    pub velocity: Vec<f32>,
    /// `[highlighted, 2, 2]`: for each highlighted particle the predicted line from
    /// x(0) = x_K + (T/λ)∇G(x_K) to x(T) = x_K (docs/method.md §1, linear trajectories; empty for
    /// a generator).
    pub predicted_lines: Vec<f32>,
    /// `[critic_grid, critic_grid, GROUPS]` with OT: the share of each lattice point sent to
    /// each group of data points (Laguerre cells at λ = 0, blended as λ grows); else empty.
    pub cells: Vec<f32>,
    /// `[highlighted, 2, 2]` with OT: arrows from samples to their soft barycentres Σ_j χ_j y_j.
    pub barycentres: Vec<f32>,
    /// `[K+1]`: RMS of the extra coordinates 3..d at each t_k (empty for d = 2 and images).
    pub extra_rms_by_time: Vec<f32>,
    /// Images only, else empty: the image views.
    pub images: ImageViews,
}

/// Sample images, all pixels, row-major.
#[derive(Clone, Debug, Default)]
pub struct ImageViews {
    /// `[m, pixels]`: x_K of the first m ≤ [`GRID_IMAGES`] evaluation sources.
    pub samples: Vec<f32>,
    /// `[K+1, p, pixels]`: x_0..x_K of the first p ≤ [`PATH_IMAGES`] sources.
    pub paths: Vec<f32>,
    /// `[p, pixels]`: x_K of the same p sources pushed with Δt/[`FINE_FACTOR`] (the Δt-robustness
    /// view: a well-posed flow ends in the same place).
    pub fine: Vec<f32>,
}

/// Samples in the image grid.
pub const GRID_IMAGES: usize = 64;
/// Samples whose paths are shown.
pub const PATH_IMAGES: usize = 8;
/// How many times finer the Δt of the robustness view is.
pub const FINE_FACTOR: usize = 8;

/// Slots of a queued snapshot.
pub struct PendingSnapshot {
    iteration: usize,
    losses: Option<PendingLosses>,
    diagnostics: PendingDiagnostics,
    trajectories: Vec<Slot>,
    critic: Option<Slot>,
    velocity: Option<Slot>,
    predicted_lines: Option<Slot>,
    extra_rms_by_time: Vec<Slot>,
    cells: Option<Slot>,
    barycentres: Option<Slot>,
    images: Option<PendingImages>,
}

struct PendingImages {
    samples: Slot,
    paths: Vec<Slot>,
    fine: Slot,
}

/// Queues a snapshot of `run` onto `readback`; `losses` are the last step's, if any.
pub fn queue_snapshot(
    run: &dyn Training,
    batch: &EvaluationBatch,
    losses: Option<StepLosses>,
    request: &SnapshotRequest,
    readback: &mut Readback,
) -> PendingSnapshot {
    let (n, d) = (batch.len, batch.dim);
    let losses = losses.map(|l| run.queue_losses(l, readback));
    let (diagnostics, trajectory) = run.measure(batch, readback);
    if let (true, Some(flow)) = (batch.images, run.flow()) {
        let sources = trajectory.positions[0]
            .clone()
            .narrow(0, 0, PATH_IMAGES.min(n));
        let fine = rollout(&flow.sampling, sources, &flow.scheme.refined(FINE_FACTOR)).end();
        let images = PendingImages {
            samples: readback.push(trajectory.end().narrow(0, 0, GRID_IMAGES.min(n))),
            paths: trajectory
                .positions
                .iter()
                .map(|x| readback.push(x.clone().narrow(0, 0, PATH_IMAGES.min(n))))
                .collect(),
            fine: readback.push(fine),
        };
        return PendingSnapshot {
            iteration: run.iteration(),
            losses,
            diagnostics,
            trajectories: Vec::new(),
            critic: None,
            velocity: None,
            predicted_lines: None,
            extra_rms_by_time: Vec::new(),
            cells: None,
            barycentres: None,
            images: Some(images),
        };
    }
    let plane = |x: &Tensor<2>| x.clone().narrow(1, 0, 2);
    let trajectories = trajectory
        .positions
        .iter()
        .map(|x| readback.push(plane(x)))
        .collect();
    let extra_rms_by_time = if d > 2 {
        trajectory
            .positions
            .iter()
            .map(|x| readback.push(x.clone().narrow(1, 2, d - 2).square().mean().sqrt()))
            .collect()
    } else {
        Vec::new()
    };
    let highlighted = request.highlighted.min(n);
    let shown = trajectory.end().narrow(0, 0, highlighted);
    let (device, dtype) = (run.eval_device(), run.dtype());
    let critic_lattice = matrix(
        lattice(&request.view, request.critic_grid, d, &batch.frame),
        request.critic_grid.pow(2),
        d,
        &device,
        dtype,
    );

    let critic = run.terminal_field(critic_lattice.clone());
    let (velocity, predicted_lines) = match run.flow() {
        Some(flow) => {
            let scheme = flow.scheme;
            let start = shown.clone().add(
                flow.terminal
                    .gradient(shown.clone())
                    .mul_scalar(scheme.t_final / scheme.lambda),
            );
            let lines = Tensor::cat(vec![plane(&start), plane(&shown)], 1); // [h, 4]
            let velocity_at = matrix(
                lattice(&request.view, request.velocity_grid, d, &batch.frame),
                request.velocity_grid.pow(2),
                d,
                &device,
                dtype,
            );
            let velocity = flow.sampling.velocity(
                velocity_at,
                request.time.clamp(0.0, scheme.t_final),
                scheme.lambda,
            );
            (Some(plane(&velocity)), Some(lines))
        }
        None => (None, None),
    };
    let (cells, barycentres) = match run.ot() {
        Some(ot) => {
            let (cells, arrows) = transport_picture(ot, critic_lattice, shown);
            (Some(readback.push(cells)), Some(readback.push(arrows)))
        }
        None => (None, None),
    };
    PendingSnapshot {
        iteration: run.iteration(),
        losses,
        diagnostics,
        trajectories,
        critic: Some(readback.push(critic)),
        velocity: velocity.map(|v| readback.push(v)),
        predicted_lines: predicted_lines.map(|l| readback.push(l)),
        extra_rms_by_time,
        cells,
        barycentres,
        images: None,
    }
}

/// How many groups of data points the transport picture colours the plane with.
pub const GROUPS: usize = 8;

/// The data points of `ot` in [`GROUPS`] groups (k-means, deterministic), one-hot, `[J, GROUPS]`:
/// which group each point of the plane is transported to is drawn in that group's colour.
fn data_groups(ot: &SemiDiscreteOt, device: &Device, dtype: DType) -> Tensor<2> {
    let dim = ot.data().dims()[1];
    let labels = kmeans_labels(ot.points(), dim, GROUPS, 15);
    let one_hot = labels
        .iter()
        .flat_map(|&label| (0..GROUPS).map(move |g| if g == label { 1.0 } else { 0.0 }))
        .collect();
    matrix(one_hot, ot.len(), GROUPS, device, dtype)
}

/// The group shares of the lattice points, `[G², GROUPS]`, and the arrows from the shown
/// samples to their soft barycentres, `[h, 4]`.
fn transport_picture(
    ot: &SemiDiscreteOt,
    lattice: Tensor<2>,
    shown: Tensor<2>,
) -> (Tensor<2>, Tensor<2>) {
    let groups = data_groups(ot, &lattice.device(), lattice.dtype());
    let cells = ot.assignments(lattice).matmul(groups); // Σ_{j in group g} χ_j(x)
    let targets = ot.barycentres(shown.clone());
    let arrows = Tensor::cat(vec![shown.narrow(1, 0, 2), targets.narrow(1, 0, 2)], 1);
    (cells, arrows)
}

impl PendingSnapshot {
    /// The snapshot from the values read back, or the first quantity that was not finite.
    pub fn finish(
        &self,
        values: &ReadValues,
        batch: &EvaluationBatch,
    ) -> Result<Snapshot, Diverged> {
        let losses = self
            .losses
            .as_ref()
            .map(|l| l.check(values, self.iteration))
            .transpose()?;
        let diagnostics = self.diagnostics.finish(values, batch)?;
        let frame = &batch.frame;
        let read =
            |slot: Option<Slot>| slot.map_or_else(Vec::new, |slot| values.get(slot).to_vec());
        // Rows of plane points, and vectors, mapped back to the data's coordinates.
        let plane_points = |slot: Option<Slot>| frame.in_data(&read(slot), 2);
        let scaled = |values: Vec<f32>| values.into_iter().map(|v| v * frame.scale).collect();
        let trajectories: Vec<f32> = self
            .trajectories
            .iter()
            .flat_map(|&s| values.get(s).iter().copied())
            .collect();
        Ok(Snapshot {
            iteration: self.iteration,
            losses,
            diagnostics,
            trajectories: frame.in_data(&trajectories, 2),
            critic: read(self.critic),
            velocity: scaled(read(self.velocity)),
            predicted_lines: plane_points(self.predicted_lines),
            extra_rms_by_time: scaled(
                self.extra_rms_by_time
                    .iter()
                    .map(|&s| values.get(s)[0])
                    .collect(),
            ),
            cells: read(self.cells),
            barycentres: plane_points(self.barycentres),
            images: self
                .images
                .as_ref()
                .map_or_else(ImageViews::default, |images| ImageViews {
                    samples: values.get(images.samples).to_vec(),
                    paths: images
                        .paths
                        .iter()
                        .flat_map(|&s| values.get(s).iter().copied())
                        .collect(),
                    fine: values.get(images.fine).to_vec(),
                }),
        })
    }
}

/// The points of a `grid × grid` lattice over `view` (rows from y_min up), embedded in R^d, in the
/// run's frame.
fn lattice(view: &View, grid: usize, dim: usize, frame: &Frame) -> Vec<f32> {
    let step = |lo: f32, hi: f32, i: usize| lo + (hi - lo) * (i as f32 + 0.5) / grid as f32;
    let mut points = vec![0.0; grid * grid * dim];
    for row in 0..grid {
        for col in 0..grid {
            let at = (row * grid + col) * dim;
            points[at] = step(view.x_min, view.x_max, col);
            points[at + 1] = step(view.y_min, view.y_max, row);
        }
    }
    frame.to_model(&mut points, dim);
    points
}

/// A snapshot of `run`, read back synchronously (native and the CPU backend in the browser).
pub fn snapshot(
    run: &dyn Training,
    batch: &EvaluationBatch,
    losses: Option<StepLosses>,
    request: &SnapshotRequest,
) -> Result<Snapshot, Diverged> {
    let mut readback = Readback::default();
    let pending = queue_snapshot(run, batch, losses, request, &mut readback);
    pending.finish(&readback.read(), batch)
}
