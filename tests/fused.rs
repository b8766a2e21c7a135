//! The fused GPU iteration (src/fused/) against the burn path, natively: on a machine without a
//! GPU the wgpu device is Mesa's lavapipe, which `cargo xtask test` installs. The same cases run
//! in Chromium's WebGPU in tests/web.rs.

#[path = "support/fused_comparison.rs"]
mod fused_comparison;

use burn::tensor::Device;
use fused_comparison::{
    ITERATIONS, Record, assert_records_match, cases, critic_constant, parameter_tensors,
};
use w1w2_flow::config::TrainConfig;
use w1w2_flow::fused::FusedTrainer;
use w1w2_flow::nn::tensor_io::to_f64;
use w1w2_flow::run::Training;
use w1w2_flow::train::Trainer;

fn record(run: &mut dyn Training) -> Record {
    let weights = |run: &dyn Training| parameter_tensors(run).into_iter().map(to_f64).collect();
    let start = weights(run);
    let (mut losses, mut constants) = (Vec::new(), Vec::new());
    for _ in 0..ITERATIONS {
        let values = run.step_checked().expect("finite losses");
        losses.push((values.critic, values.generator));
        constants.push(to_f64(critic_constant(run))[0]);
    }
    Record {
        losses,
        constants,
        start,
        end: weights(run),
    }
}

fn compare(case: &str) {
    let (name, config): (_, TrainConfig) = cases()
        .into_iter()
        .find(|(name, _)| *name == case)
        .expect("a case");
    let reference = record(&mut Trainer::new(config.clone(), &Device::flex()).unwrap());
    let mut fused = FusedTrainer::new(config.clone(), &Device::wgpu(Default::default()))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_records_match(name, &config, &reference, &record(&mut fused));
}

#[test]
fn pinwheel_with_kl_matches_the_burn_path() {
    compare("pinwheel KL");
}

#[test]
fn embedded_without_the_w1_proximal_matches_the_burn_path() {
    compare("d = 12 without W1");
}

#[test]
fn alpha_divergence_matches_the_burn_path() {
    compare("alpha:2");
}

#[test]
fn without_the_w2_proximal_matches_the_burn_path() {
    compare("no W2");
}

#[test]
fn an_active_gradient_penalty_matches_the_burn_path() {
    compare("active penalty");
}

#[test]
fn other_widths_and_depths_match_the_burn_path() {
    compare("widths");
}
