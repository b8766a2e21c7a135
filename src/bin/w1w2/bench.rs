//! `w1w2 bench`: training iterations per second on the paper's pinwheel runs (2-D and 12-D), and
//! with `--mnist` on its MNIST run. A benchmark prints figures; nothing here asserts a speed.

use std::time::Instant;

use serde::Serialize;
use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::Dataset;
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::run::Training;
use w1w2_flow::train::Trainer;

use crate::options::{BenchArgs, Failure};

#[derive(Serialize)]
struct BenchRecord {
    dataset: &'static str,
    dim: usize,
    backend: &'static str,
    iterations_per_second: f64,
    milliseconds_per_iteration: f64,
}

pub fn run(args: BenchArgs) -> Result<(), Failure> {
    let device = args.backend.device();
    let mut cases = vec![
        (Dataset::Shape(Toy2d::Pinwheel), 2, 10, args.iterations),
        (Dataset::Shape(Toy2d::Pinwheel), 12, 10, args.iterations),
    ];
    if args.mnist {
        cases.push((Dataset::Mnist, 784, 1, args.mnist_iterations));
    }
    for (dataset, dim, warm_up, iterations) in cases {
        let config = TrainConfig::paper(dataset, dim);
        let mut trainer =
            Trainer::new(config, &device).map_err(|e| Failure::runtime(e.to_string()))?;
        let mut timed = |iterations: usize| -> Result<f64, Failure> {
            let started = Instant::now();
            for _ in 0..iterations {
                trainer
                    .step_checked()
                    .map_err(|e| Failure::runtime(e.to_string()))?;
            }
            Ok(started.elapsed().as_secs_f64())
        };
        timed(warm_up)?;
        let iterations = iterations.max(1);
        let seconds = timed(iterations)?;
        let record = BenchRecord {
            dataset: dataset.name(),
            dim,
            backend: args.backend.name(),
            iterations_per_second: iterations as f64 / seconds,
            milliseconds_per_iteration: 1e3 * seconds / iterations as f64,
        };
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&record).map_err(|e| Failure::runtime(e.to_string()))?
            );
        } else {
            println!(
                "{} d={:<3} {:<8} {:>7.1} iterations/s  ({:.2} ms each, 5 critic steps + 1 generator step, batch 200)",
                record.dataset,
                record.dim,
                record.backend,
                record.iterations_per_second,
                record.milliseconds_per_iteration
            );
        }
    }
    Ok(())
}
