//! Paper B's semi-discrete entropic OT against closed forms (docs/method.md §10.2), bounds, finite
//! differences and the convergence of the averaged dual ascent (§5.12). f64 throughout.

use burn::tensor::{DType, Device, Tensor};
use w1w2_flow::metrics::exact_w2;
use w1w2_flow::nn::tensor_io::{matrix, scalar, to_f64};
use w1w2_flow::nn::{Activation, Mlp};
use w1w2_flow::rng::Rng;
use w1w2_flow::sdot::{OtSettings, SemiDiscreteOt};

const F64: DType = DType::F64;

fn device() -> Device {
    Device::flex()
}

fn column(values: Vec<f64>, device: &Device) -> Tensor<2> {
    let rows = values.len();
    matrix(
        values.into_iter().map(|v| v as f32).collect(),
        rows,
        1,
        device,
        F64,
    )
}

/// Solves the dual by `rounds` warm-started runs of `steps` full-batch ascent steps on `x`.
fn solve(ot: &mut SemiDiscreteOt, x: &Tensor<2>, rounds: usize, steps: usize) {
    for _ in 0..rounds {
        ot.ascend(std::iter::repeat_n(x.clone(), steps));
    }
}

/// z ~ U[0, 1] by the midpoint rule (n nodes, in f64 on the device).
fn uniform_nodes(n: usize, device: &Device) -> Tensor<2> {
    let values: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    Tensor::from_data(burn::tensor::TensorData::new(values, [n, 1]), (device, F64))
}

/// W^λ(θ), dW^λ/dθ (the theorem's formula: autodiff of mean ψ^{c,λ}(θz) with ψ fixed) and
/// ψ_1 − ψ_0 for g_θ(z) = θz, z ~ U[0, 1], ν = ½δ₀ + ½δ₁.
fn closed_form_instance(theta: f64, lambda: f64) -> (f64, f64, f64) {
    let device = device();
    let settings = OtSettings {
        lambda,
        step: 0.5,
        normalise_cost: false,
    };
    let mut ot = SemiDiscreteOt::new(&[0.0, 1.0], 1, &device, F64, settings);
    let z = uniform_nodes(20_000, &device);
    let x = z.clone().mul_scalar(theta);
    solve(&mut ot, &x, 60, 100);
    let value = scalar(ot.dual_value(x));
    let autodiff = device.clone().autodiff();
    let theta_tensor = column(vec![theta], &autodiff).require_grad();
    let loss = ot
        .transform(z.autodiff().matmul(theta_tensor.clone()))
        .mean();
    let gradient = theta_tensor.grad(&loss.backward()).expect("θ is tracked");
    let psi = to_f64(ot.psi.clone());
    (value, to_f64(gradient)[0], psi[1] - psi[0])
}

#[test]
fn closed_form_table_of_the_one_dimensional_instance() {
    // docs/method.md §10.2: λ, W(1), W(1.3), dW/dθ at θ = 1.3.
    let table = [
        (0.0, 0.083333, 0.088333, 0.116667),
        (0.01, 0.090183, 0.095202, 0.116715),
        (0.1, 0.144424, 0.151321, 0.121533),
    ];
    for (lambda, w_at_1, w_at_13, slope_at_13) in table {
        let (w1, _, _) = closed_form_instance(1.0, lambda);
        let (w13, slope, psi_gap) = closed_form_instance(1.3, lambda);
        assert!(
            (w1 - w_at_1).abs() < 1e-4,
            "λ = {lambda}: W(1) = {w1}, closed form {w_at_1}"
        );
        assert!(
            (w13 - w_at_13).abs() < 1e-4,
            "λ = {lambda}: W(1.3) = {w13}, closed form {w_at_13}"
        );
        assert!(
            (slope - slope_at_13).abs() < 1e-4,
            "λ = {lambda}: dW/dθ(1.3) = {slope}, closed form {slope_at_13}"
        );
        assert!(
            (psi_gap + 0.3).abs() < 1e-3,
            "λ = {lambda}: ψ₁ − ψ₀ = {psi_gap}, closed form −0.3"
        );
    }
}

#[test]
fn entropic_cost_lies_between_w_and_w_plus_lambda_log_j() {
    let device = device();
    for seed in 0..3 {
        let mut rng = Rng::new(100 + seed);
        let points = 40;
        let source = rng.normal_vec(points * 2);
        let data: Vec<f32> = rng
            .normal_vec(points * 2)
            .iter()
            .map(|v| v * 0.7 + 0.5)
            .collect();
        // Uniform weights on both sides and n = J: W is the optimal assignment's mean cost.
        let w = exact_w2(&source, &data, 2).powi(2);
        let x = matrix(source.clone(), points, 2, &device, F64);
        for lambda in [0.05, 0.3] {
            let settings = OtSettings {
                lambda,
                step: 0.2,
                normalise_cost: false,
            };
            let mut ot = SemiDiscreteOt::new(&data, 2, &device, F64, settings);
            solve(&mut ot, &x, 100, 200);
            let w_lambda = scalar(ot.dual_value(x.clone()));
            let upper = w + lambda * (points as f64).ln();
            assert!(
                w <= w_lambda + 1e-4 && w_lambda <= upper,
                "seed {seed}, λ = {lambda}: W = {w}, W^λ = {w_lambda}, W + λ log J = {upper}"
            );
        }
    }
}

#[test]
fn generator_gradient_formula_matches_finite_differences_of_w_lambda() {
    let device = device();
    let autodiff = device.clone().autodiff();
    let mut rng = Rng::new(7);
    let generator = Mlp::glorot_map(2, &[8], 2, Activation::Tanh, &mut rng, &autodiff, F64);
    let latents = matrix(rng.normal_vec(300 * 2), 300, 2, &device, F64);
    let data: Vec<f32> = rng.normal_vec(6 * 2);
    let settings = OtSettings {
        lambda: 0.1,
        step: 0.2,
        normalise_cost: false,
    };
    let solved = |net: &Mlp| {
        let x = net.frozen().forward(latents.clone()).output;
        let mut ot = SemiDiscreteOt::new(&data, 2, &device, F64, settings);
        solve(&mut ot, &x, 60, 200);
        let value = scalar(ot.dual_value(x));
        (ot, value)
    };
    let (ot, _) = solved(&generator);
    let tracked = generator.map(|p| p.require_grad());
    let loss = ot
        .transform(tracked.forward(latents.clone().autodiff()).output)
        .mean();
    let gradients = loss.backward();
    let direction: Vec<Tensor<2>> = tracked
        .parameters()
        .iter()
        .map(|p| {
            matrix(
                rng.normal_vec(p.dims()[0] * p.dims()[1]),
                p.dims()[0],
                p.dims()[1],
                &autodiff,
                F64,
            )
        })
        .collect();
    let analytic: f64 = tracked
        .parameters()
        .iter()
        .zip(&direction)
        .map(|(p, v)| {
            scalar(
                p.grad(&gradients)
                    .expect("tracked")
                    .mul(v.clone().inner())
                    .sum(),
            )
        })
        .sum();
    let h = 1e-4;
    let moved = |sign: f64| {
        let parameters = generator
            .parameters()
            .into_iter()
            .zip(&direction)
            .map(|(p, v)| p.add(v.clone().mul_scalar(sign * h)))
            .collect();
        solved(&generator.with_parameters(parameters)).1
    };
    let numeric = (moved(1.0) - moved(-1.0)) / (2.0 * h);
    assert!(
        (analytic - numeric).abs() <= 1e-4 * (1.0 + numeric.abs()),
        "directional derivative: formula {analytic}, finite difference {numeric}"
    );
}

/// docs/method.md §10.3. Mini-batches of B = 100 fresh source samples, data near the source's centre
/// (so that the ascent's noise, not its distance to ψ*, dominates): the relative marginal error
/// at ψ̄, measured on 20,000 other samples, falls with k, and falls faster for larger λ (the soft
/// assignments vary less from batch to batch than the hard ones).
#[test]
fn dual_ascent_balances_the_cells_faster_for_larger_lambda() {
    let device = device();
    let mut rng = Rng::new(21);
    let data: Vec<f32> = rng.normal_vec(10 * 2).iter().map(|v| 0.3 * v).collect();
    let held_out = matrix(rng.normal_vec(20_000 * 2), 20_000, 2, &device, F64);
    let error_after = |lambda: f64, steps: usize| {
        let mut batches = Rng::new(5);
        let settings = OtSettings {
            lambda,
            step: 0.2,
            normalise_cost: false,
        };
        let mut ot = SemiDiscreteOt::new(&data, 2, &device, F64, settings);
        ot.ascend((0..steps).map(|_| matrix(batches.normal_vec(100 * 2), 100, 2, &device, F64)));
        scalar(ot.marginal_error(held_out.clone()))
    };
    let mut errors = Vec::new();
    for lambda in [0.01, 0.5] {
        let by_steps: Vec<f64> = [10, 100, 1000]
            .iter()
            .map(|&k| error_after(lambda, k))
            .collect();
        assert!(
            by_steps[0] > by_steps[1] && by_steps[1] > by_steps[2],
            "λ = {lambda}: max_j |mean χ_j − ν_j|/ν_j after 10, 100, 1000 steps: {by_steps:?}"
        );
        errors.push(by_steps);
    }
    for (k, (sharp, smooth)) in [10, 100, 1000].iter().zip(errors[0].iter().zip(&errors[1])) {
        assert!(
            smooth < sharp,
            "after {k} steps: λ = 0.5 leaves {smooth}, λ = 0.01 leaves {sharp}"
        );
    }
}
