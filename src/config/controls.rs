//! The settings a person edits in the page, one row each: what the control is called, what it
//! takes, its range ([`super::limits`]), whether it applies to a running run or needs a reset, and
//! which runs read it ([`Scope`]: the page hides it for the others).
//! The page builds its control panel and reads and writes its URL from this table (exported by
//! the wasm module), so adding a setting is one row here.

use serde::Serialize;
use serde_json::Value;

use super::limits::{self, Limit};
use super::{ConfigError, Mode, TerminalCost, TrainConfig};
use crate::data::Dataset;
use crate::divergence::Divergence;

/// When an edit takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applies {
    /// On the running run, at its next iteration ([`TrainConfig::with_live_setting`]).
    Live,
    /// On a new run: the edit resets the model.
    OnReset,
}

/// The heading a control sits under in the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// What is learned: the data, their dimension and frame, the seed.
    Data,
    /// Paper A's method: the model, the proximals, the divergence, λ, L, T and K.
    Method,
    /// The optimisers: rates, critic steps, batch.
    Optimisation,
    /// Paper B's semi-discrete OT cost.
    PaperB,
}

/// The runs whose training reads a control: a flow with one of the terminal costs `flow`, paper
/// B's generator when `generator`, on images only when `images` (2-D shapes always).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub flow: &'static [TerminalCost],
    pub generator: bool,
    pub images: bool,
}

impl Scope {
    /// Whether `config`'s training reads the control.
    pub fn contains(&self, config: &TrainConfig) -> bool {
        let model = match config.mode {
            Mode::Flow => self.flow.contains(&config.terminal),
            Mode::Generator => self.generator,
        };
        model && (self.images || config.dataset.image_side().is_none())
    }
}

const BOTH_TERMINALS: &[TerminalCost] = &[TerminalCost::Critic, TerminalCost::Ot];

/// Every run.
const EVERY: Scope = Scope {
    flow: BOTH_TERMINALS,
    generator: true,
    images: true,
};
/// Paper A's flow, with either terminal cost: U_θ, its paths and their kinetic energy.
const FLOW: Scope = Scope {
    generator: false,
    ..EVERY
};
/// The flow whose terminal cost is the critic φ_ω.
const CRITIC_FLOW: Scope = Scope {
    flow: &[TerminalCost::Critic],
    ..FLOW
};
/// Paper B's semi-discrete OT cost: the OT-terminal flow and the OT generator.
const OT_COST: Scope = Scope {
    flow: &[TerminalCost::Ot],
    ..EVERY
};
/// 2-D shapes and drawn points (embedded in R^d), not images.
const SHAPES: Scope = Scope {
    images: false,
    ..EVERY
};

/// Paper A's flow on 2-D shapes and drawn points (embedded in R^d), not images.
const FLOW_ON_SHAPES: Scope = Scope {
    images: false,
    ..FLOW
};

/// What a control takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Input {
    /// One of the names.
    Select { options: Vec<&'static str> },
    /// On or off.
    Bool,
    /// A whole number, in the range when one is given.
    Int { range: Option<Limit> },
    /// A real number in the range.
    Float { range: Limit },
}

/// One editable setting: `key` is its [`TrainConfig`] field, its URL key and its CLI flag's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Control {
    pub key: &'static str,
    pub label: &'static str,
    #[serde(flatten)]
    pub input: Input,
    /// The range in words ([`Limit::describe`]), for a number with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_text: Option<String>,
    pub applies: Applies,
    /// The runs that read it.
    pub scope: Scope,
    /// Its heading in the page.
    pub group: Group,
    /// Whether the page folds it away until asked: a setting the papers fix and few change.
    pub advanced: bool,
}

/// Where a control sits in the page: its heading, and whether it is folded away.
#[derive(Clone, Copy)]
struct Place(Group, bool);

const DATA: Place = Place(Group::Data, false);
const DATA_ADVANCED: Place = Place(Group::Data, true);
const METHOD: Place = Place(Group::Method, false);
const METHOD_ADVANCED: Place = Place(Group::Method, true);
const OPTIMISATION: Place = Place(Group::Optimisation, false);
const OPTIMISATION_ADVANCED: Place = Place(Group::Optimisation, true);
const PAPER_B: Place = Place(Group::PaperB, false);
const PAPER_B_ADVANCED: Place = Place(Group::PaperB, true);

fn control(
    key: &'static str,
    label: &'static str,
    input: Input,
    (applies, scope, Place(group, advanced)): (Applies, Scope, Place),
) -> Control {
    let range_text = match &input {
        Input::Int { range: Some(range) } | Input::Float { range } => Some(range.describe()),
        _ => None,
    };
    Control {
        key,
        label,
        input,
        range_text,
        applies,
        scope,
        group,
        advanced,
    }
}

fn select(options: impl IntoIterator<Item = &'static str>) -> Input {
    Input::Select {
        options: options.into_iter().collect(),
    }
}

const fn int(range: Limit) -> Input {
    Input::Int { range: Some(range) }
}

const fn float(range: Limit) -> Input {
    Input::Float { range }
}

use Applies::{Live, OnReset};

/// The page's settings, in the order the panel shows them.
#[rustfmt::skip]
pub fn controls() -> Vec<Control> {
    vec![
        control("mode", "model", select(Mode::NAMES.iter().copied()), (OnReset, EVERY, METHOD)),
        control("terminal", "terminal cost", select(TerminalCost::NAMES.iter().copied()), (OnReset, FLOW, METHOD)),
        control("dataset", "data set", select(Dataset::names()), (OnReset, EVERY, DATA)),
        control("dim", "dimension d", int(limits::DIM), (OnReset, SHAPES, DATA)),
        control("standardise", "standardise the data (off: the paper’s scale)", Input::Bool, (OnReset, SHAPES, DATA_ADVANCED)),
        control("zero_initial_potential", "U starts at zero (the flow starts at rest)", Input::Bool, (OnReset, FLOW, METHOD_ADVANCED)),
        control("w1_proximal", "W1 proximal (gradient penalty)", Input::Bool, (OnReset, CRITIC_FLOW, METHOD)),
        control("w2_proximal", "W2 proximal (kinetic energy)", Input::Bool, (OnReset, FLOW, METHOD)),
        control("divergence", "divergence", select(Divergence::EXAMPLES.iter().copied()), (OnReset, CRITIC_FLOW, METHOD_ADVANCED)),
        control("lambda", "λ (kinetic weight)", float(limits::POSITIVE), (Live, FLOW, METHOD)),
        control("lipschitz", "L (Lipschitz bound)", float(limits::POSITIVE), (Live, CRITIC_FLOW, METHOD_ADVANCED)),
        control("gradient_penalty", "gradient-penalty weight", float(limits::GRADIENT_PENALTY), (Live, CRITIC_FLOW, METHOD)),
        control("t_final", "T", float(limits::POSITIVE), (OnReset, FLOW, METHOD_ADVANCED)),
        control("steps", "K (Euler steps)", int(limits::STEPS), (OnReset, FLOW, METHOD)),
        control("generator_learning_rate", "learning rate of the generator (U, or the OT generator g)", float(limits::LEARNING_RATE), (Live, EVERY, OPTIMISATION)),
        control("generator_late_rate_from", "iteration from which the generator’s rate takes the late factor", int(limits::ITERATION), (OnReset, EVERY, OPTIMISATION_ADVANCED)),
        control("generator_late_rate_factor", "late factor of the generator’s rate", float(limits::LATE_RATE_FACTOR), (Live, EVERY, OPTIMISATION_ADVANCED)),
        control("critic_learning_rate", "learning rate of φ", float(limits::LEARNING_RATE), (Live, CRITIC_FLOW, OPTIMISATION)),
        control("critic_steps", "critic steps", int(limits::CRITIC_STEPS), (OnReset, CRITIC_FLOW, OPTIMISATION_ADVANCED)),
        control("batch_size", "batch size", int(limits::BATCH_SIZE), (OnReset, EVERY, OPTIMISATION_ADVANCED)),
        control("ot_lambda", "λ of the OT cost", float(limits::OT_LAMBDA), (Live, OT_COST, PAPER_B)),
        control("ot_step", "dual step C", float(limits::POSITIVE), (Live, OT_COST, PAPER_B)),
        control("ot_dual_steps", "dual steps Nψ", int(limits::OT_DUAL_STEPS), (OnReset, OT_COST, PAPER_B_ADVANCED)),
        control("ot_points", "data points J", int(limits::OT_POINTS), (OnReset, OT_COST, PAPER_B_ADVANCED)),
        control("potential_average", "β of the average of U’s weights the flow is drawn from (0: none)", float(limits::POTENTIAL_AVERAGE), (OnReset, FLOW, METHOD_ADVANCED)),
        control("quadratic_potential", "U gains an exact quadratic term ½·q(t)·|x|²", Input::Bool, (OnReset, FLOW_ON_SHAPES, METHOD_ADVANCED)),
        control("seed", "seed", Input::Int { range: None }, (OnReset, EVERY, DATA)),
    ]
}

impl TrainConfig {
    /// This configuration with the live control `key` set to `value`, validated: what an edit
    /// of a running run changes. Any other key is refused by name.
    pub fn with_live_setting(&self, key: &str, value: f64) -> Result<Self, ConfigError> {
        let refuse = |message: String| ConfigError {
            field: "settings",
            message,
        };
        let live = controls()
            .into_iter()
            .find(|c| c.key == key && c.applies == Live)
            .ok_or_else(|| refuse(format!("“{key}” is not a setting that applies live")))?;
        let mut fields = serde_json::to_value(self).map_err(|e| refuse(e.to_string()))?;
        fields[live.key] = Value::from(value);
        let config: Self =
            serde_json::from_value(fields).map_err(|e| refuse(format!("{}: {e}", live.key)))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every control names a field of the configuration, and every select option parses there.
    #[test]
    fn every_control_is_a_field_and_its_options_parse() {
        let fields = serde_json::to_value(TrainConfig::default()).unwrap();
        for control in controls() {
            assert!(
                fields.get(control.key).is_some(),
                "{} is no field",
                control.key
            );
            if let Input::Select { options } = &control.input {
                for option in options {
                    let mut edited = fields.clone();
                    edited[control.key] = Value::from(*option);
                    serde_json::from_value::<TrainConfig>(edited)
                        .unwrap_or_else(|e| panic!("{}={option}: {e}", control.key));
                }
            }
        }
    }

    /// A live setting changes that field alone; an out-of-range value and a setting that needs a
    /// reset are refused, naming them.
    #[test]
    fn live_settings_change_one_field_and_refuse_the_rest() {
        let config = TrainConfig::default();
        for control in controls().iter().filter(|c| c.applies == Live) {
            let edited = config.with_live_setting(control.key, 0.25).unwrap();
            let (before, after) = (
                serde_json::to_value(&config).unwrap(),
                serde_json::to_value(&edited).unwrap(),
            );
            assert_eq!(after[control.key], Value::from(0.25), "{}", control.key);
            let changed: Vec<_> = before
                .as_object()
                .unwrap()
                .iter()
                .filter(|(key, value)| after[key.as_str()] != **value)
                .map(|(key, _)| key.clone())
                .collect();
            assert_eq!(changed, [control.key]);
        }
        let negative = config.with_live_setting("lambda", -1.0).unwrap_err();
        assert_eq!(negative.field, "lambda");
        assert!(negative.message.contains("a positive number"), "{negative}");
        let reset = config.with_live_setting("steps", 3.0).unwrap_err();
        assert!(reset.message.contains("“steps”"), "{reset}");
    }

    /// The ranges the page shows are the ones validation enforces.
    #[test]
    fn the_ranges_shown_are_the_ones_enforced() {
        for control in controls() {
            let range = match control.input {
                Input::Int { range: Some(range) } | Input::Float { range } => range,
                _ => continue,
            };
            let Limit::Count { min, max } = range else {
                continue;
            };
            let mut fields = serde_json::to_value(TrainConfig::default()).unwrap();
            fields["data_pool"] = Value::from(100_000);
            for (value, valid) in [(min, true), (max, true), (min - 1, false), (max + 1, false)] {
                fields[control.key] = Value::from(value);
                let config: TrainConfig = serde_json::from_value(fields.clone()).unwrap();
                assert_eq!(config.validate().is_ok(), valid, "{}={value}", control.key);
            }
        }
    }
}
