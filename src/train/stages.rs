//! One iteration of [`Trainer::step`] taken stage by stage, for the walk-through
//! (src/walkthrough.rs), which shows each stage as it happens.
//!
//! [`Trainer::begin_stages`] draws the iteration and rolls every critic step's sources through the
//! frozen flow to x_K; each [`Trainer::critic_stage`] is one Adam step of ω on
//! L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²);
//! [`Trainer::generator_stage`] is the Adam step of θ on L_G = mean_b φ(x_K) + λ·KE, which
//! completes the iteration. Taken in order, the stages train exactly as [`Trainer::step`] does.

use burn::tensor::Tensor;

use super::phases::{CriticBatches, critic_step, frozen_end_points};
use super::{IterationDraws, Trainer};
use crate::flow::rollout;
use crate::nn::tensor_io::matrix;
use crate::terminal::Terminal;
use crate::training::Training;

impl Trainer {
    /// The draws of a new iteration and its frozen end points x_K of every critic step's sources,
    /// `[n_critic·B, d]`, for taking the iteration stage by stage (src/walkthrough.rs).
    pub fn begin_stages(&mut self) -> (IterationDraws, Tensor<2>) {
        let draws = self.draw();
        let sources = matrix(
            draws.terminal_sources.clone(),
            draws.terminal_sources.len() / self.config.dim,
            self.config.dim,
            &self.eval_device(),
            self.dtype,
        );
        let x_end = frozen_end_points(
            &self.potential.frozen(),
            sources,
            &self.scheme(),
            self.side_by_side,
        );
        (draws, x_end)
    }

    /// Critic step `step` of the iteration `begin_stages` drew, as [`Trainer::step`] takes it.
    /// Returns L_D.
    pub fn critic_stage(
        &mut self,
        draws: &IterationDraws,
        x_end: &Tensor<2>,
        step: usize,
    ) -> Tensor<1> {
        let Terminal::Critic(critic) = &mut self.terminal else {
            unreachable!("a walk-through is begun for the critic flow only")
        };
        let batches = CriticBatches {
            draws,
            device: &self.device,
            dtype: self.dtype,
        };
        critic_step(critic, &self.config, x_end, &batches, step)
    }

    /// The generator step of the iteration `begin_stages` drew, which completes it. Returns L_G.
    pub fn generator_stage(&mut self, draws: &IterationDraws) -> Tensor<1> {
        let (b, d) = (self.config.batch_size, self.config.dim);
        let sources = matrix(
            draws.generator_sources.clone(),
            b,
            d,
            &self.device,
            self.dtype,
        );
        let trajectory = rollout(&self.potential, sources, &self.scheme());
        let loss = self.generator_step(trajectory);
        self.iteration += 1;
        loss
    }
}
