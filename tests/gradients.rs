//! Every analytic input gradient, and the θ- and ω-gradients of losses containing them, against
//! central finite differences in f64.

use burn::tensor::{DType, Device, Tensor};
use w1w2_flow::config::TrainConfig;
use w1w2_flow::divergence::gradient_penalty;
use w1w2_flow::flow::{EulerScheme, Potential, kinetic_energy, rollout};
use w1w2_flow::nn::tensor_io::{matrix, scalar, to_f64};
use w1w2_flow::nn::{Activation, ConvLayout, ConvNet, Mlp, Network};
use w1w2_flow::quadratic::QuadraticCoefficient;
use w1w2_flow::rng::Rng;
use w1w2_flow::sdot::{OtSettings, SemiDiscreteOt};
use w1w2_flow::terminal::{Critic, Terminal};
use w1w2_flow::train::generator_loss;

const F64: DType = DType::F64;

fn device() -> Device {
    Device::flex()
}

fn random_matrix(rows: usize, cols: usize, rng: &mut Rng, device: &Device) -> Tensor<2> {
    matrix(rng.normal_vec(rows * cols), rows, cols, device, F64)
}

/// The network's value at one input row, as f64.
fn value_at(net: &Network, row: &[f64], device: &Device) -> f64 {
    let input = Tensor::<2>::from_data(
        burn::tensor::TensorData::new(row.to_vec(), [1, row.len()]),
        (device, F64),
    );
    scalar(net.forward(input).output.reshape([1]))
}

fn assert_close(analytic: f64, numeric: f64, what: &str) {
    let tolerance = 1e-6 * (1.0 + numeric.abs());
    assert!(
        (analytic - numeric).abs() <= tolerance,
        "{what}: analytic {analytic} vs finite difference {numeric}"
    );
}

/// A flow of `steps` Euler steps to T = 1 at λ = 0.5, and the configuration whose losses use that λ.
fn flow_at_half_lambda(steps: usize) -> (EulerScheme, TrainConfig) {
    let scheme = EulerScheme {
        lambda: 0.5,
        t_final: 1.0,
        steps,
    };
    let config = TrainConfig {
        lambda: 0.5,
        ..TrainConfig::default()
    };
    (scheme, config)
}

/// The analytic input gradient of `net` on `rows` random inputs against central differences.
fn check_input_gradient(net: &Network, rows: usize, rng: &mut Rng, what: &str) {
    let device = device();
    let width = net.input_dim();
    let inputs = random_matrix(rows, width, rng, &device);
    let gradient = to_f64(net.input_gradient(&net.forward(inputs.clone())));
    let h = 1e-6;
    for (b, row) in to_f64(inputs).chunks(width).enumerate() {
        for i in 0..width {
            let (mut plus, mut minus) = (row.to_vec(), row.to_vec());
            plus[i] += h;
            minus[i] -= h;
            let numeric =
                (value_at(net, &plus, &device) - value_at(net, &minus, &device)) / (2.0 * h);
            assert_close(
                gradient[b * width + i],
                numeric,
                &format!("{what} ∂y/∂s[{b},{i}]"),
            );
        }
    }
}

#[test]
fn tanh_input_gradient_matches_finite_differences() {
    let mut rng = Rng::new(11);
    let net = Mlp::glorot(4, &[7, 6, 5], Activation::Tanh, &mut rng, &device(), F64);
    check_input_gradient(&net.into(), 6, &mut rng, "tanh MLP");
}

#[test]
fn relu_input_gradient_matches_finite_differences() {
    let mut rng = Rng::new(11);
    let net = Mlp::glorot(4, &[7, 6, 5], Activation::Relu, &mut rng, &device(), F64);
    check_input_gradient(&net.into(), 6, &mut rng, "ReLU MLP");
}

#[test]
fn conv_net_input_gradient_matches_finite_differences() {
    // Both blocks' transposed convolutions and pooling masks, on 8×8 images (8 → 4 → 2), as the
    // critic φ_ω (pixels only) and as U_θ (pixels and t joined to the features): the paper's 7×7
    // ReLU kernels with 8 channels twice, and 3×3 kernels with a different width a block, with
    // ReLU and with tanh.
    let mut rng = Rng::new(12);
    let narrow = ConvLayout {
        kernel: 3,
        channels: vec![3, 5],
        activation: Activation::Relu,
    };
    let smooth = ConvLayout {
        activation: Activation::Tanh,
        ..narrow.clone()
    };
    for (layout, name) in [
        (ConvLayout::paper(), "7×7 ReLU"),
        (narrow, "3×3 ReLU"),
        (smooth, "3×3 tanh"),
    ] {
        let critic = ConvNet::glorot(8, 0, &layout, &[6, 5], 1, &mut rng, &device(), F64);
        check_input_gradient(&critic.into(), 3, &mut rng, &format!("{name} conv critic"));
        let potential = ConvNet::glorot(8, 1, &layout, &[6, 5], 1, &mut rng, &device(), F64);
        check_input_gradient(
            &potential.into(),
            3,
            &mut rng,
            &format!("{name} conv potential"),
        );
    }
}

/// Central differences of `loss` with respect to every `stride`-th entry of every parameter of
/// `net`, compared with the autodiff gradient of the same loss.
fn check_parameter_gradient(
    net: &Network,
    loss: impl Fn(&Network) -> Tensor<1>,
    what: &str,
    stride: usize,
) {
    let device = device().autodiff();
    let tracked = net.map(|p| p.autodiff().require_grad());
    let gradients = loss(&tracked).backward();
    let h = 1e-6;
    for (index, parameter) in tracked.parameters().into_iter().enumerate() {
        let [rows, cols] = parameter.dims();
        let values = to_f64(parameter.clone().inner());
        // A parameter the loss does not reach (the output bias, for a loss of ∇ₓU) has gradient 0.
        let analytic = parameter
            .grad(&gradients)
            .map_or_else(|| vec![0.0; values.len()], to_f64);
        for entry in (0..values.len()).step_by(stride) {
            let perturbed = |delta: f64| {
                let mut shifted = values.clone();
                shifted[entry] += delta;
                let tensor = Tensor::<2>::from_data(
                    burn::tensor::TensorData::new(shifted, [rows, cols]),
                    (&device, F64),
                );
                let mut parameters = net.parameters();
                parameters[index] = tensor;
                scalar(loss(&net.with_parameters(parameters)).inner())
            };
            let numeric = (perturbed(h) - perturbed(-h)) / (2.0 * h);
            assert_close(
                analytic[entry],
                numeric,
                &format!("{what}: parameter {index} entry {entry}"),
            );
        }
    }
}

#[test]
fn generator_loss_theta_gradient_matches_finite_differences() {
    // The generator loss of a 2-step flow contains ∇ₓU at every step: its θ-gradient holds the
    // mixed second derivatives ∂θ∂ₓU that burn only gets through the analytic input gradient.
    let device = device().autodiff();
    let mut rng = Rng::new(5);
    let potential_net: Network =
        Mlp::glorot(3, &[5, 4], Activation::Tanh, &mut rng, &device, F64).into();
    let critic = Mlp::glorot(2, &[6], Activation::Relu, &mut rng, &device, F64).map(|p| p.inner());
    let x0 = random_matrix(8, 2, &mut rng, &device);
    let (scheme, config) = flow_at_half_lambda(2);
    let data: Vec<f32> = rng.normal_vec(5 * 2);
    let mut ot = SemiDiscreteOt::new(
        &data,
        2,
        &device,
        F64,
        OtSettings {
            lambda: 0.1,
            step: 0.1,
            normalise_cost: false,
        },
    );
    ot.psi = matrix(rng.normal_vec(5), 1, 5, &device.clone().inner(), F64);
    for (name, terminal) in [
        (
            "L_G with a critic",
            Terminal::Critic(Critic::new(critic.into(), None)),
        ),
        ("L_G with the OT cost", Terminal::Ot(ot)),
    ] {
        check_parameter_gradient(
            &potential_net,
            |net| {
                generator_loss(
                    &Potential::network(net.clone()),
                    &terminal,
                    x0.clone(),
                    &scheme,
                    &config,
                )
            },
            name,
            1,
        );
    }
}

/// q_max of the quadratic terms below: large enough that q = q_max·tanh(n) is far from n.
const QUADRATIC_BOUND: f64 = 3.0;

/// U = N(x, t) + ½·q(t)·|x|² in R^2, q = q_max·tanh(n(t)), N and n random tanh MLPs (n's
/// output not zero, so that the term is not trivially 0).
fn quadratic_potential(rng: &mut Rng, device: &Device) -> Potential {
    Potential {
        net: Mlp::glorot(3, &[5, 4], Activation::Tanh, rng, device, F64).into(),
        quadratic: Some(QuadraticCoefficient {
            net: Mlp::glorot(1, &[4], Activation::Tanh, rng, device, F64).into(),
            bound: QUADRATIC_BOUND,
        }),
    }
}

#[test]
fn a_quadratic_term_adds_its_gradient_in_x_and_t() {
    // ∇ₓU = ∇ₓN + q(t)·x and ∂_tU = ∂_tN + ½·q′(t)·|x|², against central differences of
    // U = N([x, t]) + ½·q_max·tanh(n(t))·|x|² at random points and times.
    let device = device();
    let mut rng = Rng::new(15);
    let potential = quadratic_potential(&mut rng, &device);
    let q = potential.quadratic.as_ref().expect("a quadratic term");
    let value = |x: &[f64], t: f64| {
        let squared_norm: f64 = x.iter().map(|xi| xi * xi).sum();
        value_at(&potential.net, &[x[0], x[1], t], &device)
            + 0.5 * QUADRATIC_BOUND * value_at(&q.net, &[t], &device).tanh() * squared_norm
    };
    let h = 1e-6;
    for t in [0.0, 0.35, 0.9] {
        let x = random_matrix(4, 2, &mut rng, &device);
        let gradient = potential.gradient(x.clone(), t);
        let (space, time) = (to_f64(gradient.space), to_f64(gradient.time));
        for (b, row) in to_f64(x).chunks(2).enumerate() {
            for i in 0..2 {
                let (mut plus, mut minus) = (row.to_vec(), row.to_vec());
                plus[i] += h;
                minus[i] -= h;
                let numeric = (value(&plus, t) - value(&minus, t)) / (2.0 * h);
                assert_close(
                    space[b * 2 + i],
                    numeric,
                    &format!("∂U/∂x[{b},{i}] at t={t}"),
                );
            }
            let numeric = (value(row, t + h) - value(row, t - h)) / (2.0 * h);
            assert_close(time[b], numeric, &format!("∂U/∂t[{b}] at t={t}"));
        }
    }
}

#[test]
fn generator_loss_gradient_in_the_quadratic_term_matches_finite_differences() {
    // q(t) = q_max·tanh(n(t)) enters L_G through every Euler step's q(t_k)·x_k: the gradient in q's weights and in
    // N's, each against central differences, through a 3-step flow to a critic.
    let device = device().autodiff();
    let mut rng = Rng::new(16);
    let potential = quadratic_potential(&mut rng, &device);
    let critic = Mlp::glorot(2, &[6], Activation::Relu, &mut rng, &device, F64).map(|p| p.inner());
    let terminal = Terminal::Critic(Critic::new(critic.into(), None));
    let x0 = random_matrix(8, 2, &mut rng, &device);
    let (scheme, config) = flow_at_half_lambda(3);
    let loss =
        |potential: &Potential| generator_loss(potential, &terminal, x0.clone(), &scheme, &config);
    let q = potential.quadratic.clone().expect("a quadratic term");
    check_parameter_gradient(
        &q.net,
        |n| {
            loss(&Potential {
                quadratic: Some(q.with_parameters(n.parameters())),
                ..potential.clone()
            })
        },
        "L_G in q's weights",
        1,
    );
    check_parameter_gradient(
        &potential.net,
        |net| {
            loss(&Potential {
                net: net.clone(),
                ..potential.clone()
            })
        },
        "L_G in N's weights beside a quadratic term",
        1,
    );
}

#[test]
fn conv_generator_loss_theta_gradient_matches_finite_differences() {
    // The same second-order check through the conv potential and critic of the MNIST networks:
    // ∂θ of the transposed convolutions and the masked upsampling, on 8×8 images; for a tanh
    // potential also through the factors 1 − a², which depend on θ.
    let device = device().autodiff();
    let mut rng = Rng::new(6);
    let smooth = ConvLayout {
        kernel: 3,
        channels: vec![3, 4],
        activation: Activation::Tanh,
    };
    for (layout, what) in [
        (ConvLayout::paper(), "L_G through ReLU conv nets"),
        (smooth, "L_G through a tanh conv potential"),
    ] {
        let potential_net: Network =
            ConvNet::glorot(8, 1, &layout, &[5], 1, &mut rng, &device, F64).into();
        let critic: Network =
            ConvNet::glorot(8, 0, &ConvLayout::paper(), &[4], 1, &mut rng, &device, F64).into();
        let terminal = Terminal::Critic(Critic::new(critic.frozen(), None));
        let x0 = random_matrix(2, 64, &mut rng, &device);
        let (scheme, config) = flow_at_half_lambda(2);
        check_parameter_gradient(
            &potential_net,
            |net| {
                generator_loss(
                    &Potential::network(net.clone()),
                    &terminal,
                    x0.clone(),
                    &scheme,
                    &config,
                )
            },
            what,
            5,
        );
    }
}

#[test]
fn gradient_penalty_omega_gradient_matches_finite_differences() {
    let device = device().autodiff();
    let mut rng = Rng::new(8);
    let critic: Network = Mlp::glorot(2, &[6, 5], Activation::Relu, &mut rng, &device, F64)
        .map(|p| p.mul_scalar(3.0))
        .into();
    let x_hat = random_matrix(10, 2, &mut rng, &device);
    check_parameter_gradient(
        &critic,
        |net| gradient_penalty(net.input_gradient(&net.forward(x_hat.clone())), 1.0, 0.1),
        "gradient penalty",
        1,
    );
}

#[test]
fn kinetic_energy_is_that_of_the_euler_displacements() {
    let device = device();
    let mut rng = Rng::new(2);
    let potential = Potential::network(
        Mlp::glorot(3, &[8, 8], Activation::Tanh, &mut rng, &device, F64).into(),
    );
    let scheme = EulerScheme {
        lambda: 0.3,
        t_final: 1.5,
        steps: 3,
    };
    let trajectory = rollout(&potential, random_matrix(20, 2, &mut rng, &device), &scheme);
    let dt = scheme.dt();
    let positions: Vec<Vec<f64>> = trajectory
        .positions
        .iter()
        .map(|x| to_f64(x.clone()))
        .collect();
    // v_k = (x_{k+1} − x_k)/Δt, so KE = Σ_k Δt·½·mean_b |x_{k+1} − x_k|²/Δt².
    let expected: f64 = positions
        .windows(2)
        .map(|pair| {
            let squared: f64 = pair[0]
                .iter()
                .zip(&pair[1])
                .map(|(a, b)| (b - a).powi(2))
                .sum();
            dt * 0.5 * squared / 20.0 / (dt * dt)
        })
        .sum();
    let energy = scalar(kinetic_energy(&trajectory, &scheme));
    assert!(
        (energy - expected).abs() < 1e-9 * expected.max(1.0),
        "KE {energy} vs {expected}"
    );
    // And the velocity is −∇ₓU/λ at (x_k, t_k), with ∇ₓU checked above.
    let v0 = to_f64(trajectory.velocities[0].clone());
    let grad0 = to_f64(
        potential
            .gradient(trajectory.positions[0].clone(), 0.0)
            .space,
    );
    for (v, g) in v0.iter().zip(&grad0) {
        assert!((v + g / scheme.lambda).abs() < 1e-12);
    }
}

#[test]
fn tanh_layers_stay_finite_for_huge_preactivations() {
    // e^{2z} overflows f32 for z > 44: the θ-gradient must still be finite there.
    let device = device().autodiff();
    let mut rng = Rng::new(4);
    let net = Mlp::glorot(2, &[3], Activation::Tanh, &mut rng, &device, DType::F32)
        .map(|p| p.require_grad());
    let x = matrix(
        vec![500.0, -500.0, -300.0, 200.0],
        2,
        2,
        &device,
        DType::F32,
    );
    let pass = net.forward(x);
    let loss = pass
        .output
        .clone()
        .sum()
        .add(net.input_gradient(&pass).square().sum());
    let gradients = loss.backward();
    for parameter in net.parameters() {
        if let Some(gradient) = parameter.grad(&gradients) {
            assert!(to_f64(gradient).iter().all(|g| g.is_finite()));
        }
    }
}
