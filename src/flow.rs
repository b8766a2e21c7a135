//! The generator of paper A: a potential U_θ(x, t) whose negative gradient, scaled by 1/λ, is the
//! velocity, integrated by forward Euler (docs/method.md §3).
//!
//! v_k = −∇ₓU(x_k, t_k)/λ, x_{k+1} = x_k + Δt·v_k, t_k = kΔt, k = 0..K−1, K = T/Δt.

use burn::tensor::Tensor;

use crate::nn::Network;
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
/// U_θ(x, t) = N(x, t) + ½·q(t)·|x|² (docs/method.md §15).
#[derive(Clone, Debug)]
pub struct Potential {
    /// N(x, t).
    pub net: Network,
    /// q(t), a network on t alone; `None`: U = N.
    pub quadratic: Option<Network>,
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
        let pass = quadratic.forward(time);
        let q_prime = quadratic.input_gradient(&pass); // [batch, 1]
        let squared_norm = x.clone().square().sum_dim(1); // [batch, 1]
        PotentialGradient {
            space: space.add(x.mul(pass.output)),
            time: time_derivative.add(q_prime.mul(squared_norm).mul_scalar(0.5)),
        }
    }

    /// Every parameter: N's, then q's.
    pub fn parameters(&self) -> Vec<Tensor<2>> {
        let mut parameters = self.net.parameters();
        if let Some(quadratic) = &self.quadratic {
            parameters.extend(quadratic.parameters());
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
