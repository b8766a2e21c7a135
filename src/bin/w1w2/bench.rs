//! `w1w2 bench`: training iterations per second on the paper's pinwheel runs (2-D and 12-D).
//! A benchmark prints figures; nothing here asserts a speed.

use std::time::Instant;

use serde::Serialize;
use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::toy2d::Toy2d;
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

const WARM_UP: usize = 10;

pub fn run(args: BenchArgs) -> Result<(), Failure> {
    let device = args.backend.device();
    for dim in [2, 12] {
        let config = TrainConfig::paper(Toy2d::Pinwheel, dim);
        let mut trainer = Trainer::new(config, &device).map_err(|e| Failure::runtime(e.to_string()))?;
        let mut timed = |iterations: usize| -> Result<f64, Failure> {
            let started = Instant::now();
            for _ in 0..iterations {
                trainer.step_checked().map_err(|e| Failure::runtime(e.to_string()))?;
            }
            Ok(started.elapsed().as_secs_f64())
        };
        timed(WARM_UP)?;
        let seconds = timed(args.iterations.max(1))?;
        let record = BenchRecord {
            dataset: Toy2d::Pinwheel.name(),
            dim,
            backend: args.backend.name(),
            iterations_per_second: args.iterations.max(1) as f64 / seconds,
            milliseconds_per_iteration: 1e3 * seconds / args.iterations.max(1) as f64,
        };
        if args.json {
            println!("{}", serde_json::to_string(&record).map_err(|e| Failure::runtime(e.to_string()))?);
        } else {
            println!(
                "{} d={:<2} {:<8} {:>7.1} iterations/s  ({:.2} ms each, 5 critic steps + 1 generator step, batch 200)",
                record.dataset, record.dim, record.backend, record.iterations_per_second, record.milliseconds_per_iteration
            );
        }
    }
    Ok(())
}
