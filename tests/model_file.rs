//! Model files (src/model_file/): a run saved and loaded goes on bit for bit on the same backend,
//! on the burn path and on the fused kernels; a file written by one path opens in the other with
//! the same state; and a file that is not a usable model is refused with a message naming what is
//! wrong.

use burn::tensor::Device;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::divergence::Divergence;
use w1w2_flow::model_file::{ModelFileError, SavedModel, format};
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;

/// Iterations before the save and after it.
const ITERATIONS: usize = 3;

/// A configuration of `mode` and `terminal` small enough to train in a test.
fn small(mode: Mode, terminal: TerminalCost, dataset: Toy2d) -> TrainConfig {
    TrainConfig {
        batch_size: 32,
        critic_steps: 2,
        ot_dual_steps: 2,
        data_pool: 500,
        seed: 5,
        ..TrainConfig::preset(mode, terminal, dataset, 2)
    }
}

/// The configurations saved: the critic flow (KL, the α-divergence with its shift ν, U's running
/// average Ū, and U's quadratic term with a late rate that starts after the load), the
/// OT-terminal flow and paper B's generator.
fn cases() -> Vec<(&'static str, TrainConfig)> {
    vec![
        (
            "critic flow",
            small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel),
        ),
        (
            "critic flow, alpha:2",
            TrainConfig {
                divergence: Divergence::Alpha(2.0),
                ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Moons)
            },
        ),
        (
            "critic flow, U averaged",
            TrainConfig {
                potential_average: 0.9,
                ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel)
            },
        ),
        (
            "critic flow, U with a quadratic term, averaged, slowed late",
            TrainConfig {
                quadratic_potential: true,
                potential_average: 0.9,
                generator_late_rate_from: ITERATIONS + 1,
                generator_late_rate_factor: 0.3,
                ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel)
            },
        ),
        (
            "OT flow",
            small(Mode::Flow, TerminalCost::Ot, Toy2d::Circles),
        ),
        (
            "OT generator",
            small(Mode::Generator, TerminalCost::Ot, Toy2d::EightGaussians),
        ),
    ]
}

/// The losses of `iterations` iterations, as bits.
fn train(run: &mut Run, iterations: usize) -> Vec<(u64, u64)> {
    (0..iterations)
        .map(|_| {
            let losses = run.step_checked().expect("finite losses");
            (losses.critic.to_bits(), losses.generator.to_bits())
        })
        .collect()
}

/// Fails naming the first part of two saved states that differs (the states are too long to
/// print whole).
fn assert_same(got: &SavedModel, expected: &SavedModel, what: &str) {
    assert_eq!(got.config, expected.config, "{what}: configuration");
    assert_eq!(got.iteration, expected.iteration, "{what}: iteration");
    assert_eq!(got.streams, expected.streams, "{what}: streams");
    assert_eq!(got.players.len(), expected.players.len(), "{what}: players");
    for (g, e) in got.players.iter().zip(&expected.players) {
        assert_eq!(g.name, e.name, "{what}");
        assert_eq!(
            g.adam_steps, e.adam_steps,
            "{what}: {}'s Adam steps",
            e.name
        );
        for (part, got, expected) in [
            ("parameters", &g.parameters, &e.parameters),
            ("first moments", &g.first_moment, &e.first_moment),
            ("second moments", &g.second_moment, &e.second_moment),
        ] {
            assert_eq!(got.len(), expected.len(), "{what}: {}'s {part}", e.name);
            if let Some(i) = (0..got.len()).find(|&i| got[i].to_bits() != expected[i].to_bits()) {
                panic!(
                    "{what}: {}'s {part} differ first at {i}: {} against {}",
                    e.name, got[i], expected[i]
                );
            }
        }
    }
}

/// The burn path's CPU device and the wgpu device, where the critic flow runs on the fused
/// kernels (lavapipe where there is no GPU), each with whether a run there is fused.
fn burn_and_fused() -> [(Device, bool); 2] {
    [
        (Device::flex(), false),
        (Device::wgpu(Default::default()), true),
    ]
}

/// Trains `config` on `device`, saves it to bytes and loads them, then checks that the loaded run
/// and the original go on identically.
fn round_trip(name: &str, config: TrainConfig, device: &Device) {
    let mut original = Run::new(config, device).unwrap();
    train(&mut original, ITERATIONS);
    goes_on_after_a_save(name, original, device);
}

/// Saves `original` to bytes and loads them on `device`, then checks that the loaded run and the
/// original go on identically.
fn goes_on_after_a_save(name: &str, mut original: Run, device: &Device) {
    let bytes = original.save().to_bytes();
    let saved = SavedModel::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut loaded = Run::load(&saved, device).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(loaded.iteration(), original.iteration(), "{name}");
    assert_same(
        &loaded.save(),
        &saved,
        &format!("{name}: the state read back after the load"),
    );
    let (expected, got) = (
        train(&mut original, ITERATIONS),
        train(&mut loaded, ITERATIONS),
    );
    assert_eq!(got, expected, "{name}: losses after the load");
    assert_same(
        &loaded.save(),
        &original.save(),
        &format!("{name}: the state after"),
    );
}

#[test]
fn every_kind_of_run_goes_on_bit_for_bit_after_a_save_and_load() {
    for (name, config) in cases() {
        round_trip(name, config, &Device::flex());
    }
}

/// λ applies live, and q's bound λ/Δt follows it (src/quadratic.rs): a file written after the
/// change holds the new λ, and the run loaded from it must bound q as the original now does, on
/// the burn path and on the fused kernels (lavapipe where there is no GPU).
#[test]
fn a_quadratic_term_goes_on_bit_for_bit_after_a_live_change_of_lambda_and_a_save() {
    let config = TrainConfig {
        quadratic_potential: true,
        ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel)
    };
    let doubled = config
        .with_live_setting("lambda", 2.0 * config.lambda)
        .unwrap();
    for (device, fused) in burn_and_fused() {
        let mut original = Run::new(config.clone(), &device).unwrap();
        assert_eq!(original.fused(), fused);
        train(&mut original, ITERATIONS);
        original.set_config(doubled.clone());
        train(&mut original, ITERATIONS);
        let name = format!("λ doubled live, fused kernels: {fused}");
        goes_on_after_a_save(&name, original, &device);
    }
}

/// U's late rate (`generator_late_rate_from`, `generator_late_rate_factor`) is what
/// results/embedded/rate/ did by hand: the run saved where the late rate starts, the rate in its
/// file multiplied by the factor, loaded and trained on. Bit for bit on the burn path and on the
/// fused kernels, where the run at one rate differs.
#[test]
fn a_late_rate_goes_on_as_a_run_saved_where_it_starts_and_loaded_at_the_lower_rate() {
    let factor = 0.3;
    let one_rate = TrainConfig {
        quadratic_potential: true,
        ..small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel)
    };
    let slowed = TrainConfig {
        generator_late_rate_from: ITERATIONS,
        generator_late_rate_factor: factor,
        ..one_rate.clone()
    };
    for (device, fused) in burn_and_fused() {
        let mut by_hand = Run::new(one_rate.clone(), &device).unwrap();
        assert_eq!(by_hand.fused(), fused);
        train(&mut by_hand, ITERATIONS);
        let mut file = by_hand.save();
        file.config.generator_learning_rate *= factor;
        let mut by_hand = Run::load(&file, &device).unwrap();
        let mut scheduled = Run::new(slowed.clone(), &device).unwrap();
        let mut at_one_rate = Run::new(one_rate.clone(), &device).unwrap();
        let name = format!("fused kernels: {fused}");
        let scheduled_losses = train(&mut scheduled, 2 * ITERATIONS);
        let by_hand_losses = train(&mut by_hand, ITERATIONS);
        assert_eq!(
            scheduled_losses[ITERATIONS..],
            by_hand_losses,
            "{name}: losses"
        );
        let (mut got, expected) = (scheduled.save(), by_hand.save());
        got.config = expected.config.clone();
        assert_same(&got, &expected, &format!("{name}: the late rate"));
        let at_one_rate_losses = train(&mut at_one_rate, 2 * ITERATIONS);
        assert_eq!(
            scheduled_losses[..ITERATIONS],
            at_one_rate_losses[..ITERATIONS],
            "{name}: before the late rate"
        );
        assert_ne!(
            scheduled_losses[ITERATIONS..],
            at_one_rate_losses[ITERATIONS..],
            "{name}: the late rate must change training"
        );
    }
}

/// On a machine without a GPU the wgpu device is Mesa's lavapipe (installed by `cargo xtask
/// test`); the critic flow runs there on the fused kernels, sampled from U or from its average Ū,
/// with or without U's quadratic term.
#[test]
fn the_fused_kernels_go_on_bit_for_bit_and_share_the_file_with_the_burn_path() {
    let gpu = Device::wgpu(Default::default());
    for (name, config) in cases().into_iter().filter(|(name, _)| {
        [
            "critic flow",
            "critic flow, U averaged",
            "critic flow, U with a quadratic term, averaged",
        ]
        .contains(name)
    }) {
        assert!(Run::new(config.clone(), &gpu).unwrap().fused(), "{name}");
        round_trip(name, config.clone(), &gpu);

        let mut fused = Run::new(config.clone(), &gpu).unwrap();
        train(&mut fused, ITERATIONS);
        let from_fused = fused.save();
        let on_cpu = Run::load(&from_fused, &Device::flex()).unwrap();
        assert_same(
            &on_cpu.save(),
            &from_fused,
            &format!("{name}: fused → burn"),
        );

        let mut cpu = Run::new(config, &Device::flex()).unwrap();
        train(&mut cpu, ITERATIONS);
        let from_cpu = cpu.save();
        let on_gpu = Run::load(&from_cpu, &gpu).unwrap();
        assert!(on_gpu.fused());
        assert_same(&on_gpu.save(), &from_cpu, &format!("{name}: burn → fused"));
    }
}

/// The bytes of a small trained critic flow.
fn model_bytes() -> (SavedModel, Vec<u8>) {
    let config = small(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel);
    let mut run = Run::new(config, &Device::flex()).unwrap();
    train(&mut run, 1);
    let saved = run.save();
    let bytes = saved.to_bytes();
    (saved, bytes)
}

fn refusal(bytes: &[u8]) -> ModelFileError {
    match SavedModel::from_bytes(bytes) {
        Ok(saved) => Run::load(&saved, &Device::flex())
            .err()
            .expect("a bad file is refused"),
        Err(error) => error,
    }
}

#[test]
fn files_that_are_not_usable_models_are_refused_by_name() {
    let (saved, bytes) = model_bytes();
    assert_same(&SavedModel::from_bytes(&bytes).unwrap(), &saved, "bytes");

    let csv = b"x,y\n0.5,1.0\n";
    assert_eq!(refusal(csv), ModelFileError::NotAModel);
    assert!(refusal(csv).to_string().contains("not a w1w2-flow model"));

    let truncated = refusal(&bytes[..bytes.len() - 10]);
    assert_eq!(
        truncated,
        ModelFileError::Length {
            expected: bytes.len(),
            found: bytes.len() - 10
        }
    );
    assert!(truncated.to_string().contains("truncated"), "{truncated}");
    assert!(matches!(
        refusal(&bytes[..12]),
        ModelFileError::Length { .. }
    ));

    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 4]);
    assert!(refusal(&longer).to_string().contains("4 bytes more"));

    let mut other_version = bytes.clone();
    other_version[8..12].copy_from_slice(&(format::VERSION + 1).to_le_bytes());
    let version = refusal(&other_version);
    assert_eq!(
        version,
        ModelFileError::Version {
            found: format::VERSION + 1
        }
    );
    assert!(version.to_string().contains("version 2"), "{version}");

    let mut garbled = bytes.clone();
    garbled[16] = b'#';
    assert!(matches!(refusal(&garbled), ModelFileError::Header(_)));

    let invalid_config = SavedModel {
        config: TrainConfig {
            batch_size: 0,
            ..saved.config.clone()
        },
        ..saved.clone()
    };
    let error = refusal(&invalid_config.to_bytes());
    assert!(matches!(error, ModelFileError::Config(_)), "{error}");
    assert!(error.to_string().contains("batch_size"), "{error}");

    let mut wider = saved.clone();
    wider.config.potential_widths[0] += 1;
    let error = refusal(&wider.to_bytes());
    assert!(error.to_string().contains("U has"), "{error}");

    let mut no_critic = saved.clone();
    no_critic.players.retain(|p| p.name != "φ");
    assert!(refusal(&no_critic.to_bytes()).to_string().contains("no φ"));

    let mut few_streams = saved.clone();
    few_streams.streams.pop();
    let error = refusal(&few_streams.to_bytes());
    assert!(error.to_string().contains("random streams"), "{error}");

    let mut short_moments = saved;
    short_moments.players[0].first_moment.pop();
    short_moments.players[0].second_moment.pop();
    let error = refusal(&short_moments.to_bytes());
    assert!(error.to_string().contains("Adam moments"), "{error}");
}

/// Values no training step makes are refused by name, each alone in an otherwise good file:
/// non-finite weights and moments, a negative second moment or step count, an all-zero random
/// stream, a player twice or one no run has, an iteration count past 2^31 − 1; and a configuration
/// whose sizes exceed the memory budget is refused with its estimate.
#[test]
fn files_holding_values_no_run_can_have_are_refused_by_name() {
    let (saved, _) = model_bytes();
    let refused = |edit: &dyn Fn(&mut SavedModel), expected: &str| {
        let mut bad = saved.clone();
        edit(&mut bad);
        let error = refusal(&bad.to_bytes());
        assert!(
            matches!(error, ModelFileError::Values(_)),
            "{expected}: {error}"
        );
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    };
    refused(
        &|m| m.players[0].parameters[3] = f32::NAN,
        "U's parameters hold a value that is not finite (NaN at 3)",
    );
    refused(
        &|m| m.players[1].parameters[0] = f32::INFINITY,
        "φ's parameters hold a value that is not finite (inf at 0)",
    );
    refused(
        &|m| m.players[0].first_moment[1] = f32::NEG_INFINITY,
        "U's first moments",
    );
    refused(
        &|m| m.players[1].second_moment[2] = -1e-3,
        "φ's second moment 2 is negative",
    );
    refused(
        &|m| m.players[0].adam_steps = -1,
        "U's Adam step count is negative (-1)",
    );
    refused(&|m| m.streams[1] = [0; 4], "random stream 2 is all zeros");
    refused(
        &|m| m.players.push(m.players[0].clone()),
        "the player U twice",
    );
    refused(&|m| m.players[1].name = "V".into(), "unknown player “V”");
    refused(&|m| m.iteration = usize::MAX, "cannot be continued");
    let mut huge_pool = saved.clone();
    huge_pool.config.data_pool = usize::MAX;
    let error = refusal(&huge_pool.to_bytes());
    assert!(
        error
            .to_string()
            .contains("data_pool: must be between 2 and 1000000"),
        "{error}"
    );
    let mut deep = saved;
    deep.config.batch_size = 10_000;
    deep.config.data_pool = 10_000;
    deep.config.steps = 100;
    deep.config.potential_widths = vec![1024; 16];
    let error = refusal(&deep.to_bytes());
    assert!(
        error.to_string().contains("memory: these sizes need about"),
        "{error}"
    );
}
