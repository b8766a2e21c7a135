//! The presets learn whatever the data's scale and place (docs/method.md §13): every mode on
//! three shapes at two seeds not used to choose the rule, a drawn point set scaled by 10 as well
//! as the unscaled one, and shapes embedded in R^12 and R^32 (docs/method.md §15).
//!
//! Each threshold is a ratio of exact W2 after training to exact W2 before, set from the figures
//! stated beside it: seeds 1–3 on the AVX-512 kernels, 11 and 12 on the AVX-512 and the AVX2
//! kernels (`cargo xtask test` runs this file on both).

use burn::tensor::Device;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::diagnostics::EvaluationBatch;
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;
use w1w2_flow::training::evaluate;

/// Seeds the presets were not chosen on (those were 1–5, 3, 4 and 21).
const UNSEEN_SEEDS: [u64; 2] = [11, 12];

/// Iterations of the OT generator's runs.
const ITERATIONS: usize = 300;

/// Iterations of the OT-terminal flow's runs: started at rest, it needs more to leave the source.
const OT_FLOW_ITERATIONS: usize = 600;

/// Iterations of the critic flow's runs: started at rest, it needs more to leave the source.
const CRITIC_FLOW_ITERATIONS: usize = 500;

/// Exact W2 after `iterations` over exact W2 before, on the held-out batch.
fn w2_ratio(config: TrainConfig, iterations: usize) -> f64 {
    let config = TrainConfig {
        eval_batch: 500,
        data_pool: 20_000,
        ..config
    };
    let batch = EvaluationBatch::for_config(&config, config.eval_batch).unwrap();
    let mut run = Run::new(config, &Device::flex()).unwrap();
    let before = evaluate(&run, &batch).unwrap().w2;
    for _ in 0..iterations {
        run.step_checked().unwrap();
    }
    evaluate(&run, &batch).unwrap().w2 / before
}

/// Asserts that the preset of `mode` and `terminal` brings each of `shapes` at every unseen seed
/// to at most its bound times its initial exact W2 in `iterations`; every ratio is printed first.
fn assert_learns_every_shape(
    mode: Mode,
    terminal: TerminalCost,
    shapes: [(Toy2d, f64); 3],
    iterations: usize,
) {
    let mut ratios = Vec::new();
    for (shape, bound) in shapes {
        for seed in UNSEEN_SEEDS {
            let config = TrainConfig {
                seed,
                ..TrainConfig::preset(mode, terminal, shape, 2)
            };
            let ratio = w2_ratio(config, iterations);
            eprintln!(
                "{mode} {terminal} {} seed {seed}: W2 ratio {ratio:.3}",
                shape.name()
            );
            ratios.push((shape, bound, seed, ratio));
        }
    }
    for (shape, bound, seed, ratio) in ratios {
        assert!(
            ratio <= bound,
            "{mode} with the {terminal} terminal cost on {} at seed {seed}: exact W2 ratio {ratio:.3} > {bound}",
            shape.name()
        );
    }
}

/// Exact W2 after / before in [`CRITIC_FLOW_ITERATIONS`]: 0.34–0.80 over moons, swiss roll and
/// 8 gaussians at seeds 1–3, 11 and 12 (at 11 and 12: 0.34–0.80 on AVX-512, 0.35–0.77 on AVX2).
/// The flow starts at rest, so one whose U does not train keeps the source: 1.
const CRITIC_FLOW_RATIO: f64 = 0.9;

#[test]
fn the_critic_flow_preset_learns_every_shape_at_unseen_seeds() {
    assert_learns_every_shape(
        Mode::Flow,
        TerminalCost::Critic,
        [
            (Toy2d::Moons, CRITIC_FLOW_RATIO),
            (Toy2d::SwissRoll, CRITIC_FLOW_RATIO),
            (Toy2d::EightGaussians, CRITIC_FLOW_RATIO),
        ],
        CRITIC_FLOW_ITERATIONS,
    );
}

/// Exact W2 after / before in [`OT_FLOW_ITERATIONS`] at seeds 11 and 12, on the AVX-512 kernels,
/// with the preset that samples U's averaged weights: moons 0.37 and 0.45, 8 gaussians 0.53 and
/// 0.54 (the preset before it, sampling U_θ at the paper's rate: 0.54–0.63 and 0.57–0.61, AVX-512
/// and AVX2 within 0.02 of each other). A flow whose U does not train keeps the source: 1.
const OT_FLOW_RATIO: f64 = 0.75;

/// The pinwheel starts close to the data (exact W2 0.46 from the source, whose 500-point
/// sampling floor is half of that), so its ratio after [`OT_FLOW_ITERATIONS`] is 0.51 and 0.59 at
/// seeds 11 and 12 (AVX-512; the preset before it: 0.64–0.90, AVX-512 and AVX2 within 0.02).
const OT_FLOW_PINWHEEL_RATIO: f64 = 0.8;

#[test]
fn the_ot_flow_preset_learns_every_shape_at_unseen_seeds() {
    assert_learns_every_shape(
        Mode::Flow,
        TerminalCost::Ot,
        [
            (Toy2d::Moons, OT_FLOW_RATIO),
            (Toy2d::EightGaussians, OT_FLOW_RATIO),
            (Toy2d::Pinwheel, OT_FLOW_PINWHEEL_RATIO),
        ],
        OT_FLOW_ITERATIONS,
    );
}

/// Exact W2 after / before: 0.15–0.27 over moons, swiss roll and 8 gaussians at seeds 1–3, 11
/// and 12 (at 11 and 12: 0.18–0.27 on AVX-512, 0.18–0.26 on AVX2).
const OT_GENERATOR_RATIO: f64 = 0.4;

#[test]
fn the_ot_generator_preset_learns_every_shape_at_unseen_seeds() {
    assert_learns_every_shape(
        Mode::Generator,
        TerminalCost::Ot,
        [
            (Toy2d::Moons, OT_GENERATOR_RATIO),
            (Toy2d::SwissRoll, OT_GENERATOR_RATIO),
            (Toy2d::EightGaussians, OT_GENERATOR_RATIO),
        ],
        ITERATIONS,
    );
}

/// Iterations of the 12-D runs: the flow first brings the ten extra coordinates to the plane
/// (about 1,500 iterations), then learns the shape inside it (docs/method.md §15).
const EMBEDDED_ITERATIONS: usize = 2500;

/// A seed the R^d preset was not chosen on (that was 1).
const EMBEDDED_SEED: u64 = 11;

/// Exact W2 after / before [`EMBEDDED_ITERATIONS`] for moons in R^12 with the preset (U 96 units
/// wide, with its quadratic term, q bounded by λ/Δt): 0.357 at seed 11, 0.228 at 12 and 0.313 at
/// 13 on the AVX-512 kernels, 0.340 at seed 11 on the AVX2 kernels (q unbounded: 0.307, 0.251,
/// 0.286; without the term 0.313, 0.288, 0.394; with U 48 wide 0.418, 0.382, 0.400). Without the
/// W1 proximal (no gradient penalty: the critic grows a ridge around the plane and the shape does
/// not form) 1.897, 2.050 and 2.163, and 3.663 at seed 11 on AVX2. All with `w1w2 train` at this
/// test's settings (which gave 0.420 for the 48-wide preset at seed 11, where this test printed
/// 0.418; results/embedded/bounded/README.md).
const EMBEDDED_RATIO: f64 = 0.6;

/// The critic flow's preset for moons embedded in R^12 at [`EMBEDDED_SEED`], or that preset
/// without the W1 proximal.
fn moons_in_r12(w1_proximal: bool) -> TrainConfig {
    TrainConfig {
        seed: EMBEDDED_SEED,
        w1_proximal,
        ..TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Moons, 12)
    }
}

#[test]
fn in_r12_the_critic_flow_preset_learns_the_shape_inside_the_plane() {
    let ratio = w2_ratio(moons_in_r12(true), EMBEDDED_ITERATIONS);
    eprintln!("moons in R^12, seed {EMBEDDED_SEED}: W2 ratio {ratio:.3}");
    assert!(
        ratio <= EMBEDDED_RATIO,
        "exact W2 ratio {ratio:.3} > {EMBEDDED_RATIO}"
    );
}

/// The control of the test above: the same check fails without the W1 proximal.
#[test]
fn in_r12_without_the_w1_proximal_the_shape_does_not_form() {
    let ratio = w2_ratio(moons_in_r12(false), EMBEDDED_ITERATIONS);
    eprintln!("moons in R^12 without W1, seed {EMBEDDED_SEED}: W2 ratio {ratio:.3}");
    assert!(
        ratio > EMBEDDED_RATIO,
        "exact W2 ratio {ratio:.3} ≤ {EMBEDDED_RATIO}"
    );
}

/// Iterations of the 32-D runs: with U's quadratic term the samples overshoot the plane by 500
/// iterations and are in the shape's place by 1,000–1,500 (results/embedded/quadratic/README.md).
const BEYOND_R24_ITERATIONS: usize = 1500;

/// Exact W2 after / before [`BEYOND_R24_ITERATIONS`] for pinwheel in R^32 with the preset:
/// 0.559 at seed 11, 0.686 at 12 and 0.581 at 13 on the AVX-512 kernels, 0.546 at seed 11 on the
/// AVX2 kernels (q unbounded: 0.558, 0.647, 0.508); without U's quadratic term 1.053, 1.082 and
/// 1.074 (the samples reach the plane and do not move within it), 1.008 at seed 11 on AVX2. With
/// `w1w2 train` at this test's settings (results/embedded/bounded/README.md).
const BEYOND_R24_RATIO: f64 = 0.8;

/// The critic flow's preset for pinwheel embedded in R^32 at [`EMBEDDED_SEED`], with or without
/// U's quadratic term.
fn pinwheel_in_r32(quadratic_potential: bool) -> TrainConfig {
    TrainConfig {
        seed: EMBEDDED_SEED,
        quadratic_potential,
        ..TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, 32)
    }
}

#[test]
fn in_r32_the_critic_flow_preset_learns_pinwheel_with_u_s_quadratic_term() {
    let ratio = w2_ratio(pinwheel_in_r32(true), BEYOND_R24_ITERATIONS);
    eprintln!("pinwheel in R^32, seed {EMBEDDED_SEED}: W2 ratio {ratio:.3}");
    assert!(
        ratio <= BEYOND_R24_RATIO,
        "exact W2 ratio {ratio:.3} > {BEYOND_R24_RATIO}"
    );
}

/// The control of the test above: without the quadratic term U reaches the plane and does not
/// move the samples within it.
#[test]
fn in_r32_without_u_s_quadratic_term_pinwheel_is_not_learned() {
    let ratio = w2_ratio(pinwheel_in_r32(false), BEYOND_R24_ITERATIONS);
    eprintln!(
        "pinwheel in R^32 without the quadratic term, seed {EMBEDDED_SEED}: W2 ratio {ratio:.3}"
    );
    assert!(
        ratio > BEYOND_R24_RATIO,
        "exact W2 ratio {ratio:.3} ≤ {BEYOND_R24_RATIO}"
    );
}

/// A drawn letter "S" of 120 points, about 1 across and 3 from the origin, like a drawing on a
/// canvas.
fn drawn_points(scale: f32) -> Vec<[f32; 2]> {
    (0..120)
        .map(|i| {
            let t = i as f32 / 119.0 * 2.0 * std::f32::consts::PI;
            let (x, y) = if t < std::f32::consts::PI {
                (0.3 * t.cos(), 0.3 + 0.3 * t.sin())
            } else {
                (-0.3 * t.cos(), -0.3 + 0.3 * t.sin())
            };
            [scale * (x + 3.0), scale * (y + 1.0)]
        })
        .collect()
}

/// How much worse the scaled run's W2 ratio may be than the unscaled one's. Measured: 0.33
/// unscaled and 0.34 scaled on AVX-512, 0.46 and 0.27 on AVX2. The paper's settings on the
/// scaled points give 0.88 on both: the points lie about 30 from the source, and paths of length
/// at most L·T/λ = 2 cover little of that.
const SCALED_RATIO_MARGIN: f64 = 1.5;

#[test]
fn a_drawn_point_set_scaled_by_ten_trains_as_well_as_the_unscaled_one() {
    let drawn = |scale, paper| {
        let (mode, terminal, shape) = (Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel);
        let preset = if paper {
            TrainConfig::paper_preset(mode, terminal, shape, 2)
        } else {
            TrainConfig::preset(mode, terminal, shape, 2)
        };
        w2_ratio(
            TrainConfig {
                points: Some(drawn_points(scale)),
                ..preset
            },
            CRITIC_FLOW_ITERATIONS,
        )
    };
    let unscaled = drawn(1.0, false);
    let scaled = drawn(10.0, false);
    eprintln!("W2 ratio unscaled {unscaled:.3}, scaled by 10 {scaled:.3}");
    assert!(
        unscaled <= CRITIC_FLOW_RATIO && scaled <= unscaled * SCALED_RATIO_MARGIN,
        "W2 ratio unscaled {unscaled:.3}, scaled by 10 {scaled:.3}"
    );
    // The same points at the paper's settings, on the data as they are: the check fails.
    let paper = drawn(10.0, true);
    eprintln!("W2 ratio on the paper's scale {paper:.3}");
    assert!(
        paper > unscaled * SCALED_RATIO_MARGIN,
        "W2 ratio on the paper's scale {paper:.3} against {unscaled:.3} standardised"
    );
}
