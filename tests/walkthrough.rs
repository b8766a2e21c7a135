//! The walk-through (src/walkthrough.rs): an iteration taken stage by stage, with stages undone
//! and taken again on the way, trains exactly as one step; and it names what it cannot show.

use burn::tensor::Device;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::run::Run;
use w1w2_flow::training::Training;
use w1w2_flow::walkthrough::{Stage, Walkthrough};

fn config() -> TrainConfig {
    TrainConfig {
        batch_size: 32,
        critic_steps: 3,
        seed: 7,
        ..TrainConfig::preset(Mode::Flow, TerminalCost::Critic, Toy2d::Pinwheel, 2)
    }
}

#[test]
fn stages_taken_back_and_forth_end_where_one_step_does() {
    let mut stepped = Run::new(config(), &Device::flex()).unwrap();
    let mut walked = Run::new(config(), &Device::flex()).unwrap();
    stepped.step_checked().unwrap();
    walked.step_checked().unwrap();
    let expected = {
        stepped.step_checked().unwrap();
        stepped.save()
    };

    let trainer = walked.flow_mut().unwrap();
    assert_eq!(Walkthrough::refused(trainer), None);
    let mut walk = Walkthrough::begin(trainer);
    let mut stages = Vec::new();
    let first = walk.forward(trainer).unwrap();
    assert_eq!((first.samples.len(), first.data.len()), (64, 64));
    stages.push(first.stage);
    let second = walk.forward(trainer).unwrap();
    assert!(walk.back(trainer));
    assert_eq!(walk.next(trainer), Some(Stage::Critic { step: 1 }));
    let again = walk.forward(trainer).unwrap();
    assert_eq!(
        again.loss.to_bits(),
        second.loss.to_bits(),
        "a stage taken again"
    );
    stages.push(again.stage);
    while let Some(view) = walk.forward(trainer) {
        stages.push(view.stage);
    }
    assert_eq!(
        stages,
        [
            Stage::Critic { step: 0 },
            Stage::Critic { step: 1 },
            Stage::Critic { step: 2 },
            Stage::Generator
        ]
    );
    assert_eq!(walk.last(trainer), Some(Stage::Generator));
    let got = walked.save();
    assert_eq!(got.iteration, 2);
    assert!(
        got == expected,
        "the walked iteration differs from the stepped one"
    );
}

#[test]
fn what_the_walkthrough_cannot_show_is_named() {
    let ot = TrainConfig::preset(Mode::Flow, TerminalCost::Ot, Toy2d::Pinwheel, 2);
    let mut run = Run::new(ot, &Device::flex()).unwrap();
    let reason = Walkthrough::refused(run.flow_mut().unwrap());
    assert!(reason.unwrap().contains("OT"), "{reason:?}");
    let generator = TrainConfig::preset(Mode::Generator, TerminalCost::Ot, Toy2d::Pinwheel, 2);
    assert!(
        Run::new(generator, &Device::flex())
            .unwrap()
            .flow_mut()
            .is_none()
    );
}
