//! What a configuration builds: the potential U_θ and the critic φ_ω for its data, and paper B's
//! semi-discrete OT problem towards its target.

use burn::tensor::{DType, Device};

use crate::config::{ConfigError, TrainConfig};
use crate::nn::{Activation, ConvNet, Mlp, Network};
use crate::quadratic::QuadraticCoefficient;
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

/// U_θ for the configuration's data: a tanh MLP on [x, t], or for images a conv net (the
/// configuration's [`TrainConfig::potential_layout`]) with t joined to its features (docs/method.md §5); with
/// `zero_initial_potential` its output layer starts at zero, so U ≡ 0 and the flow starts as the
/// identity map.
pub fn potential_network(
    config: &TrainConfig,
    rng: &mut Rng,
    device: &Device,
    dtype: DType,
) -> Network {
    let network: Network = match config.dataset.image_side() {
        None => Mlp::glorot(
            config.dim + 1,
            &config.potential_widths,
            Activation::Tanh,
            rng,
            device,
            dtype,
        )
        .into(),
        Some(side) => ConvNet::glorot(
            side,
            1,
            &config.potential_layout(),
            &config.potential_widths,
            1,
            rng,
            device,
            dtype,
        )
        .into(),
    };
    if config.zero_initial_potential {
        network.with_zero_output()
    } else {
        network
    }
}

/// Hidden widths of q(t), the coefficient of U's quadratic term: one tanh layer on t.
pub const QUADRATIC_COEFFICIENT_WIDTHS: [usize; 1] = [16];

/// q(t) of U's quadratic term ½·q(t)·|x|² when the configuration asks for one
/// (`quadratic_potential`): q_max·tanh(n(t)), q_max = λ/Δt and n a tanh MLP on t whose output
/// layer starts at zero, so the term starts as 0 and U as [`potential_network`] alone.
pub fn quadratic_coefficient(
    config: &TrainConfig,
    rng: &mut Rng,
    device: &Device,
    dtype: DType,
) -> Option<QuadraticCoefficient> {
    config.quadratic_potential.then(|| {
        let net = Network::from(Mlp::glorot(
            1,
            &QUADRATIC_COEFFICIENT_WIDTHS,
            Activation::Tanh,
            rng,
            device,
            dtype,
        ))
        .with_zero_output();
        QuadraticCoefficient {
            net,
            bound: config.scheme().quadratic_bound(),
        }
    })
}

/// φ_ω for the configuration's data: a ReLU MLP, or for images a conv net of the configuration's
/// [`TrainConfig::critic_layout`].
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
        Some(side) => ConvNet::glorot(
            side,
            0,
            &config.critic_layout(),
            &config.critic_widths,
            1,
            rng,
            device,
            dtype,
        )
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy2d::Toy2d;
    use crate::flow::{Potential, rollout};
    use crate::nn::tensor_io::{matrix, to_f32};

    /// U_θ's end points x_K from a seeded batch in R^3, under `config` but for the initial
    /// potential.
    fn end_points(zero_initial_potential: bool) -> (Vec<f32>, Vec<f32>) {
        let config = TrainConfig {
            zero_initial_potential,
            ..TrainConfig::paper(Toy2d::Moons, 3)
        };
        let device = Device::flex();
        let potential = Potential::network(potential_network(
            &config,
            &mut Rng::new(7),
            &device,
            DType::F32,
        ));
        let start = Rng::new(8).normal_vec(16 * 3);
        let x0 = matrix(start.clone(), 16, 3, &device, DType::F32);
        (
            start,
            to_f32(rollout(&potential, x0, &config.scheme()).end()),
        )
    }

    #[test]
    fn a_zero_initial_potential_starts_the_flow_as_the_identity_map() {
        let (start, end) = end_points(true);
        assert_eq!(start, end);
        let (start, end) = end_points(false);
        let moved = start
            .iter()
            .zip(&end)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(moved > 1e-2, "a Glorot-random U moves no point: {moved}");
    }
}
