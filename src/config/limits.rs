//! The range of every setting and [`TrainConfig::validate`], which checks a configuration
//! against them: the one place where a limit lives. The page's controls show the same ranges
//! ([`super::controls`]).

use serde::Serialize;

use super::memory::BUDGET_BYTES;
use super::{BatchStreams, ConfigError, LogMeanExp, Mode, TrainConfig};
use crate::data::Dataset;
use crate::data::frame::Frame;
use crate::data::images::PIXELS;
use crate::divergence::Divergence;
use crate::model_file::sense::MAX_ITERATION;

/// The values a numeric setting may take.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Limit {
    /// Whole numbers from `min` to `max`, both included.
    Count { min: usize, max: usize },
    /// Real numbers from `min` (excluded unless `min_included`) up to `max` (included), or
    /// without an upper bound.
    Real {
        min: f64,
        min_included: bool,
        max: Option<f64>,
    },
}

impl Limit {
    const fn count(min: usize, max: usize) -> Self {
        Self::Count { min, max }
    }

    const fn positive(max: Option<f64>) -> Self {
        Self::Real {
            min: 0.0,
            min_included: false,
            max,
        }
    }

    /// The range in words, as the messages and the page's controls say it.
    pub fn describe(&self) -> String {
        match *self {
            Self::Count { min, max } => format!("between {min} and {max}"),
            Self::Real {
                min,
                min_included,
                max,
            } => match (min_included, max) {
                (false, None) if min == 0.0 => "a positive number".into(),
                (true, None) if min == 0.0 => "zero or positive".into(),
                (false, None) => format!("above {min}"),
                (true, None) => format!("at least {min}"),
                (false, Some(max)) => format!("above {min} and at most {max}"),
                (true, Some(max)) => format!("between {min} and {max}"),
            },
        }
    }

    /// Whether `value` is in the range (a count as a real number, so that a caller can check
    /// either kind).
    pub fn contains(&self, value: f64) -> bool {
        match *self {
            Self::Count { min, max } => {
                value.fract() == 0.0 && (min as f64..=max as f64).contains(&value)
            }
            Self::Real {
                min,
                min_included,
                max,
            } => {
                value.is_finite()
                    && (value > min || (min_included && value == min))
                    && max.is_none_or(|max| value <= max)
            }
        }
    }

    /// `Ok` when `value` is in the range, else the error naming `field`.
    pub fn check(&self, field: &'static str, value: f64) -> Result<(), ConfigError> {
        if self.contains(value) {
            Ok(())
        } else {
            Err(ConfigError {
                field,
                message: format!("must be {}, got {value}", self.describe()),
            })
        }
    }
}

/// The ambient dimension of the 2-D shapes' embeddings (MNIST's is [`PIXELS`]).
pub const DIM: Limit = Limit::count(2, 64);
/// λ, L, T, paper B's step C.
pub const POSITIVE: Limit = Limit::positive(None);
/// c_GP.
pub const GRADIENT_PENALTY: Limit = Limit::Real {
    min: 0.0,
    min_included: true,
    max: None,
};
/// Adam's learning rates.
pub const LEARNING_RATE: Limit = Limit::positive(Some(1.0));
/// The factor of the generator's rate late in a run.
pub const LATE_RATE_FACTOR: Limit = Limit::positive(Some(1.0));
/// An iteration of a run, as a model file can record it.
pub const ITERATION: Limit = Limit::count(0, MAX_ITERATION);
/// K, the Euler steps.
pub const STEPS: Limit = Limit::count(1, 100);
/// Critic steps an iteration.
pub const CRITIC_STEPS: Limit = Limit::count(1, 50);
/// The batch size B.
pub const BATCH_SIZE: Limit = Limit::count(2, 10_000);
/// The evaluation batch.
pub const EVAL_BATCH: Limit = Limit::count(2, 20_000);
/// The data pool batches are drawn from (the paper's 2-D pool is 100,000).
pub const DATA_POOL: Limit = Limit::count(2, 1_000_000);
/// Paper B's entropic λ (0: unregularised).
pub const OT_LAMBDA: Limit = Limit::Real {
    min: 0.0,
    min_included: true,
    max: Some(100.0),
};
/// Paper B's dual steps Nψ an iteration.
pub const OT_DUAL_STEPS: Limit = Limit::count(1, 100);
/// Paper B's J data points.
pub const OT_POINTS: Limit = Limit::count(2, 20_000);
/// The generator's latent dimension.
pub const LATENT_DIM: Limit = Limit::count(1, 64);
/// β of the running average of U's parameters (0: none).
pub const POTENTIAL_AVERAGE: Limit = Limit::Real {
    min: 0.0,
    min_included: true,
    max: Some(0.9999),
};
/// How many points a user may give.
pub const POINTS: Limit = Limit::count(2, 100_000);
/// The largest |coordinate| of a user's point.
pub const COORDINATE_BOUND: f32 = 1e4;
/// Hidden layers of a network.
pub const HIDDEN_LAYERS: Limit = Limit::count(1, 16);
/// The width of a hidden layer.
pub const WIDTH: Limit = Limit::count(1, 1024);
/// The side k of a k×k convolution (odd).
pub const CONV_KERNEL: Limit = Limit::count(1, 9);
/// Conv–ReLU–maxpool blocks of an image network: each halves the side, 28 → 14 → 7; with none
/// the network is a dense one on the pixels.
pub const CONV_BLOCKS: Limit = Limit::count(0, 2);
/// The output channels of a convolution.
pub const CONV_CHANNELS: Limit = Limit::count(1, 64);

impl TrainConfig {
    /// Checks every value against its range; the error names the first one out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |field, message: String| Err(ConfigError { field, message });
        if let Some(points) = &self.points {
            POINTS.check("points", points.len() as f64)?;
            if let Some(bad) = points.iter().position(|p| {
                !p.iter()
                    .all(|v| v.is_finite() && v.abs() <= COORDINATE_BOUND)
            }) {
                return err(
                    "points",
                    format!(
                        "point {} is not a pair of finite numbers within ±{COORDINATE_BOUND}",
                        bad + 1
                    ),
                );
            }
            if self.standardise && Frame::fit(points.as_flattened()).is_none() {
                return err(
                    "points",
                    "all points coincide: a target must have spread to be standardised".into(),
                );
            }
        }
        if self.dataset == Dataset::Mnist {
            if self.dim != PIXELS {
                return err(
                    "dim",
                    format!(
                        "must be {PIXELS} (28×28 pixels) for mnist, got {}",
                        self.dim
                    ),
                );
            }
            if self.points.is_some() || self.mode != Mode::Flow {
                return err(
                    "dataset",
                    "mnist trains paper A's flow (with its critic or paper B's OT cost), on the digits themselves".into(),
                );
            }
        } else {
            DIM.check("dim", self.dim as f64)?;
        }
        for (limit, field, value) in [
            (POSITIVE, "lambda", self.lambda),
            (POSITIVE, "lipschitz", self.lipschitz),
            (GRADIENT_PENALTY, "gradient_penalty", self.gradient_penalty),
            (POSITIVE, "t_final", self.t_final),
            (STEPS, "steps", self.steps as f64),
            (
                LEARNING_RATE,
                "generator_learning_rate",
                self.generator_learning_rate,
            ),
            (
                ITERATION,
                "generator_late_rate_from",
                self.generator_late_rate_from as f64,
            ),
            (
                LATE_RATE_FACTOR,
                "generator_late_rate_factor",
                self.generator_late_rate_factor,
            ),
            (
                LEARNING_RATE,
                "critic_learning_rate",
                self.critic_learning_rate,
            ),
            (CRITIC_STEPS, "critic_steps", self.critic_steps as f64),
            (BATCH_SIZE, "batch_size", self.batch_size as f64),
        ] {
            limit.check(field, value)?;
        }
        for (field, widths) in [
            ("potential_widths", &self.potential_widths),
            ("critic_widths", &self.critic_widths),
            ("generator_widths", &self.generator_widths),
        ] {
            check_widths(field, widths)?;
        }
        check_conv(self.conv_kernel, &self.conv_channels)?;
        if let Divergence::Alpha(alpha) = self.divergence
            && !(alpha > 1.0 && alpha.is_finite())
        {
            return err(
                "divergence",
                format!("alpha must be greater than 1, got {alpha}"),
            );
        }
        if self.log_mean_exp == LogMeanExp::ReleasedCode
            && self.divergence != Divergence::KullbackLeibler
        {
            return err(
                "log_mean_exp",
                format!(
                    "released-code is the KL critic's form; the divergence is {}",
                    self.divergence
                ),
            );
        }
        if self.batch_streams == BatchStreams::ReleasedCode && self.mode != Mode::Flow {
            return err(
                "batch_streams",
                "released-code restarts the flow trainer's batches; this run trains a generator"
                    .to_string(),
            );
        }
        DATA_POOL.check("data_pool", self.data_pool as f64)?;
        if self.data_pool < self.batch_size {
            return err(
                "data_pool",
                format!(
                    "must be at least batch_size ({}), got {}",
                    self.batch_size, self.data_pool
                ),
            );
        }
        for (limit, field, value) in [
            (EVAL_BATCH, "eval_batch", self.eval_batch as f64),
            (OT_LAMBDA, "ot_lambda", self.ot_lambda),
            (OT_DUAL_STEPS, "ot_dual_steps", self.ot_dual_steps as f64),
            (POSITIVE, "ot_step", self.ot_step),
            (OT_POINTS, "ot_points", self.ot_points as f64),
            (LATENT_DIM, "latent_dim", self.latent_dim as f64),
            (
                POTENTIAL_AVERAGE,
                "potential_average",
                self.potential_average,
            ),
        ] {
            limit.check(field, value)?;
        }
        if self.potential_average > 0.0 && self.mode != Mode::Flow {
            return err(
                "potential_average",
                "averages the flow's potential U; this run trains a generator".to_string(),
            );
        }
        if self.quadratic_potential
            && (self.mode != Mode::Flow || self.dataset.image_side().is_some())
        {
            return err(
                "quadratic_potential",
                "adds a quadratic term to the flow's potential U on points; this run has none"
                    .to_string(),
            );
        }
        let bytes = self.estimated_memory_bytes();
        if bytes > BUDGET_BYTES {
            return err(
                "memory",
                format!(
                    "these sizes need about {:.1} GB, more than the {:.0} GB this build plans for ({}): make the batch, the pools, the networks or K smaller",
                    bytes as f64 / 1e9,
                    BUDGET_BYTES as f64 / 1e9,
                    if cfg!(target_arch = "wasm32") {
                        "the page's WebAssembly memory"
                    } else {
                        "a native run"
                    }
                ),
            );
        }
        Ok(())
    }
}

/// A network's hidden widths: [`HIDDEN_LAYERS`] layers, each of a [`WIDTH`].
fn check_widths(field: &'static str, widths: &[usize]) -> Result<(), ConfigError> {
    if HIDDEN_LAYERS.contains(widths.len() as f64)
        && widths.iter().all(|&w| WIDTH.contains(w as f64))
    {
        return Ok(());
    }
    Err(ConfigError {
        field,
        message: format!(
            "must list {} hidden widths, each {}, got {widths:?}",
            HIDDEN_LAYERS.describe(),
            WIDTH.describe()
        ),
    })
}

/// An image network's convolutions: an odd [`CONV_KERNEL`] and [`CONV_BLOCKS`] blocks of
/// [`CONV_CHANNELS`] each.
fn check_conv(kernel: usize, channels: &[usize]) -> Result<(), ConfigError> {
    if !(CONV_KERNEL.contains(kernel as f64) && kernel % 2 == 1) {
        return Err(ConfigError {
            field: "conv_kernel",
            message: format!("must be odd and {}, got {kernel}", CONV_KERNEL.describe()),
        });
    }
    if CONV_BLOCKS.contains(channels.len() as f64)
        && channels.iter().all(|&c| CONV_CHANNELS.contains(c as f64))
    {
        return Ok(());
    }
    Err(ConfigError {
        field: "conv_channels",
        message: format!(
            "must list {} blocks' channels, each {}, got {channels:?}",
            CONV_BLOCKS.describe(),
            CONV_CHANNELS.describe()
        ),
    })
}
