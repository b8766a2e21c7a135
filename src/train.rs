//! The training loop of paper A (docs/method.md §4): per iteration, n_critic steps of the critic φ_ω
//! on L_D, then one step of the potential U_θ on L_G, each with its own Adam.
//!
//! L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²)   (W1 proximal)
//! L_G = mean_b G(x_K) + λ·KE                                                  (W2 proximal)
//!
//! With paper B's OT terminal cost the critic steps become Nψ steps of averaged dual ascent on
//! H_λ(ψ) (docs/method.md §9), and G = ψ^{c,λ}; "L_D" is then −H_λ(ψ) on the last dual batch.

use burn::tensor::{DType, Device, Tensor};

use crate::config::{
    BatchStreams, ConfigError, KineticEnergyAt, LogMeanExp, RELEASED_CODE_REPLAY_PERIOD,
    TrainConfig,
};
use crate::data::DataPool;
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics, measure_flow};
use crate::divergence::{gradient_penalty, log_mean_exp_released_code};
use crate::flow::{
    EulerScheme, Potential, Trajectory, kinetic_energy, kinetic_energy_released_code, rollout,
};
use crate::losses::{PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, PendingPlayer, SavedModel, parameter_count};
use crate::models::{critic_network, data_error, ot_problem, potential_network};
use crate::nn::Adam;
use crate::nn::readback::Readback;
use crate::nn::tensor_io::matrix;
use crate::parallel::{join, splits_batches};
use crate::rng::Rng;
use crate::run::Training;
use crate::sdot::SemiDiscreteOt;
use crate::terminal::{Critic, Terminal};

/// The random streams of a run, each independent and fixed by the seed.
struct Streams {
    source: Rng,
    batches: Rng,
    interpolation: Rng,
    /// The source and batch streams as they started, for [`BatchStreams::ReleasedCode`].
    start: (Rng, Rng),
}

impl Streams {
    fn new(root: &mut Rng) -> Self {
        let (source, batches) = (root.fork(3), root.fork(4));
        Self {
            start: (source.clone(), batches.clone()),
            source,
            batches,
            interpolation: root.fork(5),
        }
    }

    /// The streams' states: source, batches, interpolation, then the two starts.
    fn states(&self) -> Vec<[u64; 4]> {
        [
            &self.source,
            &self.batches,
            &self.interpolation,
            &self.start.0,
            &self.start.1,
        ]
        .iter()
        .map(|rng| rng.state())
        .collect()
    }

    /// The streams [`Streams::states`] listed.
    fn from_states([source, batches, interpolation, source0, batches0]: [[u64; 4]; 5]) -> Self {
        Self {
            source: Rng::from_state(source),
            batches: Rng::from_state(batches),
            interpolation: Rng::from_state(interpolation),
            start: (Rng::from_state(source0), Rng::from_state(batches0)),
        }
    }

    /// The source and data batches start their sequence again (the interpolation weights, which
    /// the released code draws from TensorFlow's generator, go on).
    fn restart_batches(&mut self) {
        (self.source, self.batches) = self.start.clone();
    }
}

/// The random draws of one iteration, on the host: every source sample x₀ ~ ρ₀ of the terminal
/// player's steps (`[steps·B, d]`, row-major) and of the generator step (`[B, d]`), and per
/// critic step its data batch y (`[B, d]`) and interpolation weights u (`[B]`), end to end.
pub struct IterationDraws {
    pub terminal_sources: Vec<f32>,
    pub generator_sources: Vec<f32>,
    pub data: Vec<f32>,
    pub interpolation: Vec<f32>,
}

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
        let potential = Potential {
            net: potential_network(&config, &mut init, &device, dtype).map(track),
        };
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
        let streams = Streams::new(&mut root);
        let averaged_potential = (config.potential_average > 0.0).then(|| potential.frozen());
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
        EulerScheme {
            lambda: self.config.lambda,
            t_final: self.config.t_final,
            steps: self.config.steps,
        }
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

    /// The draws of a new iteration and its frozen end points x_K of every critic step's sources,
    /// `[n_critic·B, d]`, for taking the iteration stage by stage ([`crate::walkthrough`]).
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
            self.potential.net.parameters(),
            &gradients,
            self.config.generator_learning_rate,
        );
        self.potential.net = self.potential.net.with_parameters(updated);
        if let Some(average) = &self.averaged_potential {
            self.averaged_potential =
                Some(average.averaged_toward(&self.potential, self.config.potential_average));
        }
        loss.inner()
    }
}

impl Training for Trainer {
    fn config(&self) -> &TrainConfig {
        &self.config
    }

    fn set_config(&mut self, config: TrainConfig) {
        self.config = config;
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
        losses.queue_with(self.potential.net.parameters(), terminal, readback)
    }

    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        let potential = PendingPlayer::queue(
            "U",
            self.potential.net.parameters(),
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
        let averaged = self.averaged_potential.as_ref().map(|average| {
            PendingPlayer::queue(AVERAGED_POTENTIAL, average.net.parameters(), None, readback)
        });
        self.pending_model([potential, terminal].into_iter().chain(averaged).collect())
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        let (device, dtype, inner) = (self.device.clone(), self.dtype, self.eval_device());
        let potential_now = self.potential.net.parameters();
        let potential = saved.player("U", parameter_count(&potential_now))?;
        let terminal = match &self.terminal {
            Terminal::Critic(critic) => saved.player("φ", parameter_count(&critic.parameters()))?,
            Terminal::Ot(ot) => saved.player("ψ", ot.len())?,
        };
        let averaged = self
            .averaged_potential
            .as_ref()
            .map(|_| saved.player(AVERAGED_POTENTIAL, parameter_count(&potential_now)))
            .transpose()?;
        let position = Self::saved_position(saved)?;
        if let (Some(average), Some(saved_average)) = (&mut self.averaged_potential, averaged) {
            average.net =
                average
                    .net
                    .with_parameters(saved_average.tensors(&potential_now, &inner, dtype));
        }
        self.potential.net = self
            .potential
            .net
            .with_parameters(potential.tracked_tensors(&potential_now, &device, dtype));
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
        measure_flow(self, batch, readback)
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

    fn flow(&self) -> Option<&Trainer> {
        Some(self)
    }

    fn flow_mut(&mut self) -> Option<&mut Trainer> {
        Some(self)
    }
}

/// The model file's name for U_θ̄, the running average of U's parameters.
const AVERAGED_POTENTIAL: &str = "Ū";

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
struct CriticBatches<'a> {
    draws: &'a IterationDraws,
    device: &'a Device,
    dtype: DType,
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
fn frozen_end_points(
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
fn critic_phase(
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
fn critic_step(
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
fn dual_phase(ot: &mut SemiDiscreteOt, config: &TrainConfig, x_end: Tensor<2>) -> Tensor<1> {
    let (b, steps) = (config.batch_size, config.ot_dual_steps);
    ot.lambda = config.ot_lambda;
    ot.step = config.ot_step;
    ot.ascend((0..steps).map(|step| x_end.clone().narrow(0, step * b, b)));
    ot.dual_value(x_end.narrow(0, (steps - 1) * b, b)).neg()
}

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
fn generator_loss_on(
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

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device};

    use super::{Trainer, frozen_end_points};
    use crate::config::{BatchStreams, TrainConfig};
    use crate::data::toy2d::Toy2d;
    use crate::nn::tensor_io::{matrix, to_f64};
    use crate::rng::Rng;
    use crate::run::Training;

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
