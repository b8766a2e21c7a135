//! `w1w2 compare`: paper A's critic terminal cost against paper B's OT terminal cost and paper
//! B's OT generator, each with its preset, and paper A's ablation of the proximals (W1 only, W2
//! only, neither), on every chosen shape, in every chosen dimension, at every chosen seed; writes
//! the JSON lines of every run and a Markdown table of the median and the worst final figures
//! (results/ot-comparison.md).

use std::fmt::Write as _;
use std::sync::Mutex;

use w1w2_flow::config::ablation::{self, Variant};
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::metrics::exact_w2;
use w1w2_flow::rng::Rng;

use crate::failure::Failure;
use crate::options::CompareArgs;
use crate::start::Start;
use crate::train::train;

/// A method compared: a mode and a terminal cost with its preset, and for the ablation the
/// proximals it keeps (`None`: the preset's).
#[derive(Clone, Copy)]
struct Method {
    name: &'static str,
    mode: Mode,
    terminal: TerminalCost,
    proximals: Option<Variant>,
}

impl Method {
    const fn preset(name: &'static str, mode: Mode, terminal: TerminalCost) -> Self {
        Self {
            name,
            mode,
            terminal,
            proximals: None,
        }
    }

    /// The critic-terminal flow with `variant`'s proximals.
    const fn ablated(variant: Variant) -> Self {
        Self {
            name: variant.name,
            mode: Mode::Flow,
            terminal: TerminalCost::Critic,
            proximals: Some(variant),
        }
    }

    fn slug(&self) -> String {
        slug(self.name)
    }
}

/// A method's name in files and on the command line: "critic terminal" → "critic-terminal".
fn slug(method: &str) -> String {
    method.replace(' ', "-")
}

/// The methods, in the table's order: the critic terminal cost (W1⊕W2) first, the ablation's
/// other three variants last.
const METHODS: [Method; 6] = [
    Method::preset("critic terminal", Mode::Flow, TerminalCost::Critic),
    Method::preset("OT terminal", Mode::Flow, TerminalCost::Ot),
    Method::preset("OT generator", Mode::Generator, TerminalCost::Ot),
    Method::ablated(ablation::VARIANTS[1]),
    Method::ablated(ablation::VARIANTS[2]),
    Method::ablated(ablation::VARIANTS[3]),
];

/// `--methods ablation`: the critic-terminal flow and its three ablated variants.
const ABLATION: &str = "ablation";

/// One run: a method on a shape in R^dim at a seed.
struct Case {
    dataset: Toy2d,
    dim: usize,
    method: &'static str,
    seed: u64,
    config: TrainConfig,
}

/// The methods `--methods` names, in the table's order.
fn chosen_methods(args: &CompareArgs) -> Result<Vec<Method>, Failure> {
    let named = |method: &Method, name: &str| {
        method.slug().eq_ignore_ascii_case(name)
            || (name.eq_ignore_ascii_case(ABLATION)
                && method.mode == Mode::Flow
                && method.terminal == TerminalCost::Critic)
    };
    for name in &args.methods {
        if !METHODS.iter().any(|method| named(method, name)) {
            let known: Vec<String> = METHODS.iter().map(Method::slug).collect();
            return Err(Failure::usage(format!(
                "--methods: unknown method “{name}” (known: {}, or {ABLATION} for the first \
                 and the last three)",
                known.join(", ")
            )));
        }
    }
    Ok(METHODS
        .into_iter()
        .filter(|method| args.methods.iter().any(|name| named(method, name)))
        .collect())
}

impl Case {
    /// The run's file name: `compare-<shape>[-d<dim>]-<method>-seed<seed>` (no dimension in 2-D).
    fn name(&self) -> String {
        let dim = match self.dim {
            2 => String::new(),
            d => format!("-d{d}"),
        };
        format!(
            "compare-{}{dim}-{}-seed{}",
            self.dataset.name(),
            slug(self.method),
            self.seed
        )
    }
}

/// The figures of a run the table needs, read from its JSON lines.
#[derive(Default)]
struct Outcome {
    /// Exact W2 at the first record (iteration 0).
    initial_w2: Option<f64>,
    /// The iteration, exact W2 and Sinkhorn of the last record.
    last_iteration: Option<usize>,
    final_w2: Option<f64>,
    final_sinkhorn: Option<f64>,
    /// The extra coordinates' RMS at T of the last record (d > 2).
    final_extra_rms: Option<f64>,
    /// (iteration, exact W2) of every record, for the band over the last iterations.
    w2_curve: Vec<(usize, f64)>,
    diverged: bool,
}

impl Outcome {
    /// The outcome of a run's JSON lines (as `w1w2 train` writes them); lines that are not
    /// records are skipped.
    fn read(lines: &str) -> Self {
        let mut outcome = Self::default();
        for value in lines
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        {
            if value["diverged"] == true {
                outcome.diverged = true;
                continue;
            }
            let w2 = value["w2"].as_f64();
            if outcome.initial_w2.is_none() {
                outcome.initial_w2 = w2;
            }
            outcome.last_iteration = value["iteration"].as_u64().map(|i| i as usize);
            outcome.final_w2 = w2;
            outcome.final_sinkhorn = value["sinkhorn"].as_f64();
            outcome.final_extra_rms = value["extra_rms"].as_f64();
            if let (Some(iteration), Some(w2)) = (outcome.last_iteration, w2) {
                outcome.w2_curve.push((iteration, w2));
            }
        }
        outcome
    }

    /// Whether the run ended: it reached `iterations` or diverged.
    fn ended(&self, iterations: usize) -> bool {
        self.diverged || self.last_iteration == Some(iterations)
    }

    /// Final exact W2 over initial exact W2.
    fn w2_ratio(&self) -> Option<f64> {
        Some(self.final_w2? / self.initial_w2?)
    }

    /// The share of the initial exact W2 above the sampling floor that remains at the end:
    /// (final − floor) / (initial − floor).
    fn excess_ratio(&self, floor: f64) -> Option<f64> {
        Some((self.final_w2? - floor) / (self.initial_w2? - floor))
    }

    /// The largest exact W2 over the records of the last `window` iterations, over its smallest:
    /// how far a run that reached a shape wanders (1 when it stays).
    fn band(&self, window: usize) -> Option<f64> {
        let last = self.last_iteration?;
        let tail: Vec<f64> = self
            .w2_curve
            .iter()
            .filter(|(iteration, _)| iteration + window >= last)
            .map(|&(_, w2)| w2)
            .collect();
        let (low, high) = tail
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(low, high), &w2| {
                (low.min(w2), high.max(w2))
            });
        (tail.len() > 1).then(|| high / low)
    }
}

pub fn run(args: CompareArgs) -> Result<(), Failure> {
    let methods = chosen_methods(&args)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", args.out.display())))?;
    let preset = |mode, terminal, dataset: Toy2d, dim| {
        if args.paper {
            TrainConfig::paper_preset(mode, terminal, dataset, dim)
        } else {
            TrainConfig::preset(mode, terminal, dataset, dim)
        }
    };
    let mut cases = Vec::new();
    for &dataset in &args.datasets {
        for &dim in &args.dims {
            for method in &methods {
                for &seed in &args.seeds.0 {
                    let preset = TrainConfig {
                        seed,
                        ..preset(method.mode, method.terminal, dataset, dim)
                    };
                    let config = match method.proximals {
                        Some(variant) => variant.of(&preset),
                        None => preset,
                    };
                    config
                        .validate()
                        .map_err(|e| Failure::usage(format!("--dims {dim}: {e}")))?;
                    cases.push(Case {
                        dataset,
                        dim,
                        method: method.name,
                        seed,
                        config,
                    });
                }
            }
        }
    }
    // `--jobs` runs at a time, each taking the next case: with RAYON_NUM_THREADS=1, one a core.
    let next = Mutex::new(0_usize);
    let outcomes: Vec<Mutex<Outcome>> = cases.iter().map(|_| Mutex::default()).collect();
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let index = {
                        let mut next = next.lock().expect("no job panics holding it");
                        *next += 1;
                        *next - 1
                    };
                    let Some(case) = cases.get(index) else { break };
                    match run_case(case, &args) {
                        Ok(outcome) => {
                            *outcomes[index].lock().expect("one writer a case") = outcome
                        }
                        Err(e) => {
                            *failure.lock().expect("no job panics holding it") = Some(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("the jobs have ended") {
        return Err(e);
    }
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| o.into_inner().expect("the jobs have ended"))
        .collect();
    let path = args.out.join("ot-comparison.md");
    std::fs::write(&path, table(&cases, &outcomes, &methods, &args))
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn run_case(case: &Case, args: &CompareArgs) -> Result<Outcome, Failure> {
    let path = args.out.join(format!("{}.jsonl", case.name()));
    if args.resume
        && let Ok(lines) = std::fs::read_to_string(&path)
    {
        let outcome = Outcome::read(&lines);
        if outcome.ended(args.iterations) {
            eprintln!("[{}] kept from {}", case.name(), path.display());
            return Ok(outcome);
        }
    }
    let device = burn::tensor::Device::flex();
    let mut lines = String::new();
    let trained = train(
        &Start::Fresh(case.config.clone()),
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
            Ok(())
        },
        |_| {},
    )?;
    if let Err(d) = trained {
        lines.push_str(&format!(
            "{{\"iteration\":{},\"diverged\":true,\"quantity\":\"{}\"}}\n",
            d.iteration, d.quantity
        ));
    }
    std::fs::write(&path, &lines)
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    Ok(Outcome::read(&lines))
}

/// The sampling floor of exact W2 on `dataset`: the median over `seeds` of W2 between two
/// independent draws of `n` data points, the figure a perfect model scores against `n` held-out
/// points.
fn sampling_floor(dataset: Toy2d, n: usize, seeds: &[u64]) -> Option<f64> {
    let floors = seeds
        .iter()
        .map(|&seed| {
            let mut rng = Rng::new(seed).fork(FLOOR_STREAM);
            let first = dataset.sample(n, &mut rng);
            let second = dataset.sample(n, &mut rng);
            exact_w2(&first, &second, 2)
        })
        .collect();
    median_and_worst(floors).map(|(median, _)| median)
}

/// The iterations at the end of a run over which [`Outcome::band`] measures its wandering.
const BAND_WINDOW: usize = 2000;

/// The random stream of [`sampling_floor`]'s draws, apart from every run's.
const FLOOR_STREAM: u64 = 0xF1_00;

/// The median and the largest of `values` (`None` for none).
fn median_and_worst(mut values: Vec<f64>) -> Option<(f64, f64)> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = match n {
        0 => return None,
        _ if n % 2 == 1 => values[n / 2],
        _ => 0.5 * (values[n / 2 - 1] + values[n / 2]),
    };
    Some((median, values[n - 1]))
}

fn table(cases: &[Case], outcomes: &[Outcome], methods: &[Method], args: &CompareArgs) -> String {
    let datasets: Vec<&str> = args.datasets.iter().map(|d| d.name()).collect();
    let seeds: Vec<String> = args.seeds.0.iter().map(u64::to_string).collect();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Terminal costs and generators compared, over seeds\n\nProduced by `cargo run --release --bin w1w2 -- compare --datasets {} --dims {} --methods {} --seeds {} --iterations {} --eval-every {}{}`: \
         each method with its {} (`TrainConfig::{}`) for the shape embedded in R^d; metrics on 2,000 samples vs 2,000 held-out data points, first two coordinates, in the data's units. \
         Median and worst over the seeds of the final figures; the ratio is final over initial exact W2. \
         The floor is the median exact W2 between two independent draws of as many data points, what a perfect model scores; \
         the excess ratio is (final − floor) / (initial − floor). \
         The band is the largest exact W2 over the smallest among the records of the last {BAND_WINDOW} iterations (1: the run stays where it is); \
         the extra RMS, for d > 2, the largest RMS of the coordinates 3..d at T.\n",
        datasets.join(","),
        args.dims
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(","),
        methods
            .iter()
            .map(Method::slug)
            .collect::<Vec<_>>()
            .join(","),
        seeds.join(","),
        args.iterations,
        args.eval_every,
        if args.paper { " --paper" } else { "" },
        if args.paper {
            "papers' preset on the data as they are"
        } else {
            "preset, trained in the data's standard frame"
        },
        if args.paper { "paper_preset" } else { "preset" },
    );
    let _ = writeln!(
        text,
        "| data | d | method | seeds | W2 floor | initial W2 (median) | final W2 median / worst | W2 ratio median / worst | excess ratio median / worst | band median / worst | extra RMS median / worst | Sinkhorn median / worst | diverged |"
    );
    let _ = writeln!(
        text,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for (&dataset, &dim) in args
        .datasets
        .iter()
        .flat_map(|dataset| args.dims.iter().map(move |dim| (dataset, dim)))
    {
        let eval_batch = cases
            .iter()
            .find(|case| case.dataset == dataset)
            .map_or(0, |case| case.config.eval_batch);
        let floor = sampling_floor(dataset, eval_batch, &args.seeds.0);
        for method in methods.iter().map(|method| method.name) {
            let runs: Vec<&Outcome> = cases
                .iter()
                .zip(outcomes)
                .filter(|(case, _)| {
                    case.dataset == dataset && case.dim == dim && case.method == method
                })
                .map(|(_, outcome)| outcome)
                .collect();
            let of = |figure: &dyn Fn(&Outcome) -> Option<f64>| {
                median_and_worst(runs.iter().filter_map(|o| figure(o)).collect())
            };
            let pair = |figures: Option<(f64, f64)>, digits: usize| {
                figures.map_or("–".to_string(), |(m, w)| {
                    format!("{m:.digits$} / {w:.digits$}")
                })
            };
            let initial = of(&|o| o.initial_w2);
            let final_w2 = of(&|o| o.final_w2);
            let sinkhorn = of(&|o| o.final_sinkhorn);
            let excess = of(&|o| o.excess_ratio(floor?));
            let band = of(&|o| o.band(BAND_WINDOW));
            let extra_rms = of(&|o| o.final_extra_rms);
            let diverged = runs.iter().filter(|o| o.diverged).count();
            let _ = writeln!(
                text,
                "| {} | {dim} | {method} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {diverged} |",
                dataset.name(),
                runs.len(),
                floor.map_or("–".to_string(), |f| format!("{f:.3}")),
                initial.map_or("–".to_string(), |(m, _)| format!("{m:.3}")),
                pair(final_w2, 3),
                pair(of(&Outcome::w2_ratio), 2),
                pair(excess, 2),
                pair(band, 2),
                pair(extra_rms, 3),
                pair(sinkhorn, 4),
            );
        }
    }
    let _ = writeln!(
        text,
        "\nTargets (issues 4 and 18): every run at or below half its initial exact W2; median Sinkhorn of the OT terminal flow on pinwheel ≤ 0.03, of the OT generator on 8 gaussians ≤ 0.05."
    );
    text
}
