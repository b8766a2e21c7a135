//! `w1w2 compare`: paper A's critic terminal cost against paper B's OT terminal cost and paper
//! B's OT generator, on the same data, with each one's preset; writes the JSON lines of every
//! run and a Markdown table (results/ot-comparison.md).

use std::fmt::Write as _;
use std::time::Instant;

use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::run::{Run, Training};

use crate::options::{CompareArgs, Failure};
use crate::train::train;

/// Iterations timed for the iterations/s column, without the evaluations that the training runs
/// interleave.
const TIMED_ITERATIONS: usize = 200;

struct Case {
    dataset: Toy2d,
    method: &'static str,
    config: TrainConfig,
}

impl Case {
    fn name(&self) -> String {
        format!(
            "compare-{}-{}",
            self.dataset.name(),
            self.method.replace(' ', "-")
        )
    }
}

/// The last record of a run, or where it diverged.
struct Outcome {
    last: Option<crate::train::Record>,
    diverged: Option<String>,
    iterations_per_second: f64,
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", args.out.display())))?;
    let cases: Vec<Case> = args
        .datasets
        .iter()
        .flat_map(|&dataset| {
            [
                Case {
                    dataset,
                    method: "critic terminal",
                    config: TrainConfig::paper(dataset, 2),
                },
                Case {
                    dataset,
                    method: "OT terminal",
                    config: TrainConfig::ot_flow(dataset, 2),
                },
                Case {
                    dataset,
                    method: "OT generator",
                    config: TrainConfig::ot_generator(dataset, 2),
                },
            ]
        })
        .collect();
    // One run at a time: the CPU backend already uses every core. Six concurrent runs on two
    // cores had the fastest at 2,000 of 6,000 iterations after 15 minutes.
    let mut outcomes = Vec::new();
    for case in &cases {
        let (last, diverged) = run_case(case, &args)?;
        outcomes.push(Outcome {
            last,
            diverged,
            iterations_per_second: time(&case.config)?,
        });
    }
    let path = args.out.join("ot-comparison.md");
    std::fs::write(&path, table(&cases, &outcomes, &args))
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn run_case(
    case: &Case,
    args: &CompareArgs,
) -> Result<(Option<crate::train::Record>, Option<String>), Failure> {
    let device = burn::tensor::Device::flex();
    let mut lines = String::new();
    let mut last = None;
    let outcome = train(
        case.config.clone(),
        &device,
        args.iterations,
        args.eval_every,
        |record, _, _| {
            eprintln!(
                "[{}] iteration {} W2 {:.4} Sinkhorn {:.2e}",
                case.name(),
                record.iteration,
                record.diagnostics.w2,
                record.diagnostics.sinkhorn.unwrap_or(f64::NAN)
            );
            lines.push_str(
                &serde_json::to_string(record).map_err(|e| Failure::runtime(e.to_string()))?,
            );
            lines.push('\n');
            last = Some(record.clone());
            Ok(())
        },
        |_| {},
    )?;
    let diverged = outcome.err().map(|d| {
        lines.push_str(&format!(
            "{{\"iteration\":{},\"diverged\":true,\"quantity\":\"{}\"}}\n",
            d.iteration, d.quantity
        ));
        d.to_string()
    });
    let path = args.out.join(format!("{}.jsonl", case.name()));
    std::fs::write(&path, lines)
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    Ok((last, diverged))
}

/// Iterations per second of `config` on the CPU, alone on the machine.
fn time(config: &TrainConfig) -> Result<f64, Failure> {
    let mut run = Run::new(config.clone(), &burn::tensor::Device::flex())
        .map_err(|e| Failure::runtime(e.to_string()))?;
    for _ in 0..10 {
        run.step_checked()
            .map_err(|e| Failure::runtime(e.to_string()))?;
    }
    let started = Instant::now();
    for _ in 0..TIMED_ITERATIONS {
        run.step_checked()
            .map_err(|e| Failure::runtime(e.to_string()))?;
    }
    Ok(TIMED_ITERATIONS as f64 / started.elapsed().as_secs_f64())
}

fn table(cases: &[Case], outcomes: &[Outcome], args: &CompareArgs) -> String {
    let datasets: Vec<&str> = args.datasets.iter().map(|d| d.name()).collect();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Terminal costs and generators compared\n\nProduced by `cargo run --release --bin w1w2 -- compare --datasets {} --iterations {} --eval-every {}`: \
         each method with its preset (`TrainConfig::paper`, `ot_flow`, `ot_generator`), d = 2, seed 3; metrics on 2,000 samples vs \
         2,000 held-out data points. Iterations/s: {} iterations of each run alone on one CPU core (flex backend) of this 2-core machine. \
         Kinetic energy and straightness belong to flows; a generator has no paths.\n",
        datasets.join(","),
        args.iterations,
        args.eval_every,
        TIMED_ITERATIONS
    );
    let _ = writeln!(
        text,
        "| data | method | iteration | Sinkhorn | exact W2 | kinetic energy | straightness | divergence / W^λ estimate | iterations/s |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|---|---|---|---|");
    for (case, outcome) in cases.iter().zip(outcomes) {
        if let Some(r) = &outcome.last {
            let d = &r.diagnostics;
            let (energy, straightness) =
                d.flow.as_ref().map_or(("–".into(), "–".into()), |f| {
                    (
                        format!("{:.3}", f.kinetic_energy),
                        format!("{:.3}", f.straightness),
                    )
                });
            let _ = writeln!(
                text,
                "| {} | {} | {} | {:.2e} | {:.3} | {} | {} | {:.3} | {:.1} |",
                case.dataset.name(),
                case.method,
                r.iteration,
                d.sinkhorn.unwrap_or(f64::NAN),
                d.w2,
                energy,
                straightness,
                d.divergence,
                outcome.iterations_per_second
            );
        }
        if let Some(message) = &outcome.diverged {
            let _ = writeln!(
                text,
                "| {} | {} | {message} | | | | | | |",
                case.dataset.name(),
                case.method
            );
        }
    }
    let _ = writeln!(
        text,
        "\nTargets (issue 4): OT generator on 8 gaussians Sinkhorn ≤ 0.05; flow with the OT terminal cost on pinwheel ≤ 0.03."
    );
    text
}
