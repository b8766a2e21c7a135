//! What a run starts from: a new model of a configuration, or a saved model (`--init`).

use w1w2_flow::config::TrainConfig;
use w1w2_flow::model_file::SavedModel;
use w1w2_flow::run::Run;

use crate::failure::Failure;

/// What a run starts from.
pub enum Start {
    /// A new model of this configuration.
    Fresh(TrainConfig),
    /// A saved model, going on where it stopped.
    Saved(SavedModel),
}

impl Start {
    pub fn config(&self) -> &TrainConfig {
        match self {
            Self::Fresh(config) => config,
            Self::Saved(saved) => &saved.config,
        }
    }

    pub fn run(&self, device: &burn::tensor::Device) -> Result<Run, Failure> {
        match self {
            Self::Fresh(config) => Run::new(config.clone(), device)
                .map_err(|e| Failure::usage(format!("invalid configuration: {e}"))),
            Self::Saved(saved) => {
                Run::load(saved, device).map_err(|e| Failure::usage(format!("--init: {e}")))
            }
        }
    }
}
