//! The terminal player's phase of an iteration (docs/method.md §4, §9), on the frozen flow.
//!
//! The flow U_θ does not change while the terminal player steps, so the end points x_K of all its
//! steps' sources come from one batched rollout x_{k+1} = x_k − (Δt/λ)∇ₓU_θ(x_k, t_k), without
//! θ-gradients ([`frozen_end_points`]). Then either
//!
//! * the critic phase: n_critic Adam steps of ω (and ν) on
//!   L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²), each on its own B
//!   rows of x_K, data batch y and weights u ([`critic_phase`], [`critic_step`]); or
//! * with paper B's OT terminal cost, the dual phase: Nψ steps of averaged dual ascent on
//!   H_λ(ψ) = mean_b ψ^{c,λ}(x_K) + Σ_j ψ_j ν_j, warm-started, reporting −H_λ(ψ̄) on the last
//!   batch as "L_D" ([`dual_phase`]).

use burn::tensor::{DType, Device, Tensor};

use super::IterationDraws;
use super::objectives::critic_loss;
use crate::config::TrainConfig;
use crate::flow::{EulerScheme, Potential, rollout};
use crate::nn::tensor_io::matrix;
use crate::parallel::join;
use crate::sdot::SemiDiscreteOt;
use crate::terminal::Critic;

/// The rows of `batch` in two halves (the first one row shorter when the count is odd).
fn halves(batch: Tensor<2>) -> [Tensor<2>; 2] {
    let rows = batch.dims()[0];
    let half = rows / 2;
    [
        batch.clone().narrow(0, 0, half),
        batch.narrow(0, half, rows - half),
    ]
}

/// The data batches y and interpolation weights u of an iteration's critic steps, and the device
/// and dtype they go to.
pub(super) struct CriticBatches<'a> {
    pub(super) draws: &'a IterationDraws,
    pub(super) device: &'a Device,
    pub(super) dtype: DType,
}

impl CriticBatches<'_> {
    /// Critic step `step`'s data points y ~ π, `[B, d]`, and weights u ~ U[0, 1], `[B, 1]`.
    fn at(&self, step: usize, b: usize, d: usize) -> (Tensor<2>, Tensor<2>) {
        let y = self.draws.data[step * b * d..(step + 1) * b * d].to_vec();
        let u = self.draws.interpolation[step * b..(step + 1) * b].to_vec();
        (
            matrix(y, b, d, self.device, self.dtype),
            matrix(u, b, 1, self.device, self.dtype),
        )
    }
}

/// The end points x_K of `sources` under the frozen flow `potential`, without θ-gradients,
/// `[rows, d]`; with `side_by_side` the two halves of the batch are rolled out at once.
pub(super) fn frozen_end_points(
    potential: &Potential,
    sources: Tensor<2>,
    scheme: &EulerScheme,
    side_by_side: bool,
) -> Tensor<2> {
    if !side_by_side {
        return rollout(potential, sources, scheme).end();
    }
    let [first, second] = halves(sources);
    let (first, second) = join(
        || rollout(potential, first, scheme).end(),
        || rollout(potential, second, scheme).end(),
    );
    Tensor::cat(vec![first, second], 0)
}

/// The critic steps on the frozen flow's end points `x_end` (`[n_critic·B, d]`, B rows a step).
/// Returns the last step's L_D (detached).
pub(super) fn critic_phase(
    critic: &mut Critic,
    config: &TrainConfig,
    x_end: Tensor<2>,
    batches: CriticBatches,
) -> Tensor<1> {
    (0..config.critic_steps)
        .map(|step| critic_step(critic, config, &x_end, &batches, step))
        .last()
        .expect("critic_steps ≥ 1")
}

/// Critic step `step`: L_D on its B rows of the frozen end points `x_end` and its data batch, then
/// one Adam step of ω (and ν). Returns L_D (detached).
pub(super) fn critic_step(
    critic: &mut Critic,
    config: &TrainConfig,
    x_end: &Tensor<2>,
    batches: &CriticBatches,
    step: usize,
) -> Tensor<1> {
    let b = config.batch_size;
    let x = x_end.clone().narrow(0, step * b, b).autodiff(); // [B, d], a constant
    let (y, u) = batches.at(step, b, config.dim);
    let loss = critic_loss(critic, config, x, y, u);
    let gradients = loss.backward();
    let mut updated =
        critic
            .adam
            .step(critic.parameters(), &gradients, config.critic_learning_rate);
    if critic.shift.is_some() {
        critic.shift = updated.pop();
    }
    critic.net = critic.net.with_parameters(updated);
    loss.inner()
}

/// Nψ steps of averaged dual ascent on H_λ(ψ), warm-started, on the frozen flow's end points
/// `x_end` (`[Nψ·B, d]`). Returns −H_λ(ψ̄) on the last batch.
pub(super) fn dual_phase(
    ot: &mut SemiDiscreteOt,
    config: &TrainConfig,
    x_end: Tensor<2>,
) -> Tensor<1> {
    let (b, steps) = (config.batch_size, config.ot_dual_steps);
    ot.lambda = config.ot_lambda;
    ot.step = config.ot_step;
    ot.ascend((0..steps).map(|step| x_end.clone().narrow(0, step * b, b)));
    ot.dual_value(x_end.narrow(0, (steps - 1) * b, b)).neg()
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device};

    use super::frozen_end_points;
    use crate::config::TrainConfig;
    use crate::data::toy2d::Toy2d;
    use crate::nn::tensor_io::{matrix, to_f64};
    use crate::rng::Rng;
    use crate::train::Trainer;
    use crate::training::Training;

    /// Rows are independent under the flow, so rolling out two halves side by side must give
    /// the rows of one rollout, in order (an odd count makes the halves unequal).
    #[test]
    fn frozen_end_points_in_halves_match_one_rollout() {
        let trainer =
            Trainer::new(TrainConfig::paper(Toy2d::Pinwheel, 3), &Device::flex()).unwrap();
        let (rows, device) = (7, trainer.eval_device());
        let mut rng = Rng::new(5);
        let sources: Vec<f32> = (0..rows * 3).map(|_| rng.normal() as f32).collect();
        let frozen = trainer.potential.frozen();
        let end = |side_by_side| {
            to_f64(frozen_end_points(
                &frozen,
                matrix(sources.clone(), rows, 3, &device, DType::F32),
                &trainer.scheme(),
                side_by_side,
            ))
        };
        let (halves, whole) = (end(true), end(false));
        assert_eq!(halves.len(), rows * 3);
        for (a, b) in halves.iter().zip(&whole) {
            assert!((a - b).abs() < 1e-5, "{halves:?} against {whole:?}");
        }
        assert!(
            whole
                .iter()
                .zip(&sources)
                .any(|(x, &x0)| (x - x0 as f64).abs() > 1e-3),
            "the flow moved the points"
        );
    }
}
