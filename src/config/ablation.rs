//! Paper A's ablation (docs/method.md §1): the critic-terminal flow with each proximal on or off.
//! W1⊕W2 is well posed; without the W1 proximal the terminal condition is undefined for data on a
//! manifold, and without the W2 proximal many flows reach the same end points. The variants share
//! everything else (data, seed, networks, rates), so they draw the same data and source points.

use serde::Serialize;

use super::{Mode, TerminalCost, TrainConfig};

/// One configuration of the ablation: which of the two proximals it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// The name the page and `w1w2 compare` show.
    pub name: &'static str,
    /// The W1 proximal: the one-sided gradient penalty holding |∇φ| ≤ L.
    pub w1_proximal: bool,
    /// The W2 proximal: the kinetic-energy penalty λ·½∫|v|².
    pub w2_proximal: bool,
}

/// The four variants, the well-posed one first.
pub const VARIANTS: [Variant; 4] = [
    Variant {
        name: "W1⊕W2",
        w1_proximal: true,
        w2_proximal: true,
    },
    Variant {
        name: "W1 only",
        w1_proximal: true,
        w2_proximal: false,
    },
    Variant {
        name: "W2 only",
        w1_proximal: false,
        w2_proximal: true,
    },
    Variant {
        name: "neither",
        w1_proximal: false,
        w2_proximal: false,
    },
];

impl Variant {
    /// `config` with this variant's proximals and nothing else changed.
    pub fn of(&self, config: &TrainConfig) -> TrainConfig {
        TrainConfig {
            w1_proximal: self.w1_proximal,
            w2_proximal: self.w2_proximal,
            ..config.clone()
        }
    }
}

/// Why `config` cannot be ablated, or `None` when it can: the proximals ablated are those of the
/// critic-terminal flow (the OT terminal cost and paper B's generator have no W1 proximal).
pub fn refused(config: &TrainConfig) -> Option<&'static str> {
    (config.mode != Mode::Flow || config.terminal != TerminalCost::Critic).then_some(
        "the ablation compares the proximals of the flow with the critic terminal cost \
         (mode flow, terminal critic)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy2d::Toy2d;

    #[test]
    fn the_variants_are_the_four_switch_settings_and_change_nothing_else() {
        let base = TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Moons, 12);
        let mut settings: Vec<(bool, bool)> = Vec::new();
        for variant in VARIANTS {
            let config = variant.of(&base);
            settings.push((config.w1_proximal, config.w2_proximal));
            let mut fields = serde_json::to_value(&config).unwrap();
            let mut expected = serde_json::to_value(&base).unwrap();
            for key in ["w1_proximal", "w2_proximal"] {
                fields.as_object_mut().unwrap().remove(key);
                expected.as_object_mut().unwrap().remove(key);
            }
            assert_eq!(
                fields, expected,
                "{} changed more than its proximals",
                variant.name
            );
            config.validate().unwrap();
        }
        assert_eq!(
            settings,
            [(true, true), (true, false), (false, true), (false, false)]
        );
    }

    #[test]
    fn only_the_critic_terminal_flow_is_ablated() {
        let flow = TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, 2);
        assert_eq!(refused(&flow), None);
        for (mode, terminal) in [
            (Mode::Flow, TerminalCost::Ot),
            (Mode::Generator, TerminalCost::Ot),
        ] {
            let config = TrainConfig::preset(mode, terminal, Toy2d::Pinwheel, 2);
            assert!(refused(&config).is_some(), "{mode:?} {terminal:?}");
        }
    }
}
