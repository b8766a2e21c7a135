//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser};
use w1w2_flow::backend::Backend;
use w1w2_flow::config::{LogMeanExp, Mode, Preset, TerminalCost, TrainConfig};
use w1w2_flow::data::Dataset;
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::digits::ClassifierTraining;
use w1w2_flow::divergence::Divergence;
use w1w2_flow::model_file::SavedModel;

use crate::failure::Failure;
use crate::start::Start;

#[derive(Parser)]
#[command(
    name = "w1w2",
    version,
    about = "Train, evaluate and benchmark W1⊕W2 proximal generative flows and OT generators"
)]
pub enum Command {
    /// Train a flow (or an OT generator), writing one JSON object of metrics per line every
    /// --eval-every iterations.
    Train(TrainArgs),
    /// Iterations per second on 2-D and 12-D pinwheel (and with --mnist on MNIST, the paper's run
    /// and the digits preset) with the paper's architectures.
    Bench(BenchArgs),
    /// Run the paper-A reproduction (pinwheel 2-D, 12-D, and W2-only 12-D) and write its table.
    Reproduce(ReproduceArgs),
    /// Compare the critic terminal cost, the OT terminal cost and paper B's OT generator, and
    /// write the table.
    Compare(CompareArgs),
    /// Score generated points from a CSV file (this program's or another implementation's)
    /// with train's sample metrics against the held-out data of a run: one JSON line.
    Score(ScoreArgs),
    /// Train the digit classifier of the digit score on the training split of the digits and
    /// write its file (the one the build ships: src/digits/classifier.w1w2c).
    Classifier(ClassifierArgs),
}

#[derive(Args)]
pub struct TrainArgs {
    /// Data set: pinwheel, moons, 8gaussians, circles, swissroll, 2spirals, checkerboard, or
    /// mnist (the digits in pixel space: the digits preset, or with --preset paper the paper's
    /// MNIST run).
    #[arg(long)]
    pub dataset: Option<Dataset>,
    /// Ambient dimension d (2..=64) of a 2-D shape; without --config, the preset for that d (λ and c_GP depend on d).
    #[arg(long)]
    pub dim: Option<usize>,
    /// flow (paper A) | generator (paper B's OT generator); without --config, that mode's preset.
    #[arg(long)]
    pub mode: Option<Mode>,
    /// The flow's terminal cost: critic (paper A) | ot (paper B's entropic semi-discrete OT).
    #[arg(long)]
    pub terminal: Option<TerminalCost>,
    /// λ of paper B: the entropic regularisation of the OT cost (0 = unregularised).
    #[arg(long)]
    pub ot_lambda: Option<f64>,
    /// standard (for data of any scale) | paper (the papers' exact settings on the data as they
    /// are, for reproducing their tables) | fast (the page's demonstration).
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<Preset>,
    /// The same as --preset paper.
    #[arg(long, conflicts_with_all = ["config", "preset"])]
    pub paper: bool,
    /// Generator iterations.
    #[arg(long, default_value_t = 25_000)]
    pub iterations: usize,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Drop the W1 proximal (the gradient penalty).
    #[arg(long)]
    pub no_w1: bool,
    /// Drop the W2 proximal (the kinetic energy).
    #[arg(long)]
    pub no_w2: bool,
    /// Take the KL critic's log mean e^φ directly, as the released code does, to reproduce its
    /// non-finite blow-ups (config `log_mean_exp: "released-code"`).
    #[arg(long)]
    pub released_log_mean_exp: bool,
    /// kl | w1 | alpha:<α> | reverse-kl | js
    #[arg(long)]
    pub divergence: Option<Divergence>,
    /// λ, the kinetic-energy weight.
    #[arg(long)]
    pub lambda: Option<f64>,
    /// cpu | flex | ndarray | wgpu
    #[arg(long, default_value = "cpu")]
    pub backend: Backend,
    /// A JSON file of TrainConfig fields; flags given on the command line override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, default_value_t = 500)]
    pub eval_every: usize,
    /// Where the JSON lines go (stdout when absent).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the final samples (a flow's x_K) of the evaluation batch as CSV.
    #[arg(long)]
    pub samples: Option<PathBuf>,
    /// For images: a folder for an 8×8 PNG grid of samples at every evaluation
    /// (samples-<iteration>.png).
    #[arg(long)]
    pub sample_grid: Option<PathBuf>,
    /// No progress bar on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Go on training the model in this file (written by --save or by the page's "save"): its
    /// configuration, weights, Adam state, iteration and random streams. The flags that shape a
    /// model do not apply to it.
    #[arg(long, conflicts_with_all = [
        "config", "dataset", "dim", "mode", "terminal", "ot_lambda", "preset", "paper", "seed", "no_w1",
        "no_w2", "released_log_mean_exp", "divergence", "lambda",
    ])]
    pub init: Option<PathBuf>,
    /// Write the trained model to this file at the end (a run that diverged is not written).
    #[arg(long)]
    pub save: Option<PathBuf>,
}

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, default_value = "cpu")]
    pub backend: Backend,
    /// One JSON object per line: dataset, dim, backend, iterations_per_second.
    #[arg(long)]
    pub json: bool,
    /// Timed iterations per pinwheel case (after 10 warm-up iterations).
    #[arg(long, default_value_t = 200)]
    pub iterations: usize,
    /// Also the paper's MNIST run (conv networks in pixel space, batch 200) and the digits
    /// preset (4 × --mnist-iterations of it).
    #[arg(long)]
    pub mnist: bool,
    /// Also the digits preset alone (where the paper's MNIST run is too slow to time).
    #[arg(long)]
    pub digits: bool,
    /// Also paper A's four ablation variants (W1⊕W2, W1 only, W2 only, neither) of the standard
    /// preset on pinwheel, in 2-D and in R^12.
    #[arg(long)]
    pub ablation: bool,
    /// Read the losses back once after the timed iterations, as the page does between
    /// snapshots, instead of after each (which waits for the device every iteration).
    #[arg(long)]
    pub queued: bool,
    /// Timed iterations of the MNIST case (after one warm-up iteration).
    #[arg(long, default_value_t = 5)]
    pub mnist_iterations: usize,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Data sets to compare on, comma-separated.
    #[arg(
        long,
        default_value = "pinwheel,moons,8gaussians,circles,swissroll,2spirals,checkerboard",
        value_delimiter = ','
    )]
    pub datasets: Vec<Toy2d>,
    /// Methods to compare, comma-separated: critic-terminal, OT-terminal, OT-generator, and paper
    /// A's ablation W1-only, W2-only, neither (`ablation`: critic-terminal and those three).
    #[arg(
        long,
        default_value = "critic-terminal,OT-terminal,OT-generator",
        value_delimiter = ','
    )]
    pub methods: Vec<String>,
    /// Seeds, comma-separated, each a number or a range such as 1-5.
    #[arg(long, default_value = "1-5")]
    pub seeds: Seeds,
    /// Ambient dimensions d, comma-separated: each shape embedded in R^d (data in the first two
    /// coordinates), with each method's preset for that d.
    #[arg(long, default_value = "2", value_delimiter = ',')]
    pub dims: Vec<usize>,
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    #[arg(long, default_value_t = 500)]
    pub eval_every: usize,
    /// Runs at a time (set RAYON_NUM_THREADS=1 to give each one core).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// The papers' presets on the data as they are, instead of the presets for any scale.
    #[arg(long)]
    pub paper: bool,
    /// Keep the runs whose JSON lines in --out already reach --iterations (or diverged), and
    /// train only the others: a stopped sweep goes on where it stopped.
    #[arg(long)]
    pub resume: bool,
    /// Folder for the runs' JSON lines and the table (results/ot-comparison.md).
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

/// Seeds, in order.
#[derive(Clone, Debug)]
pub struct Seeds(pub Vec<u64>);

impl std::str::FromStr for Seeds {
    type Err = String;

    /// Seeds from "1-5", "3" or "1,4,9-11".
    fn from_str(text: &str) -> Result<Self, String> {
        let number = |t: &str| {
            t.trim()
                .parse::<u64>()
                .map_err(|_| format!("“{t}” is not a seed (a whole number ≥ 0)"))
        };
        let mut seeds = Vec::new();
        for part in text.split(',') {
            match part.split_once('-') {
                Some((first, last)) => {
                    let (first, last) = (number(first)?, number(last)?);
                    if first > last {
                        return Err(format!("the range {part} is empty"));
                    }
                    seeds.extend(first..=last);
                }
                None => seeds.push(number(part)?),
            }
        }
        Ok(Self(seeds))
    }
}

#[derive(Args)]
pub struct ScoreArgs {
    /// CSV of generated points: one per line, d ≥ 2 numbers, the shape in the first two; or for
    /// mnist 784 pixel values in [0, 1] a line. The first 2,000 are scored (500 digits; all of
    /// them if there are fewer).
    pub samples: PathBuf,
    /// The shape the points imitate, or mnist (then with the digit score).
    #[arg(long, default_value = "pinwheel")]
    pub dataset: Dataset,
    /// The seed of the run whose held-out data they are scored against (train's --seed).
    #[arg(long, default_value_t = 3)]
    pub seed: u64,
}

#[derive(Args)]
pub struct ClassifierArgs {
    /// Where the classifier file goes.
    #[arg(long, default_value = "src/digits/classifier.w1w2c")]
    pub out: PathBuf,
    /// The seed of the initial weights and of the order of the digits.
    #[arg(long, default_value_t = ClassifierTraining::default().seed)]
    pub seed: u64,
    /// Passes over the training split.
    #[arg(long, default_value_t = ClassifierTraining::default().epochs)]
    pub epochs: usize,
    /// Digits an Adam step.
    #[arg(long, default_value_t = ClassifierTraining::default().batch_size)]
    pub batch_size: usize,
    /// Adam's rate.
    #[arg(long, default_value_t = ClassifierTraining::default().learning_rate)]
    pub learning_rate: f64,
}

#[derive(Args)]
pub struct ReproduceArgs {
    #[arg(long, default_value_t = 25_000)]
    pub iterations: usize,
    #[arg(long, default_value_t = 500)]
    pub eval_every: usize,
    /// Folder for the runs' JSON lines and the table (results/reproduction.md).
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

impl TrainArgs {
    /// What training starts from: the model of --init, or the configuration of the flags.
    pub fn start(&self) -> Result<Start, Failure> {
        let Some(path) = &self.init else {
            return Ok(Start::Fresh(self.config()?));
        };
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::usage(format!("cannot read --init {}: {e}", path.display())))?;
        SavedModel::from_bytes(&bytes)
            .map(Start::Saved)
            .map_err(|e| Failure::usage(format!("--init {}: {e}", path.display())))
    }

    /// The configuration: the file (or the paper's preset for --dataset/--dim), then the flags.
    pub fn config(&self) -> Result<TrainConfig, Failure> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::usage(format!("cannot read --config {}: {e}", path.display()))
                })?;
                serde_json::from_str::<TrainConfig>(&text)
                    .map_err(|e| Failure::usage(format!("--config {}: {e}", path.display())))?
            }
            None => {
                let (mode, terminal, dim) = (
                    self.mode.unwrap_or(Mode::Flow),
                    self.terminal.unwrap_or(TerminalCost::Critic),
                    self.dim.unwrap_or(2),
                );
                let dataset = self.dataset.unwrap_or(Dataset::Shape(Toy2d::Pinwheel));
                let preset = match self.paper {
                    true => Preset::Paper,
                    false => self.preset.unwrap_or(Preset::Standard),
                };
                TrainConfig::of_preset(preset, mode, terminal, dataset, dim)
            }
        };
        if let Some(mode) = self.mode {
            config.mode = mode;
        }
        if let Some(terminal) = self.terminal {
            config.terminal = terminal;
        }
        if let Some(ot_lambda) = self.ot_lambda {
            config.ot_lambda = ot_lambda;
        }
        if let Some(dataset) = self.dataset {
            config.dataset = dataset;
        }
        if let Some(dim) = self.dim {
            config.dim = dim;
        }
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(divergence) = self.divergence {
            config.divergence = divergence;
        }
        if let Some(lambda) = self.lambda {
            config.lambda = lambda;
        }
        if self.released_log_mean_exp {
            config.log_mean_exp = LogMeanExp::ReleasedCode;
        }
        config.w1_proximal &= !self.no_w1;
        config.w2_proximal &= !self.no_w2;
        config
            .validate()
            .map_err(|e| Failure::usage(format!("invalid configuration: {e}")))?;
        if self.eval_every == 0 {
            return Err(Failure::usage("--eval-every must be at least 1"));
        }
        if self.sample_grid.is_some() && config.dataset.image_side().is_none() {
            return Err(Failure::usage(
                "--sample-grid draws images; it needs --dataset mnist",
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::Seeds;

    #[test]
    fn seeds_parse_from_numbers_and_ranges() {
        let seeds: Seeds = "1-3,7,10-11".parse().unwrap();
        assert_eq!(seeds.0, [1, 2, 3, 7, 10, 11]);
        assert!("5-2".parse::<Seeds>().unwrap_err().contains("empty"));
        assert!("1,x".parse::<Seeds>().unwrap_err().contains("“x”"));
    }
}
