//! `w1w2 bench`: training iterations per second on the paper's pinwheel runs (2-D and 12-D), and
//! with `--mnist` on its MNIST run and on the digits preset. On `--backend wgpu` each case runs both iteration paths, burn's
//! operations and the fused kernels (src/fused/), with the dispatches an iteration of the fused
//! one. A benchmark prints figures; nothing here asserts a speed.

use std::time::Instant;

use serde::Serialize;
use w1w2_flow::backend::Backend;
use w1w2_flow::config::ablation;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::Dataset;
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::fused::{self, FusedTrainer};
use w1w2_flow::train::Trainer;
use w1w2_flow::training::Training;

use crate::failure::Failure;
use crate::options::BenchArgs;

#[derive(Serialize)]
struct BenchRecord {
    /// "paper" (the papers' settings), "digits" (the digits preset) or a variant of the ablation
    /// (`config::ablation`) of the standard preset.
    preset: &'static str,
    dataset: &'static str,
    dim: usize,
    batch_size: usize,
    critic_steps: usize,
    backend: &'static str,
    /// "burn" (one kernel an operation) or "fused" (src/fused/).
    path: &'static str,
    iterations_per_second: f64,
    milliseconds_per_iteration: f64,
    /// Whether the losses were read back once at the end (`--queued`, as the page does between
    /// snapshots) instead of after every iteration.
    queued: bool,
    /// Compute dispatches an iteration, where counted (the fused path).
    #[serde(skip_serializing_if = "Option::is_none")]
    dispatches_per_iteration: Option<f64>,
}

pub fn run(args: BenchArgs) -> Result<(), Failure> {
    let opened = args.backend.open().map_err(Failure::runtime)?;
    eprintln!("backend: {}", opened.description);
    let device = opened.device;
    let pinwheel = Dataset::Shape(Toy2d::Pinwheel);
    let mut cases = vec![
        (
            "paper",
            TrainConfig::paper(pinwheel, 2),
            10,
            args.iterations,
        ),
        (
            "paper",
            TrainConfig::paper(pinwheel, 12),
            10,
            args.iterations,
        ),
    ];
    if args.mnist {
        cases.push(("paper", TrainConfig::mnist(), 1, args.mnist_iterations));
    }
    if args.mnist || args.digits {
        cases.push((
            "digits",
            TrainConfig::digits(),
            2,
            4 * args.mnist_iterations,
        ));
    }
    if args.ablation {
        for dim in [2, 12] {
            let standard =
                TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, dim);
            for variant in ablation::VARIANTS {
                cases.push((variant.name, variant.of(&standard), 10, args.iterations));
            }
        }
    }
    for (preset, config, warm_up, iterations) in cases {
        let (dataset, dim) = (config.dataset, config.dim);
        let runtime = |e: String| Failure::runtime(e);
        let burn = Trainer::new(config.clone(), &device).map_err(|e| runtime(e.to_string()))?;
        let mut paths: Vec<(&str, Box<dyn Training>)> = vec![("burn", Box::new(burn))];
        if args.backend == Backend::Wgpu && fused::covers(&config, &device) {
            let fused =
                FusedTrainer::new(config.clone(), &device).map_err(|e| runtime(e.to_string()))?;
            paths.push(("fused", Box::new(fused)));
        }
        for (path, mut run) in paths {
            let mut timed = |iterations: usize| -> Result<(f64, u64), Failure> {
                let dispatches = fused_dispatches(run.as_ref());
                let started = Instant::now();
                for i in 0..iterations {
                    if args.queued && i + 1 < iterations {
                        run.step();
                    } else {
                        run.step_checked()
                            .map_err(|e| Failure::runtime(e.to_string()))?;
                    }
                }
                let seconds = started.elapsed().as_secs_f64();
                Ok((seconds, fused_dispatches(run.as_ref()) - dispatches))
            };
            timed(warm_up)?;
            let iterations = iterations.max(1);
            let (seconds, dispatches) = timed(iterations)?;
            let record = BenchRecord {
                preset,
                dataset: dataset.name(),
                dim,
                batch_size: config.batch_size,
                critic_steps: config.critic_steps,
                backend: args.backend.name(),
                path,
                iterations_per_second: iterations as f64 / seconds,
                milliseconds_per_iteration: 1e3 * seconds / iterations as f64,
                queued: args.queued,
                dispatches_per_iteration: (path == "fused")
                    .then_some(dispatches as f64 / iterations as f64),
            };
            print(&record, args.json)?;
        }
    }
    Ok(())
}

/// The fused trainer's dispatch count, 0 for the burn path (burn does not count its own).
fn fused_dispatches(run: &dyn Training) -> u64 {
    run.dispatches().unwrap_or(0)
}

fn print(record: &BenchRecord, json: bool) -> Result<(), Failure> {
    if json {
        println!(
            "{}",
            serde_json::to_string(record).map_err(|e| Failure::runtime(e.to_string()))?
        );
    } else {
        let dispatches = record
            .dispatches_per_iteration
            .map(|n| format!(", {n} dispatches"))
            .unwrap_or_default();
        println!(
            "{:<8} {} d={:<3} {:<8} {:<5} {:>7.1} iterations/s  ({:.2} ms each{dispatches}, {} critic steps + 1 generator step, batch {})",
            record.preset,
            record.dataset,
            record.dim,
            record.backend,
            record.path,
            record.iterations_per_second,
            record.milliseconds_per_iteration,
            record.critic_steps,
            record.batch_size
        );
    }
    Ok(())
}
