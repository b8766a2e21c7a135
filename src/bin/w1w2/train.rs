//! `w1w2 train`: one run, metrics as JSON lines.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use w1w2_flow::backend::Opened;
use w1w2_flow::config::TrainConfig;
use w1w2_flow::diagnostics::{Diagnostics, EvaluationBatch};
use w1w2_flow::losses::{Diverged, LossValues};
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;
use w1w2_flow::training::evaluate;

use crate::failure::Failure;
use crate::grid::write_grid;
use crate::options::TrainArgs;
use crate::progress::Progress;
use crate::start::Start;

/// One JSON line: the iteration, the training seconds so far, the last losses, the diagnostics.
#[derive(Clone, Serialize)]
pub struct Record {
    pub iteration: usize,
    /// Seconds spent training (evaluations excluded).
    pub seconds: f64,
    pub critic_loss: Option<f64>,
    pub generator_loss: Option<f64>,
    #[serde(flatten)]
    pub diagnostics: Diagnostics,
}

/// The last line of a run that diverged.
#[derive(Serialize)]
struct DivergedRecord<'a> {
    iteration: usize,
    diverged: bool,
    quantity: &'a str,
    message: String,
}

/// Says on stderr what the run trains on: the backend or adapter, with a warning for a software
/// adapter, and on wgpu whether the fused kernels run the iteration.
fn announce(opened: &Opened, config: &TrainConfig) {
    eprintln!("backend: {}", opened.description);
    if opened.software {
        eprintln!(
            "warning: this adapter is a software one (it runs on the CPU); --backend cpu is faster"
        );
    }
    if opened.description.starts_with("wgpu") {
        match w1w2_flow::fused::refused(config, &opened.device) {
            None => eprintln!("iteration: fused kernels"),
            Some(reason) => eprintln!("iteration: burn operations ({reason})"),
        }
    }
}

pub fn run(args: TrainArgs) -> Result<(), Failure> {
    let start = args.start()?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(create(path)?)),
        None => Box::new(std::io::stdout()),
    };
    let opened = args.backend.open().map_err(Failure::runtime)?;
    if !args.quiet {
        announce(&opened, start.config());
    }
    let device = opened.device;
    let progress = RefCell::new(Progress::new(args.iterations, !args.quiet));
    let outcome = train(
        &start,
        &device,
        args.iterations,
        args.eval_every,
        |record, run, batch| {
            let note = match record.diagnostics.sinkhorn {
                Some(sinkhorn) => {
                    format!("W2 {:.3}  Sinkhorn {sinkhorn:.2e}", record.diagnostics.w2)
                }
                None => format!(
                    "W2 {:.3}  divergence {:.3}",
                    record.diagnostics.w2, record.diagnostics.divergence
                ),
            };
            progress.borrow_mut().note(note);
            if let (Some(folder), Some(side)) =
                (&args.sample_grid, run.config().dataset.image_side())
            {
                write_sample_grid(folder, run, batch, side)?;
            }
            write_json(&mut out, record)
        },
        |done| progress.borrow_mut().update(done),
    )?;
    match outcome {
        Ok((run, batch)) => {
            if let Some(path) = &args.samples {
                write_samples(path, &run, &batch)?;
            }
            if let Some(path) = &args.save {
                std::fs::write(path, run.save().to_bytes()).map_err(|e| {
                    Failure::runtime(format!("cannot write --save {}: {e}", path.display()))
                })?;
            }
            out.flush()
                .map_err(|e| Failure::runtime(format!("cannot write the metrics: {e}")))
        }
        Err(diverged) => {
            let record = DivergedRecord {
                iteration: diverged.iteration,
                diverged: true,
                quantity: diverged.quantity,
                message: diverged.to_string(),
            };
            write_json(&mut out, &record)?;
            out.flush()
                .map_err(|e| Failure::runtime(format!("cannot write the metrics: {e}")))?;
            Err(Failure {
                message: diverged.to_string(),
                exit_code: 3,
            })
        }
    }
}

/// Trains `start` for `iterations`, calling `on_record` (with the run and its evaluation batch) at
/// iteration 0, every `eval_every` iterations and at the end, and `on_step` after every
/// iteration. The inner result is the divergence, if any.
pub fn train(
    start: &Start,
    device: &burn::tensor::Device,
    iterations: usize,
    eval_every: usize,
    mut on_record: impl FnMut(&Record, &Run, &EvaluationBatch) -> Result<(), Failure>,
    mut on_step: impl FnMut(usize),
) -> Result<Result<(Run, EvaluationBatch), Diverged>, Failure> {
    let invalid =
        |e: w1w2_flow::config::ConfigError| Failure::usage(format!("invalid configuration: {e}"));
    let mut run = start.run(device)?;
    let batch =
        EvaluationBatch::for_config(run.config(), run.config().eval_batch).map_err(invalid)?;
    let mut seconds = 0.0;
    let mut losses: Option<LossValues> = None;
    let mut record = |run: &Run,
                      seconds: f64,
                      losses: Option<LossValues>|
     -> Result<Result<(), Diverged>, Failure> {
        let diagnostics = match evaluate(run, &batch) {
            Ok(diagnostics) => diagnostics,
            Err(diverged) => return Ok(Err(diverged)),
        };
        let record = Record {
            iteration: run.iteration(),
            seconds,
            critic_loss: losses.map(|l| l.critic),
            generator_loss: losses.map(|l| l.generator),
            diagnostics,
        };
        on_record(&record, run, &batch)?;
        Ok(Ok(()))
    };
    if let Err(diverged) = record(&run, seconds, losses)? {
        return Ok(Err(diverged));
    }
    for done in 1..=iterations {
        let started = Instant::now();
        let step = run.step_checked();
        seconds += started.elapsed().as_secs_f64();
        match step {
            Ok(values) => losses = Some(values),
            Err(diverged) => return Ok(Err(diverged)),
        }
        on_step(done);
        if (done.is_multiple_of(eval_every) || done == iterations)
            && let Err(diverged) = record(&run, seconds, losses)?
        {
            return Ok(Err(diverged));
        }
    }
    Ok(Ok((run, batch)))
}

fn create(path: &Path) -> Result<File, Failure> {
    File::create(path)
        .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", path.display())))
}

/// One JSON line, flushed at once so that a run can be followed as it goes (`tail -f`).
fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<(), Failure> {
    let line = serde_json::to_string(value).map_err(|e| Failure::runtime(e.to_string()))?;
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(format!("cannot write the metrics: {e}")))
}

/// The samples of the evaluation batch's first 64 sources as `folder/samples-<iteration>.png`.
fn write_sample_grid(
    folder: &Path,
    run: &Run,
    batch: &EvaluationBatch,
    side: usize,
) -> Result<(), Failure> {
    std::fs::create_dir_all(folder)
        .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", folder.display())))?;
    let samples = w1w2_flow::training::samples(run, &batch.first(64));
    write_grid(
        &folder.join(format!("samples-{:06}.png", run.iteration())),
        &samples,
        side,
    )
}

/// The evaluation batch's samples (a flow's end points x_K), one row per sample, d columns.
fn write_samples(path: &Path, run: &Run, batch: &EvaluationBatch) -> Result<(), Failure> {
    let samples = w1w2_flow::training::samples(run, batch);
    let mut file = BufWriter::new(create(path)?);
    let write_error =
        |e: std::io::Error| Failure::runtime(format!("cannot write {}: {e}", path.display()));
    for row in samples.chunks(batch.dim) {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        writeln!(file, "{}", cells.join(",")).map_err(write_error)?;
    }
    file.flush().map_err(write_error)
}
