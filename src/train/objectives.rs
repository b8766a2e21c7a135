//! The two players' objectives (docs/method.md §3), as differentiable burn tensors.
//!
//! L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²)   (W1 proximal)
//! L_G = mean_b G(x_K) + λ·KE                                                  (W2 proximal)
//!
//! with x̂ = u·y + (1 − u)·x_K, u ~ U[0, 1] per sample, KE = Σ_k Δt·½·mean_b |v_k|² and G the
//! terminal cost: the critic φ, or paper B's ψ^{c,λ} (docs/method.md §9). "No W1 proximal" drops
//! the penalty, "no W2 proximal" drops KE. (Not to be confused with [`crate::losses`], the losses
//! a step reports.)

use burn::tensor::Tensor;

use crate::config::{KineticEnergyAt, LogMeanExp, TrainConfig};
use crate::divergence::{gradient_penalty, log_mean_exp_released_code};
use crate::flow::{
    EulerScheme, Potential, Trajectory, kinetic_energy, kinetic_energy_released_code, rollout,
};
use crate::terminal::{Critic, Terminal};

/// L_D on end points x: `[B, d]`, data y: `[B, d]` and interpolation weights u: `[B, 1]`.
pub fn critic_loss(
    critic: &Critic,
    config: &TrainConfig,
    x: Tensor<2>,
    y: Tensor<2>,
    u: Tensor<2>,
) -> Tensor<1> {
    let b = config.batch_size;
    let phi = critic
        .net
        .forward(Tensor::cat(vec![x.clone(), y.clone()], 0))
        .output; // [2B, 1]
    let phi_x = phi.clone().narrow(0, 0, b);
    let phi_y = phi.narrow(0, b, b);
    let data_term = match config.log_mean_exp {
        LogMeanExp::ReleasedCode => log_mean_exp_released_code(phi_y),
        LogMeanExp::Stable => config.divergence.data_term(phi_y, critic.shift.as_ref()),
    };
    let divergence = phi_x.mean().sub(data_term);
    let mut loss = divergence.neg();
    if config.w1_proximal {
        let x_hat = y.mul(u.clone()).add(x.mul(u.neg().add_scalar(1.0))); // u·y + (1−u)·x
        let pass = critic.net.forward(x_hat);
        let grad_phi = critic.net.input_gradient(&pass);
        loss = loss.add(gradient_penalty(
            grad_phi,
            config.lipschitz,
            config.gradient_penalty,
        ));
    }
    loss
}

/// L_G = mean_b G(x_K) + λ·KE (the KE term only with the W2 proximal), for sources x0: `[B, d]`.
pub fn generator_loss(
    potential: &Potential,
    terminal: &Terminal,
    x0: Tensor<2>,
    scheme: &EulerScheme,
    config: &TrainConfig,
) -> Tensor<1> {
    generator_loss_on(
        potential,
        terminal,
        rollout(potential, x0, scheme),
        scheme,
        config,
    )
}

/// L_G on a trajectory already rolled out with `potential`.
pub(super) fn generator_loss_on(
    potential: &Potential,
    terminal: &Terminal,
    trajectory: Trajectory,
    scheme: &EulerScheme,
    config: &TrainConfig,
) -> Tensor<1> {
    let terminal = terminal.potential(trajectory.end()).mean();
    if !config.w2_proximal {
        return terminal;
    }
    let energy = match config.kinetic_energy_at {
        KineticEnergyAt::StepPoints => kinetic_energy(&trajectory, scheme),
        KineticEnergyAt::ReleasedCode => {
            kinetic_energy_released_code(potential, &trajectory, scheme)
        }
    };
    terminal.add(energy.mul_scalar(scheme.lambda))
}
