//! Every control's scope (src/config/controls.rs) is what training reads: for each kind of run,
//! a control outside its scope, edited, leaves two iterations bit for bit as they were (the page
//! hides it there), and one inside changes them.

use burn::tensor::Device;
use serde_json::Value;
use w1w2_flow::config::controls::{Control, Input, controls};
use w1w2_flow::config::limits::Limit;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::model_file::SavedModel;
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;

/// The controls that choose the kind of run itself: every run reads them, by being that run.
const KIND: [&str; 3] = ["mode", "terminal", "dataset"];

/// Iterations each run trains before its state is compared.
const ITERATIONS: usize = 2;

/// Small runs of each kind, on a shape in R^3 so that every control of shapes has an effect, with
/// the generator's late rate starting at the second iteration so that both of its controls have
/// one within [`ITERATIONS`].
fn kinds() -> Vec<(&'static str, TrainConfig)> {
    let small = |mode, terminal| TrainConfig {
        generator_late_rate_from: 1,
        generator_late_rate_factor: 0.5,
        batch_size: 16,
        eval_batch: 16,
        data_pool: 200,
        ot_points: 32,
        potential_widths: vec![8; 2],
        critic_widths: vec![8; 2],
        generator_widths: vec![8; 2],
        latent_dim: 3,
        ..TrainConfig::preset(mode, terminal, Toy2d::Moons, 3)
    };
    vec![
        ("critic flow", small(Mode::Flow, TerminalCost::Critic)),
        ("OT-terminal flow", small(Mode::Flow, TerminalCost::Ot)),
        ("OT generator", small(Mode::Generator, TerminalCost::Ot)),
    ]
}

/// `config` with `control` moved to another valid value, or `None` when the configuration
/// refuses every other value this tries (such a value cannot reach training either).
fn edited(config: &TrainConfig, control: &Control) -> Option<TrainConfig> {
    let fields = serde_json::to_value(config).unwrap();
    let now = &fields[control.key];
    let candidates: Vec<Value> = match &control.input {
        Input::Bool => vec![Value::from(!now.as_bool().unwrap())],
        Input::Select { options } => options
            .iter()
            .filter(|o| now.as_str() != Some(**o))
            .map(|o| Value::from(*o))
            .collect(),
        Input::Int { range } => {
            let n = now.as_u64().unwrap();
            let max = match range {
                Some(Limit::Count { max, .. }) => *max as u64,
                _ => u64::MAX,
            };
            vec![Value::from(if n < max { n + 1 } else { n - 1 })]
        }
        Input::Float { .. } => {
            let x = now.as_f64().unwrap();
            [x * 1.5, x * 0.5, 0.5]
                .into_iter()
                .filter(|&v| v != x)
                .map(Value::from)
                .collect()
        }
    };
    candidates.into_iter().find_map(|value| {
        let mut fields = fields.clone();
        fields[control.key] = value;
        let config: TrainConfig = serde_json::from_value(fields).ok()?;
        config.validate().ok().map(|()| config)
    })
}

/// The whole state after [`ITERATIONS`] iterations, the configuration left out.
fn trained(config: TrainConfig) -> (Vec<f64>, SavedModel) {
    let mut run = Run::new(config, &Device::flex()).unwrap();
    let losses = (0..ITERATIONS)
        .flat_map(|_| {
            let losses = run.step_checked().unwrap();
            [losses.critic, losses.generator]
        })
        .collect();
    let mut saved = run.save();
    saved.config = TrainConfig::default();
    (losses, saved)
}

#[test]
fn a_control_outside_its_scope_changes_nothing_and_one_inside_changes_training() {
    let mut wrong = Vec::new();
    for (kind, config) in kinds() {
        let reference = trained(config.clone());
        for control in controls().iter().filter(|c| !KIND.contains(&c.key)) {
            let in_scope = control.scope.contains(&config);
            let Some(edit) = edited(&config, control) else {
                assert!(!in_scope, "{kind}: {} takes no other value", control.key);
                continue;
            };
            let changed = trained(edit) != reference;
            eprintln!(
                "{kind}: {} in scope {in_scope}, changes training {changed}",
                control.key
            );
            if changed != in_scope {
                wrong.push(format!("{kind}: {} (in scope: {in_scope})", control.key));
            }
        }
    }
    assert!(wrong.is_empty(), "scope and training disagree: {wrong:#?}");
}

#[test]
fn on_images_the_controls_of_shapes_alone_leave_the_critic_flows_scope() {
    let digits = TrainConfig::digits();
    let moons = TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Moons, 2);
    let shapes_only: Vec<&str> = controls()
        .iter()
        .filter(|c| c.scope.contains(&moons) && !c.scope.contains(&digits))
        .map(|c| c.key)
        .collect();
    assert_eq!(shapes_only, ["dim", "standardise", "quadratic_potential"]);
    let dim = controls().into_iter().find(|c| c.key == "dim").unwrap();
    assert!(
        edited(&digits, &dim).is_none(),
        "digits are 784 pixels whatever d says"
    );
}
