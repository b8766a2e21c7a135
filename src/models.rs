//! What a configuration builds: the potential U_θ and the critic φ_ω for its data, and paper B's
//! semi-discrete OT problem towards its target.

use burn::tensor::{DType, Device};

use crate::config::{ConfigError, TrainConfig};
use crate::nn::{Activation, ConvNet, Mlp, Network};
use crate::rng::Rng;
use crate::sdot::{OtSettings, SemiDiscreteOt};

/// Paper B's problem towards `ot_points` fresh data points of the configured target.
pub fn ot_problem(
    config: &TrainConfig,
    device: &Device,
    dtype: DType,
    rng: &mut Rng,
) -> Result<SemiDiscreteOt, ConfigError> {
    let points = config
        .data_pool(config.ot_points, rng)
        .map_err(data_error)?
        .points;
    let settings = OtSettings {
        lambda: config.ot_lambda,
        step: config.ot_step,
        normalise_cost: config.ot_normalise_cost,
    };
    Ok(SemiDiscreteOt::new(
        &points, config.dim, device, dtype, settings,
    ))
}

/// Data that cannot be loaded (the MNIST file), as a configuration error on `dataset`.
pub fn data_error(message: String) -> ConfigError {
    ConfigError {
        field: "dataset",
        message,
    }
}

/// U_θ for the configuration's data: a tanh MLP on [x, t], or for images the paper's conv net
/// with t joined to its features and a ReLU head (docs/method.md §5).
pub fn potential_network(
    config: &TrainConfig,
    rng: &mut Rng,
    device: &Device,
    dtype: DType,
) -> Network {
    match config.dataset.image_side() {
        None => Mlp::glorot(
            config.dim + 1,
            &config.potential_widths,
            Activation::Tanh,
            rng,
            device,
            dtype,
        )
        .into(),
        Some(side) => ConvNet::glorot(side, 1, &config.potential_widths, rng, device, dtype).into(),
    }
}

/// φ_ω for the configuration's data: a ReLU MLP, or for images the paper's conv net.
pub fn critic_network(
    config: &TrainConfig,
    rng: &mut Rng,
    device: &Device,
    dtype: DType,
) -> Network {
    match config.dataset.image_side() {
        None => Mlp::glorot(
            config.dim,
            &config.critic_widths,
            Activation::Relu,
            rng,
            device,
            dtype,
        )
        .into(),
        Some(side) => ConvNet::glorot(side, 0, &config.critic_widths, rng, device, dtype).into(),
    }
}
