//! The pretrained models the page ships (www/pretrained/): each is a model file of its data set's
//! standard 2-D preset, as the page computes it, so the page opens on it; and each has learned,
//! its end points much closer to the data than the untrained flow's.

use burn::tensor::Device;
use w1w2_flow::config::{Mode, TerminalCost, TrainConfig};
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::diagnostics::{EvaluationBatch, evaluate};
use w1w2_flow::model_file::SavedModel;
use w1w2_flow::run::{Run, Training};

/// Particles evaluated, as by `w1w2 train` (the sampling floor of W2 on the page's 500 is near the
/// learned values of circles and checkerboard).
const EVALUATED: usize = 2000;

/// The largest W2 of a pretrained model as a share of the untrained flow's on the same batch.
const LEARNED_SHARE: f64 = 0.7;

#[test]
fn every_pretrained_model_is_its_presets_and_has_learned() {
    for dataset in Toy2d::ALL {
        let name = dataset.name();
        let path = format!("{}/www/pretrained/{name}.w1w2", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let saved = SavedModel::from_bytes(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let preset = TrainConfig {
            eval_batch: EVALUATED,
            ..TrainConfig::preset(Mode::Flow, TerminalCost::Critic, dataset, 2)
        };
        assert!(
            saved.is_for(&preset),
            "{path} is stale: run the command in www/pretrained/README.md again"
        );
        let batch = EvaluationBatch::for_config(&preset, EVALUATED).unwrap();
        let w2 = |run: &Run| evaluate(run, &batch).expect("finite").w2;
        let untrained = w2(&Run::new(preset.clone(), &Device::flex()).unwrap());
        let trained = Run::load(&saved, &Device::flex()).unwrap();
        assert!(trained.iteration() > 0);
        let learned = w2(&trained);
        eprintln!("{name}: W2 {untrained:.3} untrained, {learned:.3} pretrained");
        assert!(
            learned < LEARNED_SHARE * untrained,
            "{name}: W2 {learned:.3} pretrained against {untrained:.3} untrained"
        );
    }
}
