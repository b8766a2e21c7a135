//! The generator of paper A: a potential U_θ(x, t) whose negative gradient, scaled by 1/λ, is the
//! velocity, integrated by forward Euler (docs/method.md §3).
//!
//! v_k = −∇ₓU(x_k, t_k)/λ, x_{k+1} = x_k + Δt·v_k, t_k = kΔt, k = 0..K−1, K = T/Δt.

use burn::tensor::Tensor;

use crate::nn::Network;
use crate::quadratic::QuadraticCoefficient;
use crate::terminal::Terminal;

/// Time grid and the W2-proximal weight λ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EulerScheme {
    /// λ: weight of the kinetic energy; velocities are −∇ₓU/λ.
    pub lambda: f64,
    /// T: the final time.
    pub t_final: f64,
    /// K: the number of Euler steps.
    pub steps: usize,
}

impl EulerScheme {
    /// Δt = T/K.
    pub fn dt(&self) -> f64 {
        self.t_final / self.steps as f64
    }

    /// q_max = λ/Δt, the bound of U's quadratic coefficient that keeps each step's contraction
    /// Δt·q/λ in (−1, 1) (src/quadratic.rs).
    pub fn quadratic_bound(&self) -> f64 {
        self.lambda / self.dt()
    }

    /// The same horizon with `factor` times as many steps (Δt/factor).
    pub fn refined(&self, factor: usize) -> Self {
        Self {
            steps: self.steps * factor,
            ..*self
        }
    }
}

/// The potential U_θ(x, t): a network on s = [x, t] ∈ R^{d+1} (an image network joins t to its
/// convolutional features), with an optional exact quadratic term:
/// U_θ(x, t) = N(x, t) + ½·q(t)·|x|², q bounded by λ/Δt (docs/method.md §15, src/quadratic.rs).
#[derive(Clone, Debug)]
pub struct Potential {
    /// N(x, t).
    pub net: Network,
    /// q(t); `None`: U = N.
    pub quadratic: Option<QuadraticCoefficient>,
}

/// A flow as its measurements and pictures see it: U_θ as it trains, the potential its samples
/// come from (U_θ̄ or U_θ, without autodiff), its terminal cost and its Euler scheme.
pub struct FlowParts<'a> {
    pub potential: &'a Potential,
    pub sampling: Potential,
    pub terminal: &'a Terminal,
    pub scheme: EulerScheme,
}

/// ∇ₓU and ∂_tU at a batch of points.
pub struct PotentialGradient {
    /// `[batch, d]`
    pub space: Tensor<2>,
    /// `[batch, 1]`
    pub time: Tensor<2>,
}

impl Potential {
    /// The space dimension d.
    pub fn dim(&self) -> usize {
        self.net.input_dim() - 1
    }

    /// U alone, without its quadratic term.
    pub fn network(net: Network) -> Self {
        Self {
            net,
            quadratic: None,
        }
    }

    /// ∇ₓU(x, t) and ∂_tU(x, t) for x: `[batch, d]`, one time t for the whole batch; the
    /// quadratic term adds q(t)·x to ∇ₓU and ½·q′(t)·|x|² to ∂_tU.
    pub fn gradient(&self, x: Tensor<2>, t: f64) -> PotentialGradient {
        let [batch, d] = x.dims();
        let time = x.clone().narrow(1, 0, 1).zeros_like().add_scalar(t); // [batch, 1]
        let s = Tensor::cat(vec![x.clone(), time.clone()], 1); // [batch, d+1]
        let pass = self.net.forward(s);
        let g = self.net.input_gradient(&pass); // [batch, d+1]
        debug_assert_eq!(g.dims(), [batch, d + 1]);
        let (space, time_derivative) = (g.clone().narrow(1, 0, d), g.narrow(1, d, 1));
        let Some(quadratic) = &self.quadratic else {
            return PotentialGradient {
                space,
                time: time_derivative,
            };
        };
        let q = quadratic.at(time); // [batch, 1] each
        let squared_norm = x.clone().square().sum_dim(1); // [batch, 1]
        PotentialGradient {
            space: space.add(x.mul(q.value)),
            time: time_derivative.add(q.derivative.mul(squared_norm).mul_scalar(0.5)),
        }
    }

    /// Every parameter: N's, then q's.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        let mut parameters = self.net.parameters();
        if let Some(quadratic) = &self.quadratic {
            parameters.extend(quadratic.net.parameters());
        }
        parameters
    }

    /// The same architecture holding `parameters` (in the order of [`Potential::parameters`]).
    pub fn with_parameters(&self, mut parameters: Vec<Tensor<2>>) -> Self {
        let quadratic_parameters = parameters.split_off(self.net.parameters().len());
        Self {
            net: self.net.with_parameters(parameters),
            quadratic: self
                .quadratic
                .as_ref()
                .map(|quadratic| quadratic.with_parameters(quadratic_parameters)),
        }
    }

    /// The same potential with q bounded for `scheme` ([`QuadraticCoefficient::with_bound`]).
    pub fn for_scheme(&self, scheme: &EulerScheme) -> Self {
        Self {
            net: self.net.clone(),
            quadratic: self
                .quadratic
                .as_ref()
                .map(|quadratic| quadratic.with_bound(scheme.quadratic_bound())),
        }
    }

    /// The parameters mapped through `f` (track gradients, detach…).
    pub fn map(&self, f: impl Fn(Tensor<2>) -> Tensor<2>) -> Self {
        self.with_parameters(self.parameters().into_iter().map(f).collect())
    }

    /// The velocity v = −∇ₓU(x, t)/λ, `[batch, d]`.
    pub fn velocity(&self, x: Tensor<2>, t: f64, lambda: f64) -> Tensor<2> {
        self.gradient(x, t).space.mul_scalar(-1.0 / lambda)
    }

    /// The same potential with its weights frozen (no autodiff graph is recorded).
    pub fn frozen(&self) -> Self {
        self.map(|theta| theta.inner())
    }

    /// A frozen copy in buffers of its own, which an in-place write to `self`'s (the fused
    /// kernels unpack U's parameters into its tensors after every step) leaves as it is.
    pub fn frozen_copy(&self) -> Self {
        self.map(|theta| {
            let theta = theta.inner();
            theta.zeros_like().add(theta)
        })
    }

    /// The running average moved one step toward `current`: θ̄ ← β·θ̄ + (1 − β)·θ, parameter by
    /// parameter, on `self`'s device (θ's values enter without their autodiff graph).
    pub fn averaged_toward(&self, current: &Potential, beta: f64) -> Self {
        let parameters = self
            .parameters()
            .into_iter()
            .zip(current.parameters())
            .map(|(average, theta)| {
                average
                    .mul_scalar(beta)
                    .add(theta.inner().mul_scalar(1.0 - beta))
            })
            .collect();
        self.with_parameters(parameters)
    }
}

/// A forward-Euler trajectory: K+1 positions and the K velocities that moved them.
pub struct Trajectory {
    /// x_0..x_K, each `[batch, d]`.
    pub positions: Vec<Tensor<2>>,
    /// v_0..v_{K−1}, each `[batch, d]`, v_k evaluated at (x_k, t_k).
    pub velocities: Vec<Tensor<2>>,
}

impl Trajectory {
    /// x_K.
    pub fn end(&self) -> Tensor<2> {
        self.positions.last().expect("a trajectory has x_0").clone()
    }
}

/// Pushes x_0 through K Euler steps: x_{k+1} = x_k − (Δt/λ)∇ₓU(x_k, t_k).
pub fn rollout(potential: &Potential, x0: Tensor<2>, scheme: &EulerScheme) -> Trajectory {
    let dt = scheme.dt();
    let mut positions = vec![x0];
    let mut velocities = Vec::with_capacity(scheme.steps);
    for k in 0..scheme.steps {
        let x = positions[k].clone();
        let v = potential.velocity(x.clone(), k as f64 * dt, scheme.lambda);
        positions.push(x.add(v.clone().mul_scalar(dt)));
        velocities.push(v);
    }
    Trajectory {
        positions,
        velocities,
    }
}

/// Kinetic energy KE = Σ_k Δt·½·mean_b |v_k|², at the points the Euler step uses (docs/method.md §3).
pub fn kinetic_energy(trajectory: &Trajectory, scheme: &EulerScheme) -> Tensor<1> {
    let dt = scheme.dt();
    let per_step: Vec<Tensor<1>> = trajectory
        .velocities
        .iter()
        .map(|v| v.clone().square().sum_dim(1).mean())
        .collect();
    Tensor::cat(per_step, 0).sum().mul_scalar(0.5 * dt)
}

/// The released code's kinetic energy, offered only to reproduce it (docs/method.md §6):
/// Σ_k Δt·½·mean_b |∇ₓU(sg(x_{k+1}), t_k)/λ|², the post-step point with the pre-step time, the
/// positions detached so that the penalty acts on θ only through U.
pub fn kinetic_energy_released_code(
    potential: &Potential,
    trajectory: &Trajectory,
    scheme: &EulerScheme,
) -> Tensor<1> {
    let dt = scheme.dt();
    let per_step: Vec<Tensor<1>> = (0..scheme.steps)
        .map(|k| {
            let x_next = trajectory.positions[k + 1].clone().detach();
            let v = potential.velocity(x_next, k as f64 * dt, scheme.lambda);
            v.square().sum_dim(1).mean()
        })
        .collect();
    Tensor::cat(per_step, 0).sum().mul_scalar(0.5 * dt)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device};

    use super::*;
    use crate::nn::tensor_io::{matrix, to_f32};
    use crate::nn::{Activation, Mlp};
    use crate::rng::Rng;

    /// A zero-output tanh MLP on `inputs` inputs.
    fn zero_network(inputs: usize, rng: &mut Rng, device: &Device) -> Network {
        Network::from(Mlp::glorot(
            inputs,
            &[4],
            Activation::Tanh,
            rng,
            device,
            DType::F32,
        ))
        .with_zero_output()
    }

    /// U = ½·q(t)·|x|² alone in R^2 (N = 0), with n(t) = `n` at every t.
    fn quadratic_alone(n: f32, scheme: &EulerScheme, device: &Device) -> Potential {
        let mut rng = Rng::new(3);
        let net = zero_network(3, &mut rng, device);
        let mut parameters = zero_network(1, &mut rng, device).parameters();
        let output_bias = parameters.pop().expect("an output bias");
        parameters.push(output_bias.add_scalar(n));
        let n_net = zero_network(1, &mut rng, device).with_parameters(parameters);
        Potential {
            net,
            quadratic: Some(QuadraticCoefficient {
                net: n_net,
                bound: scheme.quadratic_bound(),
            }),
        }
    }

    #[test]
    fn no_euler_step_of_the_quadratic_term_carries_a_point_through_the_plane() {
        // The term scales x by 1 − Δt·q/λ a step; with q = (λ/Δt)·tanh(n) that factor stays in
        // [0, 2] however large n grows (unbounded, q = 30 would give 1 − 60 here), up to f32
        // rounding at the ends.
        const ROUNDING: f32 = 1e-5;
        let device = Device::flex();
        let scheme = EulerScheme {
            lambda: 0.1,
            t_final: 1.0,
            steps: 5,
        };
        let x0 = matrix(Rng::new(4).normal_vec(16), 8, 2, &device, DType::F32);
        for n in [-30.0, -0.5, 0.5, 30.0] {
            let positions = rollout(&quadratic_alone(n, &scheme, &device), x0.clone(), &scheme)
                .positions
                .into_iter()
                .map(to_f32)
                .collect::<Vec<_>>();
            for step in positions.windows(2) {
                for (before, after) in step[0].iter().zip(&step[1]) {
                    let kept_its_side = after * before >= -ROUNDING * before * before;
                    let at_most_doubled = after.abs() <= (2.0 + ROUNDING) * before.abs();
                    assert!(
                        kept_its_side && at_most_doubled,
                        "n = {n}: a step took a coordinate from {before} to {after}"
                    );
                }
            }
        }
    }
}
