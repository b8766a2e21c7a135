//! The training loop of paper A (docs/method.md §4): per iteration, n_critic steps of the critic φ_ω
//! on L_D, then one step of the potential U_θ on L_G, each with its own Adam.
//!
//! L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²)   (W1 proximal)
//! L_G = mean_b G(x_K) + λ·KE                                                  (W2 proximal)
//!
//! With paper B's OT terminal cost the critic steps become Nψ steps of averaged dual ascent on
//! H_λ(ψ) (docs/method.md §9), and G = ψ^{c,λ}; "L_D" is then −H_λ(ψ) on the last dual batch.
//!
//! This file holds the trainer itself: its construction, [`Trainer::step`], the generator's step
//! on L_G, saving and resuming, and its [`Training`] implementation. The rest of the loop is in
//!
//! * `streams`: the random streams of a run and one iteration's draws ([`IterationDraws`]);
//! * `phases`: the terminal player's phase on the frozen flow (n_critic critic steps on L_D, or
//!   Nψ dual-ascent steps on H_λ(ψ));
//! * `objectives`: L_D and L_G themselves ([`critic_loss`], [`generator_loss`]);
//! * `stages`: an iteration taken stage by stage, for the walk-through.

mod objectives;
mod phases;
mod stages;
mod streams;

use burn::tensor::{DType, Device, Tensor};

pub use objectives::{critic_loss, generator_loss};
pub use streams::IterationDraws;

use crate::config::{BatchStreams, ConfigError, RELEASED_CODE_REPLAY_PERIOD, TrainConfig};
use crate::data::DataPool;
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics, measure_flow};
use crate::flow::{EulerScheme, FlowParts, Potential, Trajectory, rollout};
use crate::losses::{PendingLosses, StepLosses};
use crate::model_file::{
    ModelFileError, PendingModel, PendingPlayer, PlayerState, SavedModel, parameter_count,
};
use crate::models::{
    critic_network, data_error, ot_problem, potential_network, quadratic_coefficient,
};
use crate::nn::Adam;
use crate::nn::readback::Readback;
use crate::nn::tensor_io::matrix;
use crate::parallel::{join, splits_batches};
use crate::rng::Rng;
use crate::sdot::SemiDiscreteOt;
use crate::terminal::{Critic, Terminal};
use crate::training::Training;
use objectives::generator_loss_on;
use phases::{CriticBatches, critic_phase, dual_phase, frozen_end_points};
use streams::Streams;

/// A W1⊕W2 flow and its terminal cost (critic or OT), training on one device.
pub struct Trainer {
    pub config: TrainConfig,
    /// The autodiff device every parameter lives on.
    device: Device,
    dtype: DType,
    pub potential: Potential,
    /// U_θ̄, the running average of U's parameters the flow is sampled from, on the evaluation
    /// device; `None` when `potential_average` is 0 and the flow is sampled from U_θ.
    averaged_potential: Option<Potential>,
    pub terminal: Terminal,
    potential_adam: Adam,
    /// Whether the frozen rollout runs in two halves side by side ([`splits_batches`]).
    side_by_side: bool,
    pub data: DataPool,
    streams: Streams,
    /// Completed iterations.
    pub iteration: usize,
}

impl Trainer {
    /// A trainer on `device` (autodiff is enabled on it here), in f32, with weights and data
    /// drawn from `config.seed`.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self, ConfigError> {
        Self::with_dtype(config, device, DType::F32)
    }

    /// As [`Trainer::new`] with an explicit float dtype (tests use f64 where the backend has it).
    pub fn with_dtype(
        config: TrainConfig,
        device: &Device,
        dtype: DType,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let device = device.clone().autodiff();
        let mut root = Rng::new(config.seed);
        let mut init = root.fork(1);
        let track = |p: Tensor<2>| p.require_grad();
        let net = potential_network(&config, &mut init, &device, dtype);
        let data = config
            .data_pool(config.data_pool, &mut root.fork(2))
            .map_err(data_error)?;
        let terminal = match config.terminal {
            crate::config::TerminalCost::Critic => {
                let critic = critic_network(&config, &mut init, &device, dtype).map(track);
                let shift = config.divergence.has_shift().then(|| {
                    matrix(
                        vec![config.divergence.initial_shift() as f32],
                        1,
                        1,
                        &device,
                        dtype,
                    )
                    .require_grad()
                });
                Terminal::Critic(Critic::new(critic, shift))
            }
            crate::config::TerminalCost::Ot => {
                Terminal::Ot(ot_problem(&config, &device, dtype, &mut root.fork(6))?)
            }
        };
        let potential = Potential {
            net,
            quadratic: quadratic_coefficient(&config, &mut init, &device, dtype),
        }
        .map(track);
        let streams = Streams::new(&mut root);
        let averaged_potential = (config.potential_average > 0.0).then(|| potential.frozen_copy());
        Ok(Self {
            config,
            averaged_potential,
            side_by_side: splits_batches(&device),
            device,
            dtype,
            potential,
            terminal,
            potential_adam: Adam::paper(),
            data,
            streams,
            iteration: 0,
        })
    }

    /// The potential the flow's samples, paths and indicators come from, without autodiff:
    /// U_θ̄ when `potential_average` is set, else U_θ.
    pub fn sampling_potential(&self) -> Potential {
        self.averaged_potential
            .clone()
            .unwrap_or_else(|| self.potential.frozen())
    }

    /// The Euler scheme of the configuration.
    pub fn scheme(&self) -> EulerScheme {
        self.config.scheme()
    }

    /// Every random draw of one iteration, in the order the streams give them (the released
    /// code's streams restart first when the iteration is due). The burn path and the fused
    /// path (src/fused/) both train on these, so that one seed trains both alike.
    pub fn draw(&mut self) -> IterationDraws {
        if self.config.batch_streams == BatchStreams::ReleasedCode
            && self.iteration.is_multiple_of(RELEASED_CODE_REPLAY_PERIOD)
        {
            self.streams.restart_batches();
        }
        let b = self.config.batch_size;
        let (terminal_steps, critic_steps) = match self.terminal {
            Terminal::Critic(_) => (self.config.critic_steps, self.config.critic_steps),
            Terminal::Ot(_) => (self.config.ot_dual_steps, 0),
        };
        let streams = &mut self.streams;
        IterationDraws {
            terminal_sources: self
                .config
                .source_sample(b * terminal_steps, &mut streams.source),
            generator_sources: self.config.source_sample(b, &mut streams.source),
            data: (0..critic_steps)
                .flat_map(|_| self.data.batch(b, &mut streams.batches))
                .collect(),
            interpolation: (0..critic_steps)
                .flat_map(|_| streams.interpolation.uniform_vec(b))
                .collect(),
        }
    }

    /// One iteration: `critic_steps` critic steps (or `ot_dual_steps` dual steps), then one
    /// generator step. Nothing is read back.
    ///
    /// The flow is frozen while the terminal player steps, so its rollouts are one batched
    /// rollout (on a CPU device, two halves side by side); the generator's rollout depends on θ
    /// only, so it is built meanwhile ([`join`]).
    pub fn step(&mut self) -> StepLosses {
        let draws = self.draw();
        let (b, d, scheme) = (self.config.batch_size, self.config.dim, self.scheme());
        let (device, dtype) = (self.device.clone(), self.dtype);
        let eval_device = self.eval_device();
        let rows = |values: &[f32], width: usize| values.len() / width;
        let terminal_sources = matrix(
            draws.terminal_sources.clone(),
            rows(&draws.terminal_sources, d),
            d,
            &eval_device,
            dtype,
        );
        let generator_sources = matrix(draws.generator_sources.clone(), b, d, &device, dtype);
        let side_by_side = self.side_by_side;
        let x_end = frozen_end_points(
            &self.potential.frozen(),
            terminal_sources,
            &scheme,
            side_by_side,
        ); // [steps·B, d]
        let Self {
            config,
            potential,
            terminal,
            ..
        } = self;
        let (critic, trajectory) = join(
            || match terminal {
                Terminal::Critic(critic) => {
                    let batches = CriticBatches {
                        draws: &draws,
                        device: &device,
                        dtype,
                    };
                    critic_phase(critic, config, x_end, batches)
                }
                Terminal::Ot(ot) => dual_phase(ot, config, x_end),
            },
            || rollout(potential, generator_sources, &scheme),
        );
        let generator = self.generator_step(trajectory);
        self.iteration += 1;
        StepLosses { critic, generator }
    }

    /// The state of a model file around `players`: the configuration, the iteration, the
    /// streams.
    pub fn pending_model(&self, players: Vec<PendingPlayer>) -> PendingModel {
        PendingModel {
            config: self.config.clone(),
            iteration: self.iteration,
            streams: self.streams.states(),
            players,
        }
    }

    /// The streams and iteration of `saved`, checked: [`Trainer::resume_at`] takes them.
    pub fn saved_position(saved: &SavedModel) -> Result<([[u64; 4]; 5], usize), ModelFileError> {
        Ok((saved.streams()?, saved.iteration))
    }

    /// Goes on from a saved iteration with the streams as they were there.
    pub fn resume_at(&mut self, (streams, iteration): ([[u64; 4]; 5], usize)) {
        self.streams = Streams::from_states(streams);
        self.iteration = iteration;
    }

    /// One Adam step of U_θ on L_G, back-propagated through all K Euler steps of `trajectory`
    /// (rolled out with θ's graph), then θ̄ one step toward θ. Returns L_G.
    fn generator_step(&mut self, trajectory: Trajectory) -> Tensor<1> {
        let loss = generator_loss_on(
            &self.potential,
            &self.terminal,
            trajectory,
            &self.scheme(),
            &self.config,
        );
        let gradients = loss.backward();
        let updated = self.potential_adam.step(
            self.potential.parameters(),
            &gradients,
            self.config.generator_learning_rate_at(self.iteration),
        );
        self.potential = self.potential.with_parameters(updated);
        self.average_potential();
        loss.inner()
    }

    /// θ̄ ← β·θ̄ + (1 − β)·θ, β = `potential_average`, after each step of θ (nothing without an
    /// average).
    pub(crate) fn average_potential(&mut self) {
        if let Some(average) = &self.averaged_potential {
            self.averaged_potential =
                Some(average.averaged_toward(&self.potential, self.config.potential_average));
        }
    }

    /// θ̄'s parameters queued for a model file, when the flow is sampled from an average.
    pub(crate) fn queue_average(&self, readback: &mut Readback) -> Option<PendingPlayer> {
        self.averaged_potential.as_ref().map(|average| {
            PendingPlayer::queue(AVERAGED_POTENTIAL, average.parameters(), None, readback)
        })
    }

    /// θ̄'s saved state in `saved`, checked against U's size; `None` without an average.
    pub(crate) fn saved_average<'a>(
        &self,
        saved: &'a SavedModel,
    ) -> Result<Option<&'a PlayerState>, ModelFileError> {
        let count = parameter_count(&self.potential.parameters());
        self.averaged_potential
            .as_ref()
            .map(|_| saved.player(AVERAGED_POTENTIAL, count))
            .transpose()
    }

    /// Sets θ̄ to a state [`Trainer::saved_average`] checked.
    pub(crate) fn restore_average(&mut self, saved: Option<&PlayerState>) {
        let (dtype, inner) = (self.dtype, self.eval_device());
        let potential_now = self.potential.parameters();
        if let (Some(average), Some(saved)) = (&mut self.averaged_potential, saved) {
            *average = average.with_parameters(saved.tensors(&potential_now, &inner, dtype));
        }
    }
}

impl Training for Trainer {
    fn config(&self) -> &TrainConfig {
        &self.config
    }

    fn set_config(&mut self, config: TrainConfig) {
        self.config = config;
        let scheme = self.scheme();
        self.potential = self.potential.for_scheme(&scheme);
        self.averaged_potential = self
            .averaged_potential
            .as_ref()
            .map(|average| average.for_scheme(&scheme));
    }

    fn iteration(&self) -> usize {
        self.iteration
    }

    fn eval_device(&self) -> Device {
        self.device.clone().inner()
    }

    fn dtype(&self) -> DType {
        self.dtype
    }

    fn step(&mut self) -> StepLosses {
        Trainer::step(self)
    }

    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        let terminal = (self.terminal.parameters_name(), self.terminal.parameters());
        losses.queue_with(self.potential.parameters(), terminal, readback)
    }

    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        let potential = PendingPlayer::queue(
            "U",
            self.potential.parameters(),
            Some(self.potential_adam.state()),
            readback,
        );
        let terminal = match &self.terminal {
            Terminal::Critic(critic) => PendingPlayer::queue(
                "φ",
                critic.parameters(),
                Some(critic.adam.state()),
                readback,
            ),
            Terminal::Ot(ot) => PendingPlayer::queue("ψ", vec![ot.psi.clone()], None, readback),
        };
        let averaged = self.queue_average(readback);
        self.pending_model([potential, terminal].into_iter().chain(averaged).collect())
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        let (device, dtype, inner) = (self.device.clone(), self.dtype, self.eval_device());
        let potential_now = self.potential.parameters();
        let potential = saved.player("U", parameter_count(&potential_now))?;
        let terminal = match &self.terminal {
            Terminal::Critic(critic) => saved.player("φ", parameter_count(&critic.parameters()))?,
            Terminal::Ot(ot) => saved.player("ψ", ot.len())?,
        };
        let averaged = self.saved_average(saved)?;
        let position = Self::saved_position(saved)?;
        self.restore_average(averaged);
        self.potential = self.potential.with_parameters(potential.tracked_tensors(
            &potential_now,
            &device,
            dtype,
        ));
        self.potential_adam = potential.adam(&self.potential_adam, &inner, dtype);
        match &mut self.terminal {
            Terminal::Critic(critic) => {
                let mut parameters = terminal.tracked_tensors(&critic.parameters(), &device, dtype);
                if critic.shift.is_some() {
                    critic.shift = parameters.pop();
                }
                critic.net = critic.net.with_parameters(parameters);
                critic.adam = terminal.adam(&critic.adam, &inner, dtype);
            }
            Terminal::Ot(ot) => {
                ot.psi = terminal
                    .tensors(std::slice::from_ref(&ot.psi), &inner, dtype)
                    .remove(0)
            }
        }
        self.resume_at(position);
        Ok(())
    }

    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory) {
        measure_flow(
            &self.flow().expect("a flow"),
            &self.config,
            self.iteration,
            batch,
            readback,
        )
    }

    fn end_points(&self, sources: Tensor<2>) -> Tensor<2> {
        rollout(&self.sampling_potential(), sources, &self.scheme()).end()
    }

    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2> {
        self.terminal.potential(x)
    }

    fn ot(&self) -> Option<&SemiDiscreteOt> {
        match &self.terminal {
            Terminal::Ot(ot) => Some(ot),
            Terminal::Critic(_) => None,
        }
    }

    fn flow(&self) -> Option<FlowParts<'_>> {
        Some(FlowParts {
            potential: &self.potential,
            sampling: self.sampling_potential(),
            terminal: &self.terminal,
            scheme: self.scheme(),
        })
    }
}

/// The model file's name for U_θ̄, the running average of U's parameters.
const AVERAGED_POTENTIAL: &str = "Ū";

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::Trainer;
    use crate::config::{BatchStreams, TrainConfig};
    use crate::data::toy2d::Toy2d;
    use crate::nn::tensor_io::to_f64;

    /// With the released code's batch streams, an iteration that is a multiple of 100 draws the
    /// batches of iteration 0 again; other iterations, and independent streams, go on.
    #[test]
    fn released_code_batch_streams_restart_every_hundred_iterations() {
        let next_source_draw = |trainer: &Trainer| trainer.streams.source.clone().next_u64();
        let step_at = |trainer: &mut Trainer, iteration| {
            trainer.iteration = iteration;
            trainer.step();
            (
                next_source_draw(trainer),
                trainer.streams.batches.clone().next_u64(),
            )
        };
        for (streams, restarts) in [
            (BatchStreams::ReleasedCode, true),
            (BatchStreams::Independent, false),
        ] {
            let config = TrainConfig {
                batch_streams: streams,
                ..TrainConfig::paper(Toy2d::Pinwheel, 2)
            };
            let mut trainer = Trainer::new(config, &Device::flex()).unwrap();
            let after_first = step_at(&mut trainer, 0);
            assert_eq!(
                step_at(&mut trainer, 200) == after_first,
                restarts,
                "{streams:?} at iteration 200"
            );
            assert_ne!(
                step_at(&mut trainer, 201),
                after_first,
                "{streams:?} at iteration 201"
            );
        }
    }

    /// U_θ̄ starts at θ₀ and moves once a step, so after two steps with weight β it is
    /// β²·θ₀ + β(1 − β)·θ₁ + (1 − β)·θ₂; with β = 0 the flow is sampled from θ itself.
    #[test]
    fn the_sampled_potential_is_the_running_average_of_u() {
        let flat = |potential: &crate::flow::Potential| -> Vec<f64> {
            potential
                .net
                .parameters()
                .into_iter()
                .flat_map(|p| to_f64(p.inner()))
                .collect()
        };
        let config = |potential_average| TrainConfig {
            potential_average,
            batch_size: 32,
            critic_steps: 1,
            generator_learning_rate: 1e-2,
            ..TrainConfig::paper(Toy2d::Pinwheel, 2)
        };
        let beta = 0.75;
        let mut trainer = Trainer::new(config(beta), &Device::flex()).unwrap();
        let mut thetas = vec![flat(&trainer.potential)];
        for _ in 0..2 {
            trainer.step();
            thetas.push(flat(&trainer.potential));
        }
        let averaged = flat(&trainer.sampling_potential());
        let weights = [beta * beta, beta * (1.0 - beta), 1.0 - beta];
        let mut largest_gap = 0.0_f64;
        for (i, &got) in averaged.iter().enumerate() {
            let expected: f64 = weights.iter().zip(&thetas).map(|(w, t)| w * t[i]).sum();
            assert!(
                (got - expected).abs() < 1e-6,
                "parameter {i}: {got} against {expected}"
            );
            largest_gap = largest_gap.max((got - thetas[2][i]).abs());
        }
        assert!(largest_gap > 1e-3, "θ̄ differs from θ₂ (by {largest_gap})");
        let mut plain = Trainer::new(config(0.0), &Device::flex()).unwrap();
        plain.step();
        assert_eq!(flat(&plain.sampling_potential()), flat(&plain.potential));
    }
}
