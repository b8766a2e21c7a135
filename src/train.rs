//! The training loop of paper A (papers.md §1.4): per iteration, n_critic steps of the critic φ_ω
//! on L_D, then one step of the potential U_θ on L_G, each with its own Adam.
//!
//! L_D = −(mean_b φ(x_K) − Λ_f(φ(y))) + c_GP·mean_b max(0, |∇φ(x̂)|² − L²)   (W1 proximal)
//! L_G = mean_b φ(x_K) + λ·KE                                                  (W2 proximal)

use std::fmt;

use burn::tensor::{DType, Device, Tensor};

use crate::config::{KineticEnergyAt, TrainConfig};
use crate::data::DataPool;
use crate::divergence::gradient_penalty;
use crate::flow::{EulerScheme, Potential, kinetic_energy, kinetic_energy_released_code, rollout};
use crate::nn::readback::{ReadValues, Readback, Slot};
use crate::nn::tensor_io::matrix;
use crate::nn::{Activation, Adam, Mlp};
use crate::rng::Rng;

/// Training stopped because a quantity became NaN or infinite.
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    /// The iteration (1-based) whose step produced the value.
    pub iteration: usize,
    /// What became non-finite, in words.
    pub quantity: &'static str,
}

impl fmt::Display for Diverged {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "diverged at iteration {}: the {} became non-finite", self.iteration, self.quantity)
    }
}

impl std::error::Error for Diverged {}

/// The losses of one iteration, still on the device (reading them back is the caller's choice).
pub struct StepLosses {
    /// L_D of the last critic step, `[1]`.
    pub critic: Tensor<1>,
    /// L_G, `[1]`.
    pub generator: Tensor<1>,
}

/// Where [`StepLosses`] will be in a readback.
pub struct PendingLosses {
    slots: [(&'static str, Slot); 4],
}

impl StepLosses {
    /// Queues the losses onto `readback`, with the sums of `trainer`'s current weights (a sum is
    /// non-finite iff some weight is).
    pub fn queue(self, trainer: &Trainer, readback: &mut Readback) -> PendingLosses {
        let weight_sum = |params: Vec<Tensor<2>>| Tensor::cat(params.into_iter().map(|p| p.inner().sum()).collect(), 0).sum();
        let mut critic_params = trainer.critic.parameters();
        critic_params.extend(trainer.shift());
        PendingLosses {
            slots: [
                ("critic loss L_D", readback.push(self.critic)),
                ("generator loss L_G", readback.push(self.generator)),
                ("potential weights θ", readback.push(weight_sum(trainer.potential.net.parameters()))),
                ("critic weights ω", readback.push(weight_sum(critic_params))),
            ],
        }
    }
}

impl PendingLosses {
    /// The losses, or the first quantity that is not finite, named with `iteration`.
    pub fn check(&self, values: &ReadValues, iteration: usize) -> Result<LossValues, Diverged> {
        for (quantity, slot) in self.slots {
            if !values.scalar(slot).is_finite() {
                return Err(Diverged { iteration, quantity });
            }
        }
        Ok(LossValues { critic: values.scalar(self.slots[0].1), generator: values.scalar(self.slots[1].1) })
    }
}

/// The losses of one iteration, read back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossValues {
    pub critic: f64,
    pub generator: f64,
}

/// The random streams of a run, each independent and fixed by the seed.
struct Streams {
    source: Rng,
    batches: Rng,
    interpolation: Rng,
}

/// A W1⊕W2 flow and its critic, training on one device.
pub struct Trainer {
    pub config: TrainConfig,
    /// The autodiff device every parameter lives on.
    device: Device,
    dtype: DType,
    pub potential: Potential,
    pub critic: Mlp,
    /// ν of Λ_f for divergences written through f*, `[1, 1]`.
    shift: Option<Tensor<2>>,
    potential_adam: Adam,
    critic_adam: Adam,
    pub data: DataPool,
    streams: Streams,
    /// Completed iterations.
    pub iteration: usize,
}

impl Trainer {
    /// A trainer on `device` (autodiff is enabled on it here), in f32, with weights and data
    /// drawn from `config.seed`.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self, crate::config::ConfigError> {
        Self::with_dtype(config, device, DType::F32)
    }

    /// As [`Trainer::new`] with an explicit float dtype (tests use f64 where the backend has it).
    pub fn with_dtype(config: TrainConfig, device: &Device, dtype: DType) -> Result<Self, crate::config::ConfigError> {
        config.validate()?;
        let device = device.clone().autodiff();
        let mut root = Rng::new(config.seed);
        let mut init = root.fork(1);
        let d = config.dim;
        let track = |p: Tensor<2>| p.require_grad();
        let potential = Potential {
            net: Mlp::glorot(d + 1, &config.potential_widths, Activation::Tanh, &mut init, &device, dtype).map(track),
        };
        let critic = Mlp::glorot(d, &config.critic_widths, Activation::Relu, &mut init, &device, dtype).map(track);
        let shift = config
            .divergence
            .has_shift()
            .then(|| matrix(vec![config.divergence.initial_shift() as f32], 1, 1, &device, dtype).require_grad());
        let data = DataPool::for_config(&config, config.data_pool, &mut root.fork(2));
        let streams = Streams { source: root.fork(3), batches: root.fork(4), interpolation: root.fork(5) };
        Ok(Self {
            config,
            device,
            dtype,
            potential,
            critic,
            shift,
            potential_adam: Adam::paper(),
            critic_adam: Adam::paper(),
            data,
            streams,
            iteration: 0,
        })
    }

    /// The Euler scheme of the configuration.
    pub fn scheme(&self) -> EulerScheme {
        EulerScheme { lambda: self.config.lambda, t_final: self.config.t_final, steps: self.config.steps }
    }

    /// The device without autodiff, for evaluation.
    pub fn eval_device(&self) -> Device {
        self.device.clone().inner()
    }

    /// ν of Λ_f, when the divergence has one.
    pub fn shift(&self) -> Option<Tensor<2>> {
        self.shift.clone()
    }

    /// The float dtype of every tensor of the run.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// `rows` samples x₀ ~ N(0, I_d) from the source stream, on `device`.
    fn source_batch(&mut self, rows: usize, device: &Device) -> Tensor<2> {
        let d = self.config.dim;
        matrix(self.streams.source.normal_vec(rows * d), rows, d, device, self.dtype)
    }

    /// One iteration: `critic_steps` critic steps, then one generator step. Nothing is read back.
    pub fn step(&mut self) -> StepLosses {
        let critic = self.critic_phase();
        let generator = self.generator_step();
        self.iteration += 1;
        StepLosses { critic, generator }
    }

    /// [`Trainer::step`], then one readback that fails on the first non-finite quantity.
    pub fn step_checked(&mut self) -> Result<LossValues, Diverged> {
        let mut readback = Readback::default();
        let losses = self.step();
        let pending = losses.queue(self, &mut readback);
        pending.check(&readback.read(), self.iteration)
    }

    /// The critic steps. The flow is frozen meanwhile, so all their rollouts are one batched
    /// rollout without θ-gradients. Returns the last step's L_D (detached).
    fn critic_phase(&mut self) -> Tensor<1> {
        let (b, d, n_critic) = (self.config.batch_size, self.config.dim, self.config.critic_steps);
        let eval_device = self.eval_device();
        let x0 = self.source_batch(b * n_critic, &eval_device);
        let x_end = rollout(&self.potential.frozen(), x0, &self.scheme()).end(); // [n_critic·B, d]
        let mut last_loss = None;
        for step in 0..n_critic {
            let x = x_end.clone().narrow(0, step * b, b).autodiff(); // [B, d], a constant
            let y = matrix(self.data.batch(b, &mut self.streams.batches), b, d, &self.device, self.dtype);
            let loss = self.critic_loss(x, y);
            let gradients = loss.backward();
            let mut parameters = self.critic.parameters();
            parameters.extend(self.shift.clone());
            let mut updated = self.critic_adam.step(parameters, &gradients, self.config.critic_learning_rate);
            if self.shift.is_some() {
                self.shift = updated.pop();
            }
            self.critic = self.critic.with_parameters(updated);
            last_loss = Some(loss.inner());
        }
        last_loss.expect("critic_steps ≥ 1")
    }

    /// L_D on end points x: `[B, d]` and data y: `[B, d]`.
    fn critic_loss(&mut self, x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        let b = self.config.batch_size;
        let phi = self.critic.forward(Tensor::cat(vec![x.clone(), y.clone()], 0)).output; // [2B, 1]
        let phi_x = phi.clone().narrow(0, 0, b);
        let phi_y = phi.narrow(0, b, b);
        let divergence = phi_x.mean().sub(self.config.divergence.data_term(phi_y, self.shift.as_ref()));
        let mut loss = divergence.neg();
        if self.config.w1_proximal {
            let u = matrix(self.streams.interpolation.uniform_vec(b), b, 1, &self.device, self.dtype);
            let x_hat = y.mul(u.clone()).add(x.mul(u.neg().add_scalar(1.0))); // u·y + (1−u)·x
            let pass = self.critic.forward(x_hat);
            let grad_phi = self.critic.input_gradient(&pass);
            loss = loss.add(gradient_penalty(grad_phi, self.config.lipschitz, self.config.gradient_penalty));
        }
        loss
    }

    /// One Adam step of U_θ on L_G, back-propagated through all K Euler steps. Returns L_G.
    fn generator_step(&mut self) -> Tensor<1> {
        let device = self.device.clone();
        let x0 = self.source_batch(self.config.batch_size, &device);
        let loss = generator_loss(&self.potential, &self.critic.frozen(), x0, &self.scheme(), &self.config);
        let gradients = loss.backward();
        let updated = self.potential_adam.step(self.potential.net.parameters(), &gradients, self.config.potential_learning_rate);
        self.potential.net = self.potential.net.with_parameters(updated);
        loss.inner()
    }
}

/// L_G = mean_b φ(x_K) + λ·KE (the KE term only with the W2 proximal), for sources x0: `[B, d]`.
pub fn generator_loss(potential: &Potential, critic: &Mlp, x0: Tensor<2>, scheme: &EulerScheme, config: &TrainConfig) -> Tensor<1> {
    let trajectory = rollout(potential, x0, scheme);
    let terminal = critic.forward(trajectory.end()).output.mean();
    if !config.w2_proximal {
        return terminal;
    }
    let energy = match config.kinetic_energy_at {
        KineticEnergyAt::StepPoints => kinetic_energy(&trajectory, scheme),
        KineticEnergyAt::ReleasedCode => kinetic_energy_released_code(potential, &trajectory, scheme),
    };
    terminal.add(energy.mul_scalar(scheme.lambda))
}
