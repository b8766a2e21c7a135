//! Every hyperparameter of a run and its presets, with the paper's defaults (docs/method.md §5);
//! the ranges [`TrainConfig::validate`] enforces are in [`limits`], the memory it holds a run to
//! in [`memory`], the page's controls in [`controls`], paper A's ablation of the proximals in
//! [`ablation`].

pub mod ablation;
pub mod controls;
pub mod limits;
pub mod memory;

use serde::{Deserialize, Serialize};

use crate::data::frame::Frame;
use crate::data::images::PIXELS;
use crate::data::toy2d::Toy2d;
use crate::data::{DataPool, Dataset};
use crate::divergence::Divergence;
use crate::flow::EulerScheme;
use crate::names::named;
use crate::nn::{Activation, ConvLayout};
use crate::rng::Rng;

/// Where the kinetic energy is evaluated (docs/method.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum KineticEnergyAt {
    /// At (x_k, t_k), the points whose velocity the Euler step uses: the method as written.
    StepPoints,
    /// At (sg(x_{k+1}), t_k), as the released code does; only for reproducing it.
    ReleasedCode,
}

named!(KineticEnergyAt, [StepPoints => "step-points", ReleasedCode => "released-code"]);

/// How the DV-KL critic loss takes log mean e^φ over the data (docs/method.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum LogMeanExp {
    /// As a log-sum-exp shifted by the batch's max: finite for any finite φ.
    Stable,
    /// Directly, as the released code does; only for reproducing its blow-ups, since e^φ
    /// overflows f32 past φ ≈ 88.7 and every e^φ underflows to 0 below φ ≈ −103.
    ReleasedCode,
}

named!(LogMeanExp, [Stable => "stable", ReleasedCode => "released-code"]);

/// How the streams of source and data batches run (docs/method.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum BatchStreams {
    /// Independent streams, never restarted: every batch is new.
    Independent,
    /// Both restarted every [`RELEASED_CODE_REPLAY_PERIOD`] iterations, as in the released code,
    /// whose evaluation reseeds numpy's global generator that draws every batch; the same
    /// sequence of batches then recurs all run. Only for reproducing the released code.
    ReleasedCode,
}

named!(BatchStreams, [Independent => "independent", ReleasedCode => "released-code"]);

/// The released code evaluates, and so restarts its batch stream, every 100 iterations.
pub const RELEASED_CODE_REPLAY_PERIOD: usize = 100;

/// What is trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Mode {
    /// Paper A's flow: particles from N(0, I_d) pushed along −∇ₓU_θ/λ.
    Flow,
    /// Paper B's generator: a map g_θ from a latent law to data space, trained on the
    /// semi-discrete OT cost.
    Generator,
}

named!(Mode, [Flow => "flow", Generator => "generator"]);

/// The flow's terminal cost: what scores where the particles end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum TerminalCost {
    /// Paper A: a critic φ_ω estimating a Lipschitz-regularised f-divergence.
    Critic,
    /// Paper B: the entropic semi-discrete OT cost W_c^λ to the data, no discriminator.
    Ot,
}

named!(TerminalCost, [Critic => "critic", Ot => "ot"]);

/// A family of settings: what [`TrainConfig::of_preset`] builds for a mode, terminal cost, data
/// set and dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Preset {
    /// [`TrainConfig::preset`]: for data of any scale.
    Standard,
    /// [`TrainConfig::paper_preset`]: the papers' settings on the data as they are.
    Paper,
    /// [`TrainConfig::fast_preset`]: the page's demonstration, a shape within seconds.
    Fast,
}

named!(Preset, [Standard => "standard", Paper => "paper", Fast => "fast"]);

/// The generator's latent law ζ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Latent {
    /// N(0, I).
    Gaussian,
    /// U[−1, 1]^n.
    Uniform,
}

named!(Latent, [Gaussian => "gaussian", Uniform => "uniform"]);

impl Latent {
    /// `rows` latent samples z ~ ζ of dimension `dim`, row-major.
    pub fn sample(self, rows: usize, dim: usize, rng: &mut Rng) -> Vec<f32> {
        match self {
            Self::Gaussian => rng.normal_vec(rows * dim),
            Self::Uniform => rng
                .uniform_vec(rows * dim)
                .into_iter()
                .map(|u| 2.0 * u - 1.0)
                .collect(),
        }
    }
}

/// A training run's configuration. Field names are the CLI's and the page's URL keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// What is trained: paper A's flow or paper B's generator.
    pub mode: Mode,
    /// The flow's terminal cost (flow mode only).
    pub terminal: TerminalCost,
    /// The target data set.
    pub dataset: Dataset,
    /// The user's own 2-D points (drawn in the page or read from a CSV); when given they are the
    /// target instead of `dataset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<[f32; 2]>>,
    /// Train in the target's standard frame ([`Frame`], docs/method.md §13): a 2-D target
    /// centred and scaled to unit variance per coordinate, the source's, so that the presets
    /// reach data of any scale; every point shown or scored is mapped back. Off in the paper's
    /// presets, which train on the data as they are. Images are always trained as they are.
    pub standardise: bool,
    /// U_θ starts at U ≡ 0 (its output layer zero), so v = −∇ₓU/λ = 0 and the flow starts as
    /// the identity map x_K = x_0, with no initial transport to undo (docs/method.md §13). Off
    /// in the paper's presets, whose U starts Glorot-random throughout.
    pub zero_initial_potential: bool,
    /// Ambient dimension d: the 2-D shapes live in the first two coordinates and the source is
    /// N(0, I_d); MNIST digits have d = 784 pixels and the source is U[0, 0.5]^d.
    pub dim: usize,
    /// The W1 proximal: the gradient penalty keeping |∇φ| ≤ L.
    pub w1_proximal: bool,
    /// The W2 proximal: the kinetic-energy penalty λ·KE.
    pub w2_proximal: bool,
    /// The f-divergence the critic estimates.
    pub divergence: Divergence,
    /// λ: kinetic-energy weight; velocities are −∇ₓU/λ.
    pub lambda: f64,
    /// L: the Lipschitz bound of the critic.
    pub lipschitz: f64,
    /// c_GP: weight of the one-sided gradient penalty.
    pub gradient_penalty: f64,
    /// T: the flow's final time.
    pub t_final: f64,
    /// K: Euler steps (Δt = T/K).
    pub steps: usize,
    /// Adam learning rate of the generator, the side of the game that makes the samples: the
    /// flow's potential U_θ, or paper B's map g_θ. Read also as `potential_learning_rate`.
    #[serde(alias = "potential_learning_rate")]
    pub generator_learning_rate: f64,
    /// The iteration from which the generator steps at `generator_learning_rate` times
    /// `generator_late_rate_factor` ([`TrainConfig::generator_learning_rate_at`]).
    pub generator_late_rate_from: usize,
    /// The factor, in (0, 1], of the generator's rate from iteration `generator_late_rate_from`
    /// on; 1 keeps one rate throughout.
    pub generator_late_rate_factor: f64,
    /// Adam learning rate of the critic φ_ω.
    pub critic_learning_rate: f64,
    /// Critic steps per generator step.
    pub critic_steps: usize,
    /// Batch size B of every step.
    pub batch_size: usize,
    /// Hidden widths of U_θ (tanh).
    pub potential_widths: Vec<usize>,
    /// Hidden widths of φ_ω (ReLU).
    pub critic_widths: Vec<usize>,
    /// Images only: the side k of every k×k convolution of U_θ and φ_ω (odd).
    pub conv_kernel: usize,
    /// Images only: the output channels of each conv–σ–maxpool block of U_θ and φ_ω, one entry
    /// a block (none: dense networks on the pixels).
    pub conv_channels: Vec<usize>,
    /// Images only: σ of U_θ's blocks and head, relu (the paper's) or tanh, whose gradient field
    /// −∇ₓU/λ depends smoothly on every pixel (φ_ω keeps ReLU).
    pub image_potential_activation: Activation,
    /// Where the kinetic energy is evaluated.
    pub kinetic_energy_at: KineticEnergyAt,
    /// How the KL critic loss takes log mean e^φ(y).
    pub log_mean_exp: LogMeanExp,
    /// Whether the source and data batches are ever repeated.
    pub batch_streams: BatchStreams,
    /// The seed of every random stream.
    pub seed: u64,
    /// Size of the data pool batches are drawn from.
    pub data_pool: usize,
    /// Size of the fixed evaluation batch (source samples and held-out data).
    pub eval_batch: usize,
    /// λ of paper B: the entropic regularisation of the OT cost (0: unregularised).
    pub ot_lambda: f64,
    /// Nψ: dual ascent steps per generator step.
    pub ot_dual_steps: usize,
    /// C of the dual ascent step C/√k (per unit of relative mass error).
    pub ot_step: f64,
    /// J: the number of data points ν is the empirical measure of; it bounds how close to fresh
    /// data a fit can score (docs/method.md §9).
    pub ot_points: usize,
    /// Divide the OT cost by the data's mean squared norm.
    pub ot_normalise_cost: bool,
    /// The generator's latent law.
    pub latent: Latent,
    /// The generator's latent dimension.
    pub latent_dim: usize,
    /// Hidden widths of the generator g_θ (ReLU).
    pub generator_widths: Vec<usize>,
    /// β of the running average of U's parameters, θ̄ ← β·θ̄ + (1 − β)·θ after every step of θ
    /// (from θ̄ = θ at the start): the flow's samples, paths and indicators are U_θ̄'s, which
    /// smooths out how θ wanders in its game with the terminal player; 0 samples U_θ itself
    /// (flow mode only; docs/method.md §13).
    pub potential_average: f64,
    /// U gains an exact quadratic term, U_θ(x, t) = N(x, t) + ½·q(t)·|x|² with
    /// q = (λ/Δt)·tanh(n(t)), n a small network of t that starts at 0, so that a contraction of
    /// every coordinate at once takes none of N's units and no Euler step of it crosses the plane
    /// x = 0 (flow mode on points only; docs/method.md §15, src/quadratic.rs).
    pub quadratic_potential: bool,
}

impl Default for TrainConfig {
    /// The paper's 2-D pinwheel run.
    fn default() -> Self {
        Self {
            dataset: Dataset::Shape(Toy2d::Pinwheel),
            points: None,
            standardise: false,
            zero_initial_potential: false,
            dim: 2,
            w1_proximal: true,
            w2_proximal: true,
            divergence: Divergence::KullbackLeibler,
            lambda: 0.5,
            lipschitz: 1.0,
            gradient_penalty: 0.1,
            t_final: 1.0,
            steps: 5,
            generator_learning_rate: 1e-4,
            generator_late_rate_from: 0,
            generator_late_rate_factor: 1.0,
            critic_learning_rate: 2e-5,
            critic_steps: 5,
            batch_size: 200,
            potential_widths: vec![48; 5],
            critic_widths: vec![48; 3],
            conv_kernel: ConvLayout::paper().kernel,
            conv_channels: ConvLayout::paper().channels,
            image_potential_activation: ConvLayout::paper().activation,
            kinetic_energy_at: KineticEnergyAt::StepPoints,
            log_mean_exp: LogMeanExp::Stable,
            batch_streams: BatchStreams::Independent,
            seed: 3,
            data_pool: 100_000,
            eval_batch: 2000,
            mode: Mode::Flow,
            terminal: TerminalCost::Critic,
            ot_lambda: 0.01,
            ot_dual_steps: 10,
            ot_step: 0.005,
            ot_points: 2000,
            ot_normalise_cost: false,
            latent: Latent::Gaussian,
            latent_dim: 2,
            generator_widths: vec![128; 3],
            potential_average: 0.0,
            quadratic_potential: false,
        }
    }
}

/// The learning rates of U_θ and φ_ω in the paper's MNIST run, five times its 2-D ones: the
/// critic flow's preset takes them (docs/method.md §13 has what they change).
pub const FAST_RATES: (f64, f64) = (5e-4, 1e-4);

/// The fast demonstration's learning rates of U_θ and φ_ω: four times [`FAST_RATES`].
pub const FAST_DEMO_RATES: (f64, f64) = (2e-3, 4e-4);

/// The fast demonstration's critic steps an iteration (the papers' 5; docs/method.md §13 has the
/// sweep that chose it).
pub const FAST_DEMO_CRITIC_STEPS: usize = 3;

/// β of the running average of U's weights the fast demonstration is sampled from: at its rates
/// the picture reaches a shape within seconds and then, drawn from U_θ, wanders (the 2-D moons
/// at 0.5–1.0 from 300 iterations on); drawn from θ̄, which spans about 100 steps of θ, it settles
/// (results/settle/README.md).
pub const FAST_DEMO_POTENTIAL_AVERAGE: f64 = 0.99;

/// The OT-terminal flow's dual step C in its preset: four times the paper settings' 0.005, which
/// lag a flow started at rest, and below the generator's 0.05, whose noise leaves cells empty
/// (docs/method.md §13).
pub const OT_FLOW_STEP: f64 = 0.02;

/// The OT-terminal flow's rate of U in its preset: five times the paper settings' 1e-4, which
/// leave the shapes near the source short of their data after 1,000 iterations; sampled from θ
/// itself a faster U makes the flow wander (docs/method.md §13).
pub const OT_FLOW_RATE: f64 = 5e-4;

/// The critic flow's gradient-penalty weight c_GP for a shape embedded in R^d (d > 2), in its
/// preset: a hundred times the paper's 0.01. The data lie on a plane, so a critic may grow a ridge
/// around it as steep as the penalty lets it; at 0.01 its slope at the samples is about 5L and the
/// flow chases the ridge instead of the shape, at 1 it stays near L (docs/method.md §15).
pub const EMBEDDED_GRADIENT_PENALTY: f64 = 1.0;

/// The critic flow's rates of U_θ and φ_ω for a shape embedded in R^d (d > 2), in its preset:
/// twice and four times [`FAST_RATES`]. Sampled from the average of U's weights
/// ([`EMBEDDED_POTENTIAL_AVERAGE`]) the faster game settles; the shape inside the plane is
/// learned only once the extra coordinates have collapsed, and at [`FAST_RATES`] it is still
/// 0.25 from the 12-D pinwheel after 10,000 iterations (docs/method.md §15).
pub const EMBEDDED_RATES: (f64, f64) = (1e-3, 4e-4);

/// Above this dimension the critic flow's preset slows U after a fast start
/// ([`WIDE_EMBEDDING_FAST_START`], [`WIDE_EMBEDDING_LATE_RATE_FACTOR`]). In R^64 U at
/// [`EMBEDDED_RATES`]' 1e-3 throughout lets moons blow up by 1,000–1,500 iterations (speed 74–720 against
/// the bound L·T/λ = 15.7), while U at 3e-4 or slower from the start leaves pinwheel's samples in a
/// blob at the shape's centre, where φ is flat along the plane (results/embedded/rate/README.md).
/// Up to R^24 one rate learns every shape (results/embedded/bounded/README.md), and
/// tests/scale.rs measures R^32 at it; between 32 and 64 nothing is measured.
pub const WIDE_EMBEDDING_DIM: usize = 32;

/// The iterations U steps at [`EMBEDDED_RATES`]' rate in R^d, d > [`WIDE_EMBEDDING_DIM`], before
/// it slows: long enough to collapse the extra coordinates and spread the samples along the
/// plane while φ still slopes along it.
pub const WIDE_EMBEDDING_FAST_START: usize = 500;

/// The factor of U's rate after [`WIDE_EMBEDDING_FAST_START`] in R^d, d > [`WIDE_EMBEDDING_DIM`]:
/// 1e-3 → 3e-4, which holds R^64 moons below the speed bound (results/embedded/rate/README.md).
pub const WIDE_EMBEDDING_LATE_RATE_FACTOR: f64 = 0.3;

/// β of the running average of U's weights the critic flow's preset in R^d (d > 2) is sampled
/// from: the flow–critic game wanders there as the OT-terminal flow's does ([`OT_FLOW_POTENTIAL_AVERAGE`]).
pub const EMBEDDED_POTENTIAL_AVERAGE: f64 = 0.99;

/// How many times the distance of a source point to the data's plane, √(d − 2) on average, the
/// critic flow's preset lets a path cover: it takes λ ≤ L·T / (margin·√(d − 2)), since the
/// terminal critic moves a particle at most L·T/λ (docs/method.md §15).
pub const EMBEDDED_REACH_MARGIN: f64 = 2.0;

/// Hidden units of U_θ per coordinate in the critic flow's preset for a shape embedded in R^d
/// (d > 2): its widths are max(48, this·d). U must contract the d − 2 coordinates off the plane
/// to it, a quadratic in as many directions, before it can carry the shape inside it; at the
/// paper's 48 units circles and checkerboard in R^12 are not learned in 10,000 iterations and
/// R^64 does not even reach the plane; at 96 (R^12) and 192 (R^24) they are. These widths were
/// measured before U's quadratic term took the contraction over, and not since (docs/method.md
/// §15).
pub const EMBEDDED_POTENTIAL_UNITS_PER_COORDINATE: usize = 8;

/// Hidden units of φ_ω per coordinate in the same preset: its widths are max(48, this·d). ∇φ lies
/// in the span of φ's first-layer rows, so at the paper's 48 units in R^64 the critic cannot
/// point along 14 of the 62 directions off the plane: with U 192 units wide the extra RMS stalls
/// at 0.65, while with φ at 128 it falls to 0.093 (docs/method.md §15). Up to R^24 φ keeps 48.
/// Without U's quadratic term, in R^64 128 units reach the plane but spend the whole bound across
/// it, and the shape is not learned in 5,000 iterations; 512 turn the critic to the plane but do
/// not learn the shape in 12,500 either, at 1.25 times the cost. With the term the preset's 128
/// learn pinwheel in R^64 by 3,000, so the rule stays (docs/method.md §15).
pub const EMBEDDED_CRITIC_UNITS_PER_COORDINATE: usize = 2;

/// β of the running average of U's weights the OT-terminal flow's preset is sampled from
/// (`potential_average`): θ̄ spans about 1/(1 − β) = 100 steps of θ, over which the flow–ψ game
/// wanders (docs/method.md §13).
pub const OT_FLOW_POTENTIAL_AVERAGE: f64 = 0.99;

/// A configuration value out of its range, named.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(out, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl TrainConfig {
    /// The Euler scheme: λ, T and K.
    pub fn scheme(&self) -> EulerScheme {
        EulerScheme {
            lambda: self.lambda,
            t_final: self.t_final,
            steps: self.steps,
        }
    }

    /// The paper's hyperparameters for `dataset` in R^dim: 2-D λ 0.5, c_GP 0.1; embedded
    /// (d > 2) λ 0.1, c_GP 0.01 (docs/method.md §5).
    /// MNIST is [`TrainConfig::mnist`] whatever `dim`.
    pub fn paper(dataset: impl Into<Dataset>, dim: usize) -> Self {
        let dataset = dataset.into();
        if dataset == Dataset::Mnist {
            return Self::mnist();
        }
        let (lambda, gradient_penalty) = if dim > 2 { (0.1, 0.01) } else { (0.5, 0.1) };
        Self {
            dataset,
            dim,
            lambda,
            gradient_penalty,
            ..Self::default()
        }
    }

    /// The paper's MNIST run in pixel space (docs/method.md §5): T = 5, Δt = 1, λ = 0.05, L = 1,
    /// c_GP = 0.1, rates 1e-4 (φ) and 5e-4 (U), conv potential with a \[512\]×3 head and conv critic
    /// with a \[256\]×3 head, N_Q = 6,000 digits.
    pub fn mnist() -> Self {
        Self {
            dataset: Dataset::Mnist,
            dim: PIXELS,
            lambda: 0.05,
            gradient_penalty: 0.1,
            t_final: 5.0,
            steps: 5,
            generator_learning_rate: 5e-4,
            critic_learning_rate: 1e-4,
            potential_widths: vec![512; 3],
            critic_widths: vec![256; 3],
            data_pool: 6000,
            eval_batch: 500,
            ..Self::default()
        }
    }

    /// The digits preset: the paper's MNIST run (in the 784-pixel space, no autoencoder) made
    /// small enough to learn digits on a CPU: batch 64, K = 3 Euler steps of Δt = 5/3, 3×3
    /// convolutions with 4 and 8 channels, heads [512, 512] for U and [256, 256] for φ, five
    /// critic steps and the paper's rates, chosen by the sweep measured with the digit score in
    /// docs/method.md §14.
    pub fn digits() -> Self {
        Self {
            batch_size: 64,
            steps: 3,
            conv_kernel: 3,
            conv_channels: vec![4, 8],
            potential_widths: vec![512, 512],
            critic_widths: vec![256, 256],
            ..Self::mnist()
        }
    }

    /// The flow with paper B's OT cost as its terminal cost, for `dataset` in R^dim: the
    /// critic's settings are unused, and λ is smaller, because λ alone balances the kinetic
    /// energy against the terminal cost |x − y|² (a particle ends a fraction λ/(λ + 2T) short of
    /// its target; 2.4% at λ = 0.05).
    pub fn ot_flow(dataset: impl Into<Dataset>, dim: usize) -> Self {
        Self {
            terminal: TerminalCost::Ot,
            lambda: 0.05,
            ..Self::paper(dataset, dim)
        }
    }

    /// Paper B's OT generator for `dataset` in R^dim: rate 5e-4 and dual step C = 0.05, ten times
    /// the flow's, since ψ must follow a generator that moves every iteration (docs/method.md §9).
    pub fn ot_generator(dataset: impl Into<Dataset>, dim: usize) -> Self {
        Self {
            mode: Mode::Generator,
            generator_learning_rate: 5e-4,
            ot_step: 0.05,
            ..Self::paper(dataset, dim)
        }
    }

    /// The preset of a mode and terminal cost for data of any scale and place: for the critic
    /// flow on digits the [`TrainConfig::digits`] preset; otherwise the
    /// [`TrainConfig::paper_preset`] trained in the target's standard frame (images as they
    /// are); both flows start at rest (`zero_initial_potential`); the critic flow takes the
    /// rates of the paper's MNIST run, [`FAST_RATES`], and in R^d (d > 2) the penalty
    /// [`EMBEDDED_GRADIENT_PENALTY`], λ = min(paper's, L·T / ([`EMBEDDED_REACH_MARGIN`]·√(d − 2))),
    /// [`EMBEDDED_RATES`], U's and φ's widths [`EMBEDDED_POTENTIAL_UNITS_PER_COORDINATE`]·d and
    /// [`EMBEDDED_CRITIC_UNITS_PER_COORDINATE`]·d (at least the paper's), samples from the
    /// average of U's weights, [`EMBEDDED_POTENTIAL_AVERAGE`], and gives U the exact quadratic
    /// term ½·q(t)·|x|² (`quadratic_potential`, docs/method.md §15), and above
    /// [`WIDE_EMBEDDING_DIM`] slows U by [`WIDE_EMBEDDING_LATE_RATE_FACTOR`] after
    /// [`WIDE_EMBEDDING_FAST_START`] iterations; the OT-terminal flow the dual step
    /// [`OT_FLOW_STEP`], U's rate [`OT_FLOW_RATE`] and samples from the running average of U's
    /// weights, [`OT_FLOW_POTENTIAL_AVERAGE`] (docs/method.md §13).
    pub fn preset(
        mode: Mode,
        terminal: TerminalCost,
        dataset: impl Into<Dataset>,
        dim: usize,
    ) -> Self {
        let dataset = dataset.into();
        let paper = Self::paper_preset(mode, terminal, dataset, dim);
        let images = dataset.image_side().is_some();
        let critic_flow = (mode, terminal) == (Mode::Flow, TerminalCost::Critic);
        if critic_flow && dataset == Dataset::Mnist {
            return Self::digits();
        }
        let ot_flow = (mode, terminal) == (Mode::Flow, TerminalCost::Ot);
        let embedded = critic_flow && !images && dim > 2;
        let (generator_late_rate_from, generator_late_rate_factor) =
            if embedded && dim > WIDE_EMBEDDING_DIM {
                (WIDE_EMBEDDING_FAST_START, WIDE_EMBEDDING_LATE_RATE_FACTOR)
            } else {
                (
                    paper.generator_late_rate_from,
                    paper.generator_late_rate_factor,
                )
            };
        let (generator_learning_rate, critic_learning_rate) = if embedded {
            EMBEDDED_RATES
        } else if critic_flow && !images {
            FAST_RATES
        } else if ot_flow {
            (OT_FLOW_RATE, paper.critic_learning_rate)
        } else {
            (paper.generator_learning_rate, paper.critic_learning_rate)
        };
        let (lambda, gradient_penalty) = if embedded {
            let reach = paper.lipschitz * paper.t_final
                / (EMBEDDED_REACH_MARGIN * ((dim - 2) as f64).sqrt());
            (paper.lambda.min(reach), EMBEDDED_GRADIENT_PENALTY)
        } else {
            (paper.lambda, paper.gradient_penalty)
        };
        // In R^d each hidden layer is at least `units`·d wide (the paper's width below that).
        let widened = |widths: &[usize], units: usize| -> Vec<usize> {
            let least = if embedded { units * dim } else { 0 };
            widths.iter().map(|&width| width.max(least)).collect()
        };
        Self {
            standardise: !images,
            zero_initial_potential: mode == Mode::Flow && !images,
            lambda,
            gradient_penalty,
            generator_learning_rate,
            generator_late_rate_from,
            generator_late_rate_factor,
            critic_learning_rate,
            ot_step: if ot_flow { OT_FLOW_STEP } else { paper.ot_step },
            potential_widths: widened(
                &paper.potential_widths,
                EMBEDDED_POTENTIAL_UNITS_PER_COORDINATE,
            ),
            critic_widths: widened(&paper.critic_widths, EMBEDDED_CRITIC_UNITS_PER_COORDINATE),
            potential_average: if ot_flow {
                OT_FLOW_POTENTIAL_AVERAGE
            } else if embedded {
                EMBEDDED_POTENTIAL_AVERAGE
            } else {
                paper.potential_average
            },
            quadratic_potential: embedded,
            ..paper
        }
    }

    /// The page's fast demonstration: the critic flow's [`TrainConfig::preset`] with
    /// [`FAST_DEMO_CRITIC_STEPS`] critic steps an iteration and [`FAST_DEMO_RATES`], as chosen by
    /// the sweep in docs/method.md §13, sampled from the average of U's weights
    /// ([`FAST_DEMO_POTENTIAL_AVERAGE`]); the other modes as the preset.
    pub fn fast_preset(
        mode: Mode,
        terminal: TerminalCost,
        dataset: impl Into<Dataset>,
        dim: usize,
    ) -> Self {
        let dataset = dataset.into();
        let preset = Self::preset(mode, terminal, dataset, dim);
        let critic_flow = (mode, terminal) == (Mode::Flow, TerminalCost::Critic);
        if !critic_flow || dataset.image_side().is_some() {
            return preset;
        }
        let (generator_learning_rate, critic_learning_rate) = FAST_DEMO_RATES;
        Self {
            critic_steps: FAST_DEMO_CRITIC_STEPS,
            generator_learning_rate,
            critic_learning_rate,
            potential_average: FAST_DEMO_POTENTIAL_AVERAGE,
            ..preset
        }
    }

    /// The settings `preset` names for a mode, terminal cost, data set and dimension.
    pub fn of_preset(
        preset: Preset,
        mode: Mode,
        terminal: TerminalCost,
        dataset: impl Into<Dataset>,
        dim: usize,
    ) -> Self {
        match preset {
            Preset::Standard => Self::preset(mode, terminal, dataset, dim),
            Preset::Paper => Self::paper_preset(mode, terminal, dataset, dim),
            Preset::Fast => Self::fast_preset(mode, terminal, dataset, dim),
        }
    }

    /// The papers' settings of a mode and terminal cost, on the data as they are, for
    /// reproducing their tables: [`TrainConfig::paper`], [`TrainConfig::ot_flow`] or
    /// [`TrainConfig::ot_generator`].
    pub fn paper_preset(
        mode: Mode,
        terminal: TerminalCost,
        dataset: impl Into<Dataset>,
        dim: usize,
    ) -> Self {
        match (mode, terminal) {
            (Mode::Generator, _) => Self::ot_generator(dataset, dim),
            (Mode::Flow, TerminalCost::Ot) => Self::ot_flow(dataset, dim),
            (Mode::Flow, TerminalCost::Critic) => Self::paper(dataset, dim),
        }
    }

    /// The frame the run trains in: the target's standard frame when `standardise` is set and
    /// the target is 2-D, else the data's own coordinates.
    pub fn frame(&self) -> Frame {
        if !self.standardise {
            return Frame::IDENTITY;
        }
        match (&self.points, self.dataset) {
            (Some(points), _) => Frame::fit(points.as_flattened()).unwrap_or(Frame::IDENTITY),
            (None, Dataset::Shape(shape)) => Frame::of_shape(shape),
            (None, Dataset::Mnist) => Frame::IDENTITY,
        }
    }

    /// `len` points of the configured target ([`DataPool::for_target`]) in the run's
    /// [`TrainConfig::frame`].
    pub fn data_pool(&self, len: usize, rng: &mut Rng) -> Result<DataPool, String> {
        let mut pool =
            DataPool::for_target(self.dataset, self.points.as_deref(), self.dim, len, rng)?;
        self.frame().to_model(&mut pool.points, pool.dim);
        Ok(pool)
    }

    /// `rows` draws of the flow's source ρ₀ ([`Dataset::source_sample`]).
    pub fn source_sample(&self, rows: usize, rng: &mut Rng) -> Vec<f32> {
        self.dataset.source_sample(self.dim, rows, rng)
    }

    /// The dimension of what the model is fed: d for the flow, the latent's for the generator.
    pub fn source_dim(&self) -> usize {
        match self.mode {
            Mode::Flow => self.dim,
            Mode::Generator => self.latent_dim,
        }
    }

    /// The convolutional blocks of the image potential U_θ.
    pub fn potential_layout(&self) -> ConvLayout {
        ConvLayout {
            activation: self.image_potential_activation,
            ..self.critic_layout()
        }
    }

    /// The convolutional blocks of the image critic φ_ω (ReLU, as the paper).
    pub fn critic_layout(&self) -> ConvLayout {
        ConvLayout {
            kernel: self.conv_kernel,
            channels: self.conv_channels.clone(),
            activation: Activation::Relu,
        }
    }

    /// The generator's Adam rate at `iteration` (counted from 0): `generator_learning_rate`, times
    /// `generator_late_rate_factor` from iteration `generator_late_rate_from` on.
    pub fn generator_learning_rate_at(&self, iteration: usize) -> f64 {
        if iteration >= self.generator_late_rate_from {
            self.generator_learning_rate * self.generator_late_rate_factor
        } else {
            self.generator_learning_rate
        }
    }

    /// Δt = T/K.
    pub fn dt(&self) -> f64 {
        self.t_final / self.steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_json() {
        let config = TrainConfig::paper(Toy2d::Moons, 12);
        config.validate().unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<TrainConfig>(&json).unwrap(), config);
    }

    #[test]
    fn the_presets_standardise_start_flows_at_rest_and_average_the_ot_flow_unlike_the_papers() {
        let shape = Dataset::Shape(Toy2d::Moons);
        for (mode, terminal) in [
            (Mode::Flow, TerminalCost::Critic),
            (Mode::Flow, TerminalCost::Ot),
            (Mode::Generator, TerminalCost::Ot),
        ] {
            let preset = TrainConfig::preset(mode, terminal, shape, 2);
            let paper = TrainConfig::paper_preset(mode, terminal, shape, 2);
            assert!(preset.standardise && !paper.standardise);
            assert_eq!(preset.zero_initial_potential, mode == Mode::Flow);
            assert!(!paper.zero_initial_potential);
            let ot_flow = (mode, terminal) == (Mode::Flow, TerminalCost::Ot);
            assert_eq!(preset.potential_average > 0.0, ot_flow);
            assert_eq!(paper.potential_average, 0.0);
            assert_eq!(preset.frame(), Frame::of_shape(Toy2d::Moons));
            assert_eq!(paper.frame(), Frame::IDENTITY);
            preset.validate().unwrap();
        }
        for preset in [Preset::Standard, Preset::Fast] {
            let digits = TrainConfig::of_preset(
                preset,
                Mode::Flow,
                TerminalCost::Critic,
                Dataset::Mnist,
                784,
            );
            assert_eq!(digits, TrainConfig::digits());
        }
        let paper = TrainConfig::of_preset(
            Preset::Paper,
            Mode::Flow,
            TerminalCost::Critic,
            Dataset::Mnist,
            784,
        );
        assert_eq!(paper, TrainConfig::mnist());
        TrainConfig::digits().validate().unwrap();
    }

    #[test]
    fn the_fast_demonstration_is_drawn_from_the_average_of_u_on_the_fused_kernels_too() {
        for dataset in Toy2d::ALL {
            let fast = TrainConfig::fast_preset(Mode::Flow, TerminalCost::Critic, dataset, 2);
            assert_eq!(fast.potential_average, FAST_DEMO_POTENTIAL_AVERAGE);
            assert_eq!(crate::fused::unsupported(&fast), None, "{}", dataset.name());
            fast.validate().unwrap();
        }
        let generator =
            TrainConfig::fast_preset(Mode::Generator, TerminalCost::Ot, Toy2d::Moons, 2);
        assert_eq!(
            generator.potential_average, 0.0,
            "a generator has no potential"
        );
    }

    #[test]
    fn in_r_d_the_critic_flow_preset_enforces_the_lipschitz_bound_and_lets_paths_reach_the_plane() {
        for dim in 3..=64 {
            for preset in [Preset::Standard, Preset::Fast] {
                let config = TrainConfig::of_preset(
                    preset,
                    Mode::Flow,
                    TerminalCost::Critic,
                    Toy2d::Pinwheel,
                    dim,
                );
                assert_eq!(config.gradient_penalty, EMBEDDED_GRADIENT_PENALTY);
                let reach = config.lipschitz * config.t_final / config.lambda;
                assert!(
                    reach >= EMBEDDED_REACH_MARGIN * ((dim - 2) as f64).sqrt() * (1.0 - 1e-12),
                    "d = {dim}: L·T/λ = {reach}"
                );
                assert!(config.lambda <= 0.1, "d = {dim}: λ = {}", config.lambda);
                assert_eq!(config.potential_average, EMBEDDED_POTENTIAL_AVERAGE);
                let start_rate = config.generator_learning_rate;
                let late_rate = if dim > WIDE_EMBEDDING_DIM {
                    start_rate * WIDE_EMBEDDING_LATE_RATE_FACTOR
                } else {
                    start_rate
                };
                assert_eq!(
                    [
                        0,
                        WIDE_EMBEDDING_FAST_START - 1,
                        WIDE_EMBEDDING_FAST_START,
                        10_000
                    ]
                    .map(|iteration| config.generator_learning_rate_at(iteration)),
                    [start_rate, start_rate, late_rate, late_rate],
                    "d = {dim}: U's rate"
                );
                assert!(
                    config.quadratic_potential,
                    "d = {dim}: U has no quadratic term"
                );
                let units = EMBEDDED_POTENTIAL_UNITS_PER_COORDINATE * dim;
                assert!(
                    config.potential_widths.iter().all(|&w| w == units.max(48)),
                    "d = {dim}: U's widths {:?}",
                    config.potential_widths
                );
                let critic_units = EMBEDDED_CRITIC_UNITS_PER_COORDINATE * dim;
                assert!(
                    config
                        .critic_widths
                        .iter()
                        .all(|&w| w == critic_units.max(48)),
                    "d = {dim}: φ's widths {:?}",
                    config.critic_widths
                );
                config.validate().unwrap();
            }
            let paper =
                TrainConfig::paper_preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, dim);
            assert_eq!(
                (
                    paper.lambda,
                    paper.gradient_penalty,
                    paper.quadratic_potential,
                    paper.generator_late_rate_factor
                ),
                (0.1, 0.01, false, 1.0),
                "the paper's preset stays"
            );
            let ot = TrainConfig::preset(Mode::Flow, TerminalCost::Ot, Toy2d::Pinwheel, dim);
            assert_eq!(
                ot.gradient_penalty, paper.gradient_penalty,
                "no critic, no change"
            );
        }
        let plane = TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, 2);
        assert_eq!(
            (
                plane.lambda,
                plane.gradient_penalty,
                plane.quadratic_potential
            ),
            (0.5, 0.1, false),
            "2-D stays the paper's"
        );
    }

    #[test]
    fn out_of_range_values_are_named() {
        let bad = TrainConfig {
            dim: 65,
            ..TrainConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "dim");
        let bad = TrainConfig {
            lambda: -0.5,
            ..TrainConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "lambda");
        let bad = TrainConfig {
            lambda: f64::NAN,
            ..TrainConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "lambda");
        for factor in [0.0, 1.5, f64::NAN] {
            let bad = TrainConfig {
                generator_late_rate_factor: factor,
                ..TrainConfig::default()
            };
            assert_eq!(
                bad.validate().unwrap_err().field,
                "generator_late_rate_factor"
            );
        }
        let bad = TrainConfig {
            generator_late_rate_from: usize::MAX,
            ..TrainConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field,
            "generator_late_rate_from"
        );
        let bad = TrainConfig {
            log_mean_exp: LogMeanExp::ReleasedCode,
            divergence: Divergence::Wasserstein1,
            ..TrainConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "log_mean_exp");
        TrainConfig {
            log_mean_exp: LogMeanExp::ReleasedCode,
            ..TrainConfig::default()
        }
        .validate()
        .unwrap();
        let generator = TrainConfig::preset(
            Mode::Generator,
            TerminalCost::Critic,
            Dataset::Shape(Toy2d::EightGaussians),
            2,
        );
        let bad = TrainConfig {
            batch_streams: BatchStreams::ReleasedCode,
            ..generator.clone()
        };
        assert_eq!(bad.validate().unwrap_err().field, "batch_streams");
        let bad = TrainConfig {
            potential_average: 0.5,
            ..generator
        };
        assert_eq!(bad.validate().unwrap_err().field, "potential_average");
        for beta in [1.0, -0.1] {
            let bad = TrainConfig {
                potential_average: beta,
                ..TrainConfig::default()
            };
            assert_eq!(bad.validate().unwrap_err().field, "potential_average");
        }
        for bad in [
            TrainConfig {
                mode: Mode::Generator,
                ..TrainConfig::default()
            },
            TrainConfig::paper(Dataset::Mnist, 784),
        ] {
            let bad = TrainConfig {
                quadratic_potential: true,
                ..bad
            };
            assert_eq!(bad.validate().unwrap_err().field, "quadratic_potential");
        }
        let bad = TrainConfig {
            points: Some(vec![[0.0, 1.0], [f32::INFINITY, 0.0]]),
            ..TrainConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().message,
            "point 2 is not a pair of finite numbers within ±10000"
        );
        let bad = TrainConfig {
            points: Some(vec![[1.0, 2.0]; 3]),
            standardise: true,
            ..TrainConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "points");
        let parsed = serde_json::from_str::<TrainConfig>(r#"{"divergence": "alpha:0.5"}"#);
        assert!(parsed.unwrap_err().to_string().contains("alpha"));
    }
}
