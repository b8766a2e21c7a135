//! One iteration of the critic flow taken stage by stage, for the page's walk-through: the
//! n_critic steps of the critic φ_ω on L_D (the W1 proximal), then the step of the potential U_θ on
//! L_G = mean φ(x_K) + λ·KE through the Euler steps (the W2 proximal). Every stage can be undone.
//! Taken to its end, a walk-through trains exactly as [`Trainer::step`] would have.

use burn::tensor::{Device, Tensor};

use crate::config::TerminalCost;
use crate::diagnostics::first_two;
use crate::model_file::SavedModel;
use crate::nn::tensor_io::{scalar, to_f32};
use crate::train::{IterationDraws, Trainer};
use crate::training::Training;

/// A stage of an iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Critic step `step` (from 0) of the iteration's n_critic.
    Critic { step: usize },
    /// The generator step, which completes the iteration.
    Generator,
}

/// What a stage used and gave, for drawing: points in the data's units, first two coordinates.
pub struct StageView {
    pub stage: Stage,
    /// For a critic step the frozen flow's end points x_K it scored, for the generator step the
    /// sources x₀ it rolled out, `[B, 2]`.
    pub samples: Vec<f32>,
    /// The critic step's data batch y, `[B, 2]` (empty for the generator step).
    pub data: Vec<f32>,
    /// The stage's loss: L_D or L_G.
    pub loss: f64,
}

/// An iteration under way, stage by stage.
pub struct Walkthrough {
    draws: IterationDraws,
    /// The frozen flow's end points of every critic step's sources, `[n_critic·B, d]`.
    x_end: Tensor<2>,
    /// The model before each stage taken, to go back to.
    before: Vec<SavedModel>,
}

impl Walkthrough {
    /// Why `trainer` cannot be walked through, if it cannot: the walk-through covers the critic
    /// flow on 2-D points (or points in R^d), on the CPU, where a stage's samples are read back at
    /// once.
    pub fn refused(trainer: &Trainer) -> Option<&'static str> {
        let config = trainer.config();
        if config.terminal != TerminalCost::Critic {
            Some("the walk-through shows the critic flow's iteration; this run has the OT cost")
        } else if config.dataset.image_side().is_some() {
            Some("the walk-through draws points in the plane; images have no plane")
        } else if trainer.eval_device() != Device::flex() {
            Some("the walk-through runs on the CPU backend (backend = cpu)")
        } else {
            None
        }
    }

    /// Draws a new iteration of `trainer` (which [`Walkthrough::refused`] admits) and rolls out
    /// its frozen flow.
    pub fn begin(trainer: &mut Trainer) -> Self {
        let (draws, x_end) = trainer.begin_stages();
        Self {
            draws,
            x_end,
            before: Vec::new(),
        }
    }

    /// The stage taken next, or `None` once the iteration is complete.
    pub fn next(&self, trainer: &Trainer) -> Option<Stage> {
        let taken = self.before.len();
        let critic_steps = trainer.config().critic_steps;
        match taken.cmp(&critic_steps) {
            std::cmp::Ordering::Less => Some(Stage::Critic { step: taken }),
            std::cmp::Ordering::Equal => Some(Stage::Generator),
            std::cmp::Ordering::Greater => None,
        }
    }

    /// The stage last taken, if any.
    pub fn last(&self, trainer: &Trainer) -> Option<Stage> {
        let critic_steps = trainer.config().critic_steps;
        match self.before.len() {
            0 => None,
            taken if taken <= critic_steps => Some(Stage::Critic { step: taken - 1 }),
            _ => Some(Stage::Generator),
        }
    }

    /// Takes the next stage; `None` once the iteration is complete.
    pub fn forward(&mut self, trainer: &mut Trainer) -> Option<StageView> {
        let stage = self.next(trainer)?;
        self.before.push(trainer.save());
        let (b, d) = (trainer.config().batch_size, trainer.config().dim);
        let frame = trainer.config().frame();
        let in_data = |points: &[f32]| first_two(&frame.in_data(points, d), d);
        Some(match stage {
            Stage::Critic { step } => {
                let loss = trainer.critic_stage(&self.draws, &self.x_end, step);
                let x = to_f32(self.x_end.clone().narrow(0, step * b, b));
                StageView {
                    stage,
                    samples: in_data(&x),
                    data: in_data(&self.draws.data[step * b * d..(step + 1) * b * d]),
                    loss: scalar(loss),
                }
            }
            Stage::Generator => {
                let loss = trainer.generator_stage(&self.draws);
                StageView {
                    stage,
                    samples: in_data(&self.draws.generator_sources),
                    data: Vec::new(),
                    loss: scalar(loss),
                }
            }
        })
    }

    /// Undoes the stage last taken; false when none was.
    pub fn back(&mut self, trainer: &mut Trainer) -> bool {
        let Some(before) = self.before.pop() else {
            return false;
        };
        trainer
            .restore(&before)
            .expect("a state saved from this run fits it");
        true
    }
}
