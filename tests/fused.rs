//! The fused GPU iteration (src/fused/) against the burn path, natively: on a machine without a
//! GPU the wgpu device is Mesa's lavapipe, which `cargo xtask test` installs. The same cases run
//! in Chromium's WebGPU in tests/web.rs.

#[path = "support/fused_comparison.rs"]
mod fused_comparison;

use burn::tensor::{DType, Device, Tensor};
use fused_comparison::{
    ITERATIONS, Record, assert_records_match, cases, critic_constant, parameter_tensors,
};
use w1w2_flow::config::TrainConfig;
use w1w2_flow::flow::rollout;
use w1w2_flow::fused::{FusedTrainer, LAVAPIPE_LOOP_LIMIT, loop_iterations, refused};
use w1w2_flow::nn::tensor_io::{matrix, to_f64};
use w1w2_flow::terminal::Terminal;
use w1w2_flow::train::{Trainer, critic_loss, generator_loss};
use w1w2_flow::training::Training;

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
fn the_w1_divergence_matches_the_burn_path() {
    compare("W1");
}

#[test]
fn reverse_kl_matches_the_burn_path() {
    compare("reverse KL");
}

#[test]
fn jensen_shannon_matches_the_burn_path() {
    compare("Jensen-Shannon");
}

/// The comparison's control: the fused run given λ perturbed by 1e-3 (a constant of the kernels'
/// configuration block) must fail it, so that a kernel off by that much cannot pass.
#[test]
fn a_kernel_constant_off_by_one_thousandth_fails_the_comparison() {
    let (name, config) = cases().remove(0);
    let reference = record(&mut Trainer::new(config.clone(), &Device::flex()).unwrap());
    let mut fused = FusedTrainer::new(config.clone(), &Device::wgpu(Default::default())).unwrap();
    fused.set_config(TrainConfig {
        lambda: config.lambda * (1.0 + 1e-3),
        ..config.clone()
    });
    let perturbed = record(&mut fused);
    let caught = std::panic::catch_unwind(|| {
        assert_records_match(name, &config, &reference, &perturbed);
    });
    assert!(
        caught.is_err(),
        "{name}: λ off by 1e-3 passed the comparison"
    );
}

/// lavapipe ends an invocation after 65,535 loop iterations: a potential just too wide by the
/// kernels' count is refused there, and one just narrow enough runs and matches the burn path.
#[test]
fn networks_at_lavapipes_loop_limit_are_refused_just_past_it_and_match_just_under_it() {
    let device = Device::wgpu(Default::default());
    let (_, base) = cases().remove(0);
    let of_width = |width| TrainConfig {
        potential_widths: vec![width; 5],
        batch_size: 32,
        ..base.clone()
    };
    let widest = (48..1024)
        .take_while(|&w| loop_iterations(&of_width(w)) <= LAVAPIPE_LOOP_LIMIT)
        .last()
        .expect("the paper's width fits");
    let past = of_width(widest + 1);
    if !refused(&past, &device).is_some_and(|reason| reason.contains("lavapipe stops")) {
        // A GPU that is not lavapipe has no such limit.
        eprintln!("the wgpu adapter is not lavapipe: nothing to refuse");
        return;
    }
    let under = of_width(widest);
    eprintln!(
        "U of width {widest}: {} loop iterations; {}: {}",
        loop_iterations(&under),
        widest + 1,
        loop_iterations(&past)
    );
    assert_eq!(refused(&under, &device), None);
    let reference = record(&mut Trainer::new(under.clone(), &Device::flex()).unwrap());
    let mut fused = FusedTrainer::new(under.clone(), &device).unwrap();
    assert_records_match(
        "at lavapipe's limit",
        &under,
        &reference,
        &record(&mut fused),
    );
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

/// The flow sampled from the average of U's weights (the R^d preset's): θ̄ follows θ as on burn's
/// path.
#[test]
fn an_averaged_potential_matches_the_burn_path() {
    compare("averaged U");
}

/// U with its quadratic term ½·q(t)·|x|², q = (λ/Δt)·tanh(n(t)), averaged and slowed late as the
/// R^d preset runs it: n's weights are packed after N's and trained by the same reduction and
/// Adam, at U's rate of each iteration.
#[test]
fn a_quadratic_term_slowed_late_matches_the_burn_path() {
    compare("quadratic U, averaged, U slowed late");
}

/// Each tensor's gradients end to end, zeros where the loss does not reach the tensor.
fn gradient_of(parameters: Vec<Tensor<2>>, gradients: &burn::tensor::Gradients) -> Vec<f64> {
    parameters
        .into_iter()
        .flat_map(|p| match p.grad(gradients) {
            Some(g) => to_f64(g),
            None => vec![0.0; p.shape().num_elements()],
        })
        .collect()
}

/// The hand-derived gradients the fused kernels hand to Adam (`FusedTrainer::gradients`)
/// against burn's autodiff in f64 of the same losses on the same draws: ∂L_D/∂ω (with the
/// penalty active, and ν under the α-divergence) of the first critic step, and ∂L_G/∂θ through
/// all K Euler steps. burn's input-gradient formulas are themselves checked against central
/// finite differences in tests/gradients.rs. Measured: relative errors 1.3e-7 to 3.6e-7 over
/// the eleven cases (f32 against f64).
#[test]
fn the_kernels_gradients_match_burns_f64_autodiff() {
    for (name, config) in cases() {
        let mut fused = FusedTrainer::new(config.clone(), &Device::wgpu(Default::default()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (omega, theta) = fused.gradients();
        let got = [
            to_f64(omega.unsqueeze::<2>()),
            to_f64(theta.unsqueeze::<2>()),
        ];

        let mut reference =
            Trainer::with_dtype(config.clone(), &Device::flex(), DType::F64).unwrap();
        let draws = reference.draw();
        let (b, d) = (config.batch_size, config.dim);
        let (eval, device) = (reference.eval_device(), reference.eval_device().autodiff());
        let x0 = matrix(
            draws.terminal_sources[..b * d].to_vec(),
            b,
            d,
            &eval,
            DType::F64,
        );
        let x_end = rollout(&reference.potential.frozen(), x0, &reference.scheme()).end();
        let y = matrix(draws.data[..b * d].to_vec(), b, d, &device, DType::F64);
        let u = matrix(draws.interpolation[..b].to_vec(), b, 1, &device, DType::F64);
        let Terminal::Critic(critic) = &reference.terminal else {
            panic!("a critic flow")
        };
        let critic_gradients = critic_loss(critic, &config, x_end.autodiff(), y, u).backward();
        let x0 = matrix(draws.generator_sources.clone(), b, d, &device, DType::F64);
        let generator_gradients = generator_loss(
            &reference.potential,
            &reference.terminal,
            x0,
            &reference.scheme(),
            &config,
        )
        .backward();
        let expected = [
            gradient_of(critic.parameters(), &critic_gradients),
            gradient_of(reference.potential.parameters(), &generator_gradients),
        ];
        for ((what, e), g) in ["∂L_D/∂ω", "∂L_G/∂θ"].iter().zip(&expected).zip(&got) {
            assert_eq!(e.len(), g.len(), "{name}: {what} sizes");
            let norm = e.iter().map(|v| v * v).sum::<f64>().sqrt();
            let error = e
                .iter()
                .zip(g)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt();
            eprintln!(
                "{name}: {what} relative error {:e} (norm {norm:e})",
                error / norm
            );
            assert!(
                norm > 0.0 && error <= 1e-5 * norm,
                "{name}: {what} off by {error:e}, norm {norm:e}"
            );
        }
    }
}
