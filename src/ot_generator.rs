//! Paper B's OT generator (docs/method.md §9): g_θ maps a latent z ~ ζ to data space. Per iteration,
//! Nψ steps of averaged dual ascent on H_λ(ψ) with θ frozen (warm start), then one Adam step of θ
//! on mean_b ψ^{c,λ}(g_θ(z_b)) with ψ frozen, whose gradient is the theorem's
//! E_z[Σ_j χ_j(g_θ(z)) ∂_θ c(g_θ(z), y_j)].

use burn::tensor::{DType, Device, Tensor};

use crate::config::{ConfigError, TrainConfig};
use crate::diagnostics::{EvaluationBatch, PendingDiagnostics, measure_generator};
use crate::flow::{FlowParts, Trajectory};
use crate::losses::{PendingLosses, StepLosses};
use crate::model_file::{ModelFileError, PendingModel, PendingPlayer, SavedModel, parameter_count};
use crate::models::ot_problem;
use crate::nn::readback::Readback;
use crate::nn::tensor_io::matrix;
use crate::nn::{Activation, Adam, Mlp};
use crate::rng::Rng;
use crate::sdot::SemiDiscreteOt;
use crate::training::Training;

/// A generator g_θ and its dual vector ψ, training on one device.
pub struct OtGenerator {
    pub config: TrainConfig,
    /// The autodiff device the generator's weights live on.
    device: Device,
    dtype: DType,
    /// g_θ: R^latent_dim → R^d, ReLU hidden layers.
    pub generator: Mlp,
    pub ot: SemiDiscreteOt,
    adam: Adam,
    latents: Rng,
    /// Completed iterations.
    pub iteration: usize,
}

impl OtGenerator {
    /// A generator on `device` in `dtype`, with weights, data and latents drawn from `config.seed`.
    pub fn with_dtype(
        config: TrainConfig,
        device: &Device,
        dtype: DType,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let device = device.clone().autodiff();
        let mut root = Rng::new(config.seed);
        let generator = Mlp::glorot_map(
            config.latent_dim,
            &config.generator_widths,
            config.dim,
            Activation::Relu,
            &mut root.fork(1),
            &device,
            dtype,
        )
        .map(|p| p.require_grad());
        let ot = ot_problem(&config, &device, dtype, &mut root.fork(6))?;
        let latents = root.fork(3);
        Ok(Self {
            config,
            device,
            dtype,
            generator,
            ot,
            adam: Adam::paper(),
            latents,
            iteration: 0,
        })
    }

    fn latent_batch(&mut self, rows: usize, device: &Device) -> Tensor<2> {
        let dim = self.config.latent_dim;
        matrix(
            self.config.latent.sample(rows, dim, &mut self.latents),
            rows,
            dim,
            device,
            self.dtype,
        )
    }

    /// g_θ(z) with the weights frozen, `[rows, d]`.
    pub fn generate(&self, z: Tensor<2>) -> Tensor<2> {
        self.generator.frozen().forward(z).output
    }

    /// One iteration: Nψ dual steps, then one generator step. Nothing is read back.
    pub fn step(&mut self) -> StepLosses {
        let (b, steps) = (self.config.batch_size, self.config.ot_dual_steps);
        let eval_device = self.eval_device();
        let z = self.latent_batch(b * steps, &eval_device);
        let x = self.generate(z);
        self.ot.lambda = self.config.ot_lambda;
        self.ot.step = self.config.ot_step;
        self.ot
            .ascend((0..steps).map(|step| x.clone().narrow(0, step * b, b)));
        let critic = self.ot.dual_value(x.narrow(0, (steps - 1) * b, b)).neg();

        let device = self.device.clone();
        let z = self.latent_batch(b, &device);
        let loss = self.ot.dual_value(self.generator.forward(z).output); // ψ's mean is constant in θ
        let gradients = loss.backward();
        let updated = self.adam.step(
            self.generator.parameters(),
            &gradients,
            self.config.generator_learning_rate_at(self.iteration),
        );
        self.generator = self.generator.with_parameters(updated);
        self.iteration += 1;
        StepLosses {
            critic,
            generator: loss.inner(),
        }
    }
}

impl Training for OtGenerator {
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
        OtGenerator::step(self)
    }

    /// The losses with the weight sums that reveal a non-finite θ or ψ.
    fn queue_losses(&self, losses: StepLosses, readback: &mut Readback) -> PendingLosses {
        losses.queue_with(
            self.generator.parameters(),
            ("dual vector ψ", vec![self.ot.psi.clone()]),
            readback,
        )
    }

    fn queue_state(&self, readback: &mut Readback) -> PendingModel {
        let generator = PendingPlayer::queue(
            "g",
            self.generator.parameters(),
            Some(self.adam.state()),
            readback,
        );
        let dual = PendingPlayer::queue("ψ", vec![self.ot.psi.clone()], None, readback);
        PendingModel {
            config: self.config.clone(),
            iteration: self.iteration,
            streams: vec![self.latents.state()],
            players: vec![generator, dual],
        }
    }

    fn restore(&mut self, saved: &SavedModel) -> Result<(), ModelFileError> {
        let (device, dtype, inner) = (self.device.clone(), self.dtype, self.eval_device());
        let now = self.generator.parameters();
        let generator = saved.player("g", parameter_count(&now))?;
        let dual = saved.player("ψ", self.ot.len())?;
        let [latents] = saved.streams()?;
        self.generator = self
            .generator
            .with_parameters(generator.tracked_tensors(&now, &device, dtype));
        self.adam = generator.adam(&self.adam, &inner, dtype);
        self.ot.psi = dual
            .tensors(std::slice::from_ref(&self.ot.psi), &inner, dtype)
            .remove(0);
        self.latents = Rng::from_state(latents);
        self.iteration = saved.iteration;
        Ok(())
    }

    fn measure(
        &self,
        batch: &EvaluationBatch,
        readback: &mut Readback,
    ) -> (PendingDiagnostics, Trajectory) {
        let samples = self.generate(batch.sources_on(&self.eval_device(), self.dtype()));
        measure_generator(samples, &self.ot, self.iteration, readback)
    }

    fn end_points(&self, sources: Tensor<2>) -> Tensor<2> {
        self.generate(sources)
    }

    fn terminal_field(&self, x: Tensor<2>) -> Tensor<2> {
        self.ot.transform(x)
    }

    fn ot(&self) -> Option<&SemiDiscreteOt> {
        Some(&self.ot)
    }

    fn flow(&self) -> Option<FlowParts<'_>> {
        None
    }
}
