//! The fused training iteration (docs/method.md §12): paper A's iteration for MLP potentials and
//! critics in a fixed handful of dispatches on the wgpu device, one upload of the iteration's
//! random draws and configuration, and nothing read back.
//!
//! The burn [`Trainer`] it wraps stays the model's view for everything else (evaluation,
//! snapshots, the losses' readback): after every step the packed parameters are copied into its
//! per-layer tensors, on the device, and where the flow is sampled from the average of U's
//! weights, burn's operations move θ̄ toward them (three for each of U's tensors).

use burn::tensor::{DType, Device, Tensor};

use super::config::{BLOCK_WORDS, Block, NetLayout, SEGMENTS_PER_COPY, Slot};
use super::kernel::{Buffer, Gpu, Shader, buffer_of, window};
use super::{Sizes, refused};
use crate::config::{ConfigError, TrainConfig};
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics};
use crate::divergence::Divergence;
use crate::flow::{FlowParts, Trajectory};
use crate::losses::{PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, PendingPlayer, PlayerState, SavedModel};
use crate::models::QUADRATIC_COEFFICIENT_WIDTHS;
use crate::nn::readback::Readback;
use crate::nn::{Adam, Network};
use crate::sdot::SemiDiscreteOt;
use crate::terminal::Terminal;
use crate::train::{IterationDraws, Trainer};
use crate::training::Training;

/// One player's packed parameters and Adam moments on the device, and the burn tensors they are
/// copied into after each step.
struct Player {
    /// The layout of the net: N's for U, whose quadratic term's n follows it in the packed vector.
    layout: NetLayout,
    /// Floats in the packed vector: the net's, then n's for U with a quadratic term.
    packed: usize,
    /// Floats Adam updates: the packed vector, then ν for a critic whose divergence has one.
    count: usize,
    parameters: Buffer,
    first_moment: Buffer,
    second_moment: Buffer,
    /// Blocks (into `copies`) moving the packed vector into burn's tensors, six tensors a block.
    unpack: Vec<(usize, Vec<Buffer>)>,
    /// The longest tensor's length: the invocations a copy dispatch needs.
    longest_tensor: usize,
    /// Adam steps taken (t in the bias corrections 1 − βᵗ).
    steps: i32,
}

/// One iteration's upload: the dispatches' configuration blocks, then the random draws.
struct Upload {
    buffer: Buffer,
    /// Bytes in all.
    total: usize,
    /// Where the draws start.
    draws_at: usize,
}

impl Upload {
    /// Dispatch block `i`.
    fn block(&self, i: usize) -> Buffer {
        let bytes = BLOCK_WORDS * 4;
        window(&self.buffer, i * bytes, bytes, self.total)
    }

    fn draws(&self) -> Buffer {
        window(
            &self.buffer,
            self.draws_at,
            self.total - self.draws_at,
            self.total,
        )
    }
}

/// The per-iteration work buffers.
struct Work {
    x_end: Buffer,
    generator_end: Buffer,
    tape: Buffer,
    scratch: Buffer,
    critic_grads: Buffer,
    potential_grads: Buffer,
    critic_rows: Buffer,
    potential_rows: Buffer,
}

/// Paper A's flow with a critic, trained by the fused kernels.
pub struct FusedTrainer {
    trainer: Trainer,
    gpu: Gpu,
    sizes: Sizes,
    potential: Player,
    critic: Player,
    work: Work,
    /// The copy blocks, uploaded once: packing at construction, unpacking after every step.
    copies: Buffer,
    copy_count: usize,
    /// Distinct stand-ins for a copy block's unused tensors.
    spare: Vec<Buffer>,
}

impl FusedTrainer {
    /// A fused trainer for `config` on `device`, with the same initial weights, data and draws as
    /// the burn [`Trainer`] from the same seed; an error when the config or device is not one the
    /// kernels cover.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self, ConfigError> {
        if let Some(reason) = refused(&config, device) {
            return Err(ConfigError {
                field: "backend",
                message: format!("the fused kernels do not cover this run: {reason}"),
            });
        }
        let gpu = Gpu::of(device).expect("refused() checked the device");
        let trainer = Trainer::with_dtype(config, device, DType::F32)?;
        let sizes = Sizes::of(&trainer.config);
        let (potential_tensors, critic_tensors) = tensors_of(&trainer);
        let potential_layout = NetLayout::of(mlp(&trainer.potential.net));
        let quadratic_layout = trainer
            .potential
            .quadratic
            .as_ref()
            .map(|quadratic| NetLayout::of(mlp(&quadratic.net)));
        let critic_layout = match &trainer.terminal {
            Terminal::Critic(critic) => NetLayout::of(mlp(&critic.net)),
            Terminal::Ot(_) => unreachable!("unsupported() admits only the critic"),
        };
        let segments = |layout: &NetLayout, extra: bool| {
            let mut all = layout.segments();
            if extra {
                all.push((layout.parameters, 1));
            }
            all
        };
        let has_shift = trainer.config.divergence.has_shift();
        let mut potential_segments = segments(&potential_layout, false);
        if let Some(quadratic) = &quadratic_layout {
            let after = potential_layout.parameters;
            potential_segments.extend(quadratic.segments().iter().map(|&(at, n)| (after + at, n)));
        }
        let potential_packed =
            potential_layout.parameters + quadratic_layout.as_ref().map_or(0, |q| q.parameters);
        let chunks = [potential_segments, segments(&critic_layout, has_shift)];
        let base = Block::new(&potential_layout, &critic_layout);
        let mut blocks = Vec::new();
        for chunk_set in &chunks {
            for chunk in chunk_set.chunks(SEGMENTS_PER_COPY) {
                for flag in [0, 1] {
                    let mut block = base.clone();
                    block.set_segments(chunk).set(Slot::Flag, flag);
                    blocks.push(block);
                }
            }
        }
        let copies = gpu.upload_words(&blocks.iter().flat_map(|b| b.0).collect::<Vec<_>>());
        let copy_count = blocks.len();
        let spare = (0..SEGMENTS_PER_COPY).map(|_| gpu.zeros(1)).collect();
        let player = |layout: NetLayout,
                      (packed, count): (usize, usize),
                      tensors: Vec<Buffer>,
                      segments: &[(usize, usize)],
                      first: usize| {
            let unpack = tensors
                .chunks(SEGMENTS_PER_COPY)
                .enumerate()
                .map(|(c, chunk)| (2 * (first + c), chunk.to_vec()))
                .collect();
            let longest_tensor = segments.iter().map(|s| s.1).max().unwrap_or(1);
            Player {
                parameters: gpu.zeros(packed + 1),
                first_moment: gpu.zeros(count),
                second_moment: gpu.zeros(count),
                layout,
                packed,
                count,
                unpack,
                longest_tensor,
                steps: 0,
            }
        };
        let potential_chunks = chunks[0].len().div_ceil(SEGMENTS_PER_COPY);
        let potential = player(
            potential_layout,
            (potential_packed, potential_packed),
            potential_tensors,
            &chunks[0],
            0,
        );
        let critic = player(
            critic_layout.clone(),
            (
                critic_layout.parameters,
                critic_layout.parameters + usize::from(has_shift),
            ),
            critic_tensors,
            &chunks[1],
            potential_chunks,
        );
        let work = Work {
            x_end: gpu.zeros(sizes.critic_rows * sizes.dim),
            generator_end: gpu.zeros(sizes.batch * sizes.dim),
            tape: gpu.zeros(sizes.batch * sizes.steps * sizes.tape_stride),
            scratch: gpu.zeros(sizes.scratch),
            critic_grads: gpu.zeros(2 * sizes.batch * critic_layout.parameters),
            potential_grads: gpu.zeros(sizes.batch * potential_packed),
            critic_rows: gpu.zeros(4 * sizes.batch + 2),
            potential_rows: gpu.zeros(sizes.batch),
        };
        let mut fused = Self {
            trainer,
            gpu,
            sizes,
            potential,
            critic,
            work,
            copies,
            copy_count,
            spare,
        };
        fused.copy(true);
        Ok(fused)
    }

    /// Copies the packed parameters into burn's tensors, or with `pack` the other way.
    fn copy(&mut self, pack: bool) {
        for player in [&self.potential, &self.critic] {
            for (block, tensors) in &player.unpack {
                let block = block + usize::from(pack);
                let cfg = window(
                    &self.copies,
                    block * BLOCK_WORDS * 4,
                    BLOCK_WORDS * 4,
                    self.copy_count * BLOCK_WORDS * 4,
                );
                let mut bound: Vec<&Buffer> = vec![&player.parameters];
                bound.extend(tensors.iter());
                bound.extend(self.spare.iter().take(SEGMENTS_PER_COPY - tensors.len()));
                self.gpu
                    .launch(Shader::CopySegments, player.longest_tensor, &cfg, &bound);
            }
        }
    }

    /// Uploads one iteration's configuration blocks, then its random `draws`: the blocks are
    /// [frozen rollout, generator rollout, (samples, Adam) per critic step, generator samples,
    /// generator Adam]. With `adam` the players' Adam step counts advance.
    fn upload(&mut self, draws: &IterationDraws, adam: bool) -> Upload {
        let (b, d) = (self.sizes.batch, self.sizes.dim);
        let config = &self.trainer.config;
        let (critic_rate, potential_rate) = (
            config.critic_learning_rate,
            config.generator_learning_rate_at(self.trainer.iteration),
        );
        let base = self.base_block();
        let generator_offset = draws.terminal_sources.len();
        let data_offset = generator_offset + draws.generator_sources.len();
        let interpolation_offset = data_offset + draws.data.len();
        let mut blocks = Vec::new();
        let mut frozen = base.clone();
        frozen
            .set(Slot::Rows, self.sizes.critic_rows)
            .set(Slot::Flag, 0);
        blocks.push(frozen);
        let mut generator_rollout = base.clone();
        generator_rollout
            .set(Slot::Rows, b)
            .set(Slot::Flag, 1)
            .set(Slot::SourceOffset, generator_offset);
        blocks.push(generator_rollout);
        let adam_step = |player: &mut Player, rate: f64, critic: bool| {
            let mut block = base.clone();
            if adam {
                adam_block(&mut block, player, rate, critic);
            }
            block
        };
        for step in 0..config.critic_steps {
            let mut sample = base.clone();
            sample
                .set(Slot::StepIndex, step)
                .set(Slot::DataOffset, data_offset + step * b * d)
                .set(Slot::InterpolationOffset, interpolation_offset + step * b)
                .set(Slot::NetParameters, self.critic.packed);
            blocks.push(sample);
            blocks.push(adam_step(&mut self.critic, critic_rate, true));
        }
        let mut generator = base.clone();
        generator.set(Slot::NetParameters, self.potential.packed);
        blocks.push(generator);
        blocks.push(adam_step(&mut self.potential, potential_rate, false));

        let mut words: Vec<u32> = blocks.iter().flat_map(|b| b.0).collect();
        let draws_at = words.len() * 4;
        for values in [
            &draws.terminal_sources,
            &draws.generator_sources,
            &draws.data,
            &draws.interpolation,
        ] {
            words.extend(values.iter().map(|v| v.to_bits()));
        }
        Upload {
            buffer: self.gpu.upload_words(&words),
            total: words.len() * 4,
            draws_at,
        }
    }

    /// The frozen rollout of every critic step's sources and the generator's taped rollout.
    fn launch_rollouts(&mut self, upload: &Upload) {
        let (work, draws) = (&self.work, upload.draws());
        let theta = &self.potential.parameters;
        self.gpu.launch(
            Shader::Rollout,
            self.sizes.critic_rows,
            &upload.block(0),
            &[theta, &draws, &work.x_end, &work.scratch],
        );
        self.gpu.launch(
            Shader::Rollout,
            self.sizes.batch,
            &upload.block(1),
            &[theta, &draws, &work.generator_end, &work.tape],
        );
    }

    /// Critic step `step`: its per-sample gradients and batch weights, then with a `loss` buffer
    /// the reduction and Adam (which writes L_D there).
    fn launch_critic_step(&mut self, upload: &Upload, step: usize, loss: Option<&Buffer>) {
        let (work, critic, draws) = (&self.work, &self.critic, upload.draws());
        let sample = upload.block(2 + 2 * step);
        self.gpu.launch(
            Shader::CriticSample,
            self.sizes.batch,
            &sample,
            &[
                &critic.parameters,
                &draws,
                &work.x_end,
                &work.critic_grads,
                &work.critic_rows,
                &work.scratch,
            ],
        );
        self.gpu.launch(
            Shader::CriticWeights,
            Shader::CriticWeights.workgroup_size() as usize,
            &sample,
            &[&critic.parameters, &work.critic_rows],
        );
        if let Some(loss) = loss {
            self.gpu.launch(
                Shader::ReduceAdam,
                critic.count,
                &upload.block(3 + 2 * step),
                &[
                    &critic.parameters,
                    &critic.first_moment,
                    &critic.second_moment,
                    &work.critic_grads,
                    &work.critic_rows,
                    loss,
                ],
            );
        }
    }

    /// The generator step's per-sample gradients, then with a `loss` buffer the reduction and
    /// Adam (which writes L_G there).
    fn launch_generator_step(&mut self, upload: &Upload, loss: Option<&Buffer>) {
        let (work, potential) = (&self.work, &self.potential);
        let last = 2 + 2 * self.trainer.config.critic_steps;
        self.gpu.launch(
            Shader::GeneratorSample,
            self.sizes.batch,
            &upload.block(last),
            &[
                &potential.parameters,
                &self.critic.parameters,
                &work.generator_end,
                &work.tape,
                &work.potential_grads,
                &work.potential_rows,
                &work.scratch,
            ],
        );
        if let Some(loss) = loss {
            self.gpu.launch(
                Shader::ReduceAdam,
                potential.count,
                &upload.block(last + 1),
                &[
                    &potential.parameters,
                    &potential.first_moment,
                    &potential.second_moment,
                    &work.potential_grads,
                    &work.potential_rows,
                    loss,
                ],
            );
        }
    }

    /// What the fused kernels hand to Adam, at the current parameters and without a step: the
    /// ω-gradient of the next iteration's first critic step (∂L_D/∂ω, then ∂L_D/∂ν when the
    /// divergence has ν) and the θ-gradient of its generator step at the current critic
    /// (∂L_G/∂θ), in the packed order of `Mlp::parameters`. The draws advance as an
    /// iteration's would. For tests against burn's autodiff.
    pub fn gradients(&mut self) -> (Tensor<1>, Tensor<1>) {
        let draws = self.trainer.draw();
        let upload = self.upload(&draws, false);
        self.launch_rollouts(&upload);
        self.launch_critic_step(&upload, 0, None);
        self.launch_generator_step(&upload, None);
        let (b, gpu, work) = (self.sizes.batch, &self.gpu, &self.work);
        let critic_count = self.critic.layout.parameters;
        let per_sample = gpu.tensor(&work.critic_grads, [2 * b, critic_count]);
        let rows = gpu.tensor(&work.critic_rows, [4 * b + 2]);
        let weights = rows.clone().narrow(0, 3 * b, b).reshape([b, 1]);
        let omega = per_sample
            .clone()
            .narrow(0, 0, b)
            .add(per_sample.narrow(0, b, b).mul(weights))
            .sum_dim(0)
            .reshape([critic_count]);
        let omega = if self.trainer.config.divergence.has_shift() {
            Tensor::cat(vec![omega, rows.narrow(0, 4 * b, 1)], 0)
        } else {
            omega
        };
        let potential_count = self.potential.packed;
        let theta = gpu
            .tensor(&work.potential_grads, [b, potential_count])
            .sum_dim(0)
            .reshape([potential_count]);
        (omega, theta)
    }

    /// The block every dispatch of this iteration starts from.
    fn base_block(&self) -> Block {
        let config = &self.trainer.config;
        let mut block = Block::new(&self.potential.layout, &self.critic.layout);
        let (kind, alpha) = match config.divergence {
            Divergence::KullbackLeibler => (0, 0.0),
            Divergence::Wasserstein1 => (1, 0.0),
            Divergence::Alpha(alpha) => (2, alpha),
            Divergence::ReverseKullbackLeibler => (3, 0.0),
            Divergence::JensenShannon => (4, 0.0),
        };
        block
            .set(Slot::Batch, self.sizes.batch)
            .set(Slot::Dim, self.sizes.dim)
            .set(Slot::Steps, self.sizes.steps)
            .set(Slot::Divergence, kind)
            .set(Slot::W1Proximal, usize::from(config.w1_proximal))
            .set(Slot::W2Proximal, usize::from(config.w2_proximal))
            .set(Slot::HasShift, usize::from(config.divergence.has_shift()))
            .set(Slot::TapeStride, self.sizes.tape_stride)
            .set(Slot::ScratchStride, self.sizes.scratch_stride)
            .set_scalar(Slot::Dt, config.dt())
            .set_scalar(Slot::Lambda, config.lambda)
            .set_scalar(Slot::Lipschitz, config.lipschitz)
            .set_scalar(Slot::PenaltyWeight, config.gradient_penalty)
            .set_scalar(Slot::Alpha, alpha);
        if let Some(quadratic) = &self.trainer.potential.quadratic {
            block
                .set(Slot::QuadraticAt, self.potential.layout.parameters)
                .set(Slot::QuadraticWidth, QUADRATIC_COEFFICIENT_WIDTHS[0])
                .set_scalar(Slot::QuadraticBound, quadratic.bound);
        }
        block
    }
}

impl Player {
    /// Adam's step count and, from the first step on, its moments as `[1, count]` tensors.
    fn adam_state(&self, gpu: &Gpu) -> (i32, Option<(Tensor<2>, Tensor<2>)>) {
        let moments = (self.steps > 0).then(|| {
            (
                gpu.tensor(&self.first_moment, [1, self.count]),
                gpu.tensor(&self.second_moment, [1, self.count]),
            )
        });
        (self.steps, moments)
    }

    /// Takes a saved player's packed parameters, moments and step count.
    fn resume(&mut self, gpu: &Gpu, saved: &PlayerState) {
        let mut packed = saved.parameters.clone();
        packed.resize(self.packed + 1, 0.0);
        self.parameters = gpu.upload_f32(&packed);
        let moment = |values: &[f32]| match values.is_empty() {
            true => gpu.zeros(self.count),
            false => gpu.upload_f32(values),
        };
        (self.first_moment, self.second_moment) =
            (moment(&saved.first_moment), moment(&saved.second_moment));
        self.steps = saved.adam_steps;
    }
}

/// Sets an Adam block for `player`'s next step at `learning_rate` (β and ε as [`Adam::paper`]).
fn adam_block(block: &mut Block, player: &mut Player, learning_rate: f64, critic: bool) {
    let (beta1, beta2, epsilon) = Adam::PAPER;
    player.steps += 1;
    let correction1 = 1.0 - beta1.powi(player.steps);
    let correction2 = 1.0 - beta2.powi(player.steps);
    block
        .set(Slot::Flag, usize::from(critic))
        .set(Slot::ParameterCount, player.count)
        .set(Slot::NetParameters, player.packed)
        .set_scalar(Slot::StepSize, learning_rate / correction1)
        .set_scalar(Slot::Beta1, beta1)
        .set_scalar(Slot::Beta2, beta2)
        .set_scalar(Slot::Epsilon, epsilon)
        .set_scalar(Slot::Correction2, correction2);
}

impl Training for FusedTrainer {
    fn config(&self) -> &TrainConfig {
        &self.trainer.config
    }

    fn set_config(&mut self, config: TrainConfig) {
        self.trainer.set_config(config);
    }

    fn iteration(&self) -> usize {
        self.trainer.iteration
    }

    fn eval_device(&self) -> Device {
        self.trainer.eval_device()
    }

    fn dtype(&self) -> DType {
        DType::F32
    }

    /// One iteration in `4 + 3·n_critic` kernel launches plus the copies into burn's tensors:
    /// the two rollouts (2), per critic step its samples, its batch weights and its reduction
    /// with Adam (3·n_critic), then the generator's samples and its reduction with Adam (2). The
    /// copies are one launch per six of a player's parameter tensors (a weight and a bias a
    /// layer, and ν where the divergence has one): two a player at the paper's sizes (four layers
    /// each), so 4 + 3·5 + 4 = 23 launches an iteration with n_critic = 5, as
    /// [`Training::dispatches`] counts them.
    fn step(&mut self) -> StepLosses {
        let draws = self.trainer.draw();
        let upload = self.upload(&draws, true);
        let critic_loss = self.gpu.zeros(1);
        let generator_loss = self.gpu.zeros(1);
        self.launch_rollouts(&upload);
        for step in 0..self.trainer.config.critic_steps {
            self.launch_critic_step(&upload, step, Some(&critic_loss));
        }
        self.launch_generator_step(&upload, Some(&generator_loss));
        self.copy(false);
        self.trainer.average_potential();
        self.trainer.iteration += 1;
        StepLosses {
            critic: self.gpu.tensor(&critic_loss, [1]),
            generator: self.gpu.tensor(&generator_loss, [1]),
        }
    }

    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        self.trainer.queue_losses(losses, readback)
    }

    /// The burn tensors hold the parameters (unpacked after every step); the moments are read
    /// from the packed buffers, in the same order as the burn path's Adam.
    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        let critic = match &self.trainer.terminal {
            Terminal::Critic(critic) => critic.parameters(),
            Terminal::Ot(_) => unreachable!("unsupported() admits only the critic"),
        };
        let players = [
            PendingPlayer::queue(
                "U",
                self.trainer.potential.parameters(),
                Some(self.potential.adam_state(&self.gpu)),
                readback,
            ),
            PendingPlayer::queue(
                "φ",
                critic,
                Some(self.critic.adam_state(&self.gpu)),
                readback,
            ),
        ];
        let averaged = self.trainer.queue_average(readback);
        self.trainer
            .pending_model(players.into_iter().chain(averaged).collect())
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        let potential = saved.player("U", self.potential.count)?;
        let critic = saved.player("φ", self.critic.count)?;
        let averaged = self.trainer.saved_average(saved)?;
        let position = Trainer::saved_position(saved)?;
        self.potential.resume(&self.gpu, potential);
        self.critic.resume(&self.gpu, critic);
        self.copy(false);
        self.trainer.restore_average(averaged);
        self.trainer.resume_at(position);
        Ok(())
    }

    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory) {
        self.trainer.measure(batch, readback)
    }

    fn end_points(&self, sources: Tensor<2>) -> Tensor<2> {
        self.trainer.end_points(sources)
    }

    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2> {
        self.trainer.terminal_field(x)
    }

    fn ot(&self) -> Option<&SemiDiscreteOt> {
        None
    }

    fn flow(&self) -> Option<FlowParts<'_>> {
        self.trainer.flow()
    }

    fn fused(&self) -> bool {
        true
    }

    fn dispatches(&self) -> Option<u64> {
        Some(self.gpu.dispatches)
    }
}

/// The MLP of a network the fused kernels cover.
fn mlp(network: &Network) -> &crate::nn::Mlp {
    match network {
        Network::Dense(mlp) => mlp,
        Network::Conv(_) => unreachable!("unsupported() admits only MLPs"),
    }
}

/// The buffers of the trainer's per-layer tensors: U's (N's, then n's), then φ's with ν last.
fn tensors_of(trainer: &Trainer) -> (Vec<Buffer>, Vec<Buffer>) {
    let potential = trainer
        .potential
        .parameters()
        .iter()
        .map(buffer_of)
        .collect();
    let critic = match &trainer.terminal {
        Terminal::Critic(critic) => critic.parameters().iter().map(buffer_of).collect(),
        Terminal::Ot(_) => Vec::new(),
    };
    (potential, critic)
}
