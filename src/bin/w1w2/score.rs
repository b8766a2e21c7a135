//! `w1w2 score`: generated points from a CSV file, from this program or any other
//! implementation, scored with `train`'s sample metrics against the held-out data of a run
//! (digits also with the digit score, src/digits/).

use std::path::Path;

use serde::Serialize;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::points::{Rows, parse_rows};
use w1w2_flow::diagnostics::{EvaluationBatch, SampleMetrics, sample_metrics};

use crate::failure::Failure;
use crate::options::ScoreArgs;

/// The JSON line: how many points were scored, in which dimension, and their metrics.
#[derive(Serialize)]
struct Score {
    samples: usize,
    dim: usize,
    #[serde(flatten)]
    metrics: SampleMetrics,
}

pub fn run(args: ScoreArgs) -> Result<(), Failure> {
    let rows = read_samples(&args.samples)?;
    let mut config = TrainConfig::preset(Mode::Flow, TerminalCost::Critic, args.dataset, rows.dim);
    config.seed = args.seed;
    config.validate().map_err(|e| {
        Failure::usage(format!(
            "{}: points of {} coordinates: {e}",
            args.samples.display(),
            rows.dim
        ))
    })?;
    // The held-out batch of `w1w2 train` with this data set, dimension and seed.
    let batch = EvaluationBatch::for_config(&config, config.eval_batch)
        .map_err(|e| Failure::usage(e.to_string()))?
        .first(rows.len());
    let samples = &rows.values[..batch.len * batch.dim];
    let score = Score {
        samples: batch.len,
        dim: batch.dim,
        metrics: sample_metrics(samples, &batch),
    };
    println!(
        "{}",
        serde_json::to_string(&score).map_err(|e| Failure::runtime(e.to_string()))?
    );
    Ok(())
}

fn read_samples(path: &Path) -> Result<Rows, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    parse_rows(&text, None).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}
