//! The page's snapshot: shapes, and agreement with the trainer's own rollout.

use burn::tensor::Device;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::diagnostics::{EvaluationBatch, first_two};
use w1w2_flow::nn::tensor_io::{matrix, to_f32};
use w1w2_flow::run::Run;
use w1w2_flow::snapshot::GROUPS;
use w1w2_flow::snapshot::{GRID_IMAGES, PATH_IMAGES, SnapshotRequest, View, snapshot};
use w1w2_flow::training::Training;
use w1w2_flow::training::samples;

const REQUEST: SnapshotRequest = SnapshotRequest {
    view: View {
        x_min: -6.0,
        x_max: 6.0,
        y_min: -6.0,
        y_max: 6.0,
    },
    critic_grid: 8,
    velocity_grid: 5,
    time: 0.5,
    highlighted: 3,
};

#[test]
fn snapshot_holds_the_rollout_the_fields_and_the_predicted_lines() {
    for preset in [
        TrainConfig::paper(Toy2d::Moons, 4),
        TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Moons, 4),
    ] {
        snapshot_agrees_with_the_rollout(TrainConfig {
            data_pool: 2_000,
            ..preset
        });
    }
}

/// The snapshot's trajectories, lines and fields, in the data's coordinates whatever the run's
/// frame, against the run's own end points and terminal cost.
fn snapshot_agrees_with_the_rollout(config: TrainConfig) {
    let batch = EvaluationBatch::for_config(&config, 50).unwrap();
    let mut run = Run::new(config, &Device::flex()).unwrap();
    let losses = run.step();
    let s = snapshot(&run, &batch, Some(losses), &REQUEST).unwrap();
    let steps = run.config().steps;
    assert_eq!(s.iteration, 1);
    assert!(s.losses.is_some());
    assert_eq!(s.trajectories.len(), (steps + 1) * 50 * 2);
    assert_eq!(s.critic.len(), 64);
    assert_eq!(s.velocity.len(), 25 * 2);
    assert_eq!(s.predicted_lines.len(), 3 * 4);
    assert_eq!(s.extra_rms_by_time.len(), steps + 1);
    assert!(
        s.cells.is_empty() && s.barycentres.is_empty(),
        "no OT picture with a critic"
    );
    // x_0 is the batch's sources, x_K the trainer's own end points, and each predicted line ends
    // at its particle's x_K, all mapped back to the data's coordinates.
    let frame = batch.frame;
    let plane_sources = frame.in_data(&first_two(&batch.sources, 4), 2);
    for (a, b) in s.trajectories[..100].iter().zip(&plane_sources) {
        assert!((a - b).abs() < 1e-5);
    }
    let x_end = first_two(&samples(&run, &batch), 4);
    let last = &s.trajectories[steps * 100..];
    for (a, b) in last.iter().zip(&x_end) {
        assert!((a - b).abs() < 1e-5);
    }
    for h in 0..3 {
        assert!((s.predicted_lines[4 * h + 2] - x_end[2 * h]).abs() < 1e-5);
        assert!((s.predicted_lines[4 * h + 3] - x_end[2 * h + 1]).abs() < 1e-5);
    }
    // The source N(0, I) of the model's frame has RMS ≈ s in the extra coordinates at t = 0.
    assert!(
        (s.extra_rms_by_time[0] / frame.scale - 1.0).abs() < 0.25,
        "{} with s = {}",
        s.extra_rms_by_time[0],
        frame.scale
    );
    // The first lattice point, (−5.25, −5.25) in the data's coordinates, is where G was evaluated.
    let mut corner = vec![-5.25, -5.25, 0.0, 0.0];
    frame.to_model(&mut corner, 4);
    let at_corner =
        to_f32(run.terminal_field(matrix(corner, 1, 4, &run.eval_device(), run.dtype())));
    assert!((s.critic[0] - at_corner[0]).abs() < 1e-4 * (1.0 + at_corner[0].abs()));
}

#[test]
fn ot_snapshots_colour_the_plane_by_group_and_point_samples_at_their_barycentres() {
    for config in [
        TrainConfig::ot_generator(Toy2d::EightGaussians, 2),
        TrainConfig::ot_flow(Toy2d::EightGaussians, 2),
    ] {
        let config = TrainConfig {
            data_pool: 2_000,
            ot_points: 400,
            ..config
        };
        let batch = EvaluationBatch::for_config(&config, 50).unwrap();
        let mut run = Run::new(config, &Device::flex()).unwrap();
        let losses = run.step();
        let s = snapshot(&run, &batch, Some(losses), &REQUEST).unwrap();
        assert_eq!(s.cells.len(), 64 * GROUPS);
        for (point, shares) in s.cells.chunks(GROUPS).enumerate() {
            let total: f32 = shares.iter().sum();
            assert!(
                (total - 1.0).abs() < 1e-4,
                "lattice point {point}: group shares sum to {total}"
            );
        }
        // Each arrow starts at a shown sample and ends at a barycentre of data points, which lies
        // inside the data's bounding box (8 gaussians: within radius ≈ 4 + 3·0.5).
        assert_eq!(s.barycentres.len(), 3 * 4);
        let x_end = first_two(&samples(&run, &batch), 2);
        for h in 0..3 {
            assert!((s.barycentres[4 * h] - x_end[2 * h]).abs() < 1e-5);
            let target =
                (s.barycentres[4 * h + 2].powi(2) + s.barycentres[4 * h + 3].powi(2)).sqrt();
            assert!(target < 6.0, "barycentre at radius {target}");
        }
    }
}

#[test]
fn image_snapshots_hold_the_sample_grid_the_paths_and_the_fine_step_end_points() {
    // Small networks keep this quick; the shapes and the rollouts are those of the MNIST preset.
    let config = TrainConfig {
        potential_widths: vec![16],
        critic_widths: vec![16],
        batch_size: 8,
        critic_steps: 1,
        data_pool: 100,
        ..TrainConfig::mnist()
    };
    let (pixels, steps) = (config.dim, config.steps);
    let batch = EvaluationBatch::for_config(&config, 70).unwrap();
    let mut run = Run::new(config, &Device::flex()).unwrap();
    let losses = run.step();
    let s = snapshot(&run, &batch, Some(losses), &REQUEST).unwrap();
    let images = &s.images;
    assert_eq!(images.samples.len(), GRID_IMAGES * pixels);
    assert_eq!(images.paths.len(), (steps + 1) * PATH_IMAGES * pixels);
    assert_eq!(images.fine.len(), PATH_IMAGES * pixels);
    assert!(
        s.trajectories.is_empty() && s.critic.is_empty() && s.velocity.is_empty(),
        "no plane for images"
    );
    assert!(s.diagnostics.sinkhorn.is_none() && s.diagnostics.extra_rms.is_none());
    // The paths start at the batch's sources and end at the grid's first samples, which are the
    // trainer's own end points.
    let path_images = PATH_IMAGES * pixels;
    assert_eq!(&images.paths[..path_images], &batch.sources[..path_images]);
    assert_eq!(
        &images.paths[steps * path_images..],
        &images.samples[..path_images]
    );
    let x_end = samples(&run, &batch);
    for (a, b) in images.samples.iter().zip(&x_end) {
        assert!((a - b).abs() < 1e-5);
    }
    // Δt/8 is a different discretisation of the same flow: close to, but not equal to, x_K.
    let shift: f32 = images
        .fine
        .iter()
        .zip(&images.samples)
        .map(|(a, b)| (a - b).abs())
        .sum();
    assert!(shift > 0.0 && images.fine.iter().all(|v| v.is_finite()));
}

#[test]
fn a_malformed_view_is_named() {
    REQUEST.validate().unwrap();
    let flipped = SnapshotRequest {
        view: View {
            x_min: 1.0,
            x_max: -1.0,
            ..REQUEST.view
        },
        ..REQUEST
    };
    assert!(flipped.validate().unwrap_err().starts_with("window:"));
    let not_finite = SnapshotRequest {
        view: View {
            y_max: f32::NAN,
            ..REQUEST.view
        },
        ..REQUEST
    };
    assert!(not_finite.validate().unwrap_err().starts_with("window:"));
    let huge = SnapshotRequest {
        critic_grid: 10_000,
        ..REQUEST
    };
    assert_eq!(
        huge.validate().unwrap_err(),
        "critic_grid: must be between 2 and 256, got 10000"
    );
    let tiny = SnapshotRequest {
        velocity_grid: 1,
        ..REQUEST
    };
    assert!(tiny.validate().unwrap_err().starts_with("velocity_grid:"));
    let none_highlighted = SnapshotRequest {
        highlighted: 0,
        ..REQUEST
    };
    assert_eq!(
        none_highlighted.validate().unwrap_err(),
        "highlighted: must be at least 1, got 0"
    );
}
