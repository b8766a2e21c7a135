//! The messages that cross the worker boundary, one type per direction, versioned.

use js_sys::{Float32Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::config::{Mode, TerminalCost, TrainConfig};
use crate::diagnostics::Diagnostics;
use crate::snapshot::{Snapshot, SnapshotRequest, View};
use crate::walkthrough::{Stage, StageView};

/// The version of [`SnapshotMessage`]; the page checks it.
pub const SNAPSHOT_VERSION: u32 = 4;

/// What the page asks a snapshot to show.
#[derive(Deserialize)]
pub struct ViewRequest {
    /// [x_min, x_max, y_min, y_max] of the plotted window.
    window: [f32; 4],
    critic_grid: usize,
    velocity_grid: usize,
    time: f64,
    highlighted: usize,
}

impl ViewRequest {
    /// The snapshot request, or the first value out of range ([`SnapshotRequest::validate`]).
    pub fn request(&self) -> Result<SnapshotRequest, String> {
        let [x_min, x_max, y_min, y_max] = self.window;
        let request = SnapshotRequest {
            view: View {
                x_min,
                x_max,
                y_min,
                y_max,
            },
            critic_grid: self.critic_grid,
            velocity_grid: self.velocity_grid,
            time: self.time,
            highlighted: self.highlighted,
        };
        request.validate().map(|()| request)
    }
}

/// The scalar part of a snapshot; field names are the CLI's JSON keys.
#[derive(Serialize)]
struct Metrics<'a> {
    version: u32,
    iteration: usize,
    critic_loss: Option<f64>,
    generator_loss: Option<f64>,
    #[serde(flatten)]
    diagnostics: &'a Diagnostics,
    steps: usize,
    t_final: f64,
    lambda: f64,
    dim: usize,
    mode: Mode,
    terminal: TerminalCost,
    ot_lambda: f64,
    /// β of the running average of U's weights the paths are drawn from (0: U's own).
    potential_average: f64,
    /// How many groups `cells` blends per lattice point.
    groups: usize,
    /// The side of the square images, for image data.
    #[serde(skip_serializing_if = "Option::is_none")]
    image_side: Option<usize>,
    /// How many times finer Δt is in `fine_images`.
    fine_factor: usize,
    /// For image data: the share of the samples from which a class counts as covered by the
    /// digit score.
    #[serde(skip_serializing_if = "Option::is_none")]
    digit_class_share: Option<f64>,
}

/// A snapshot as the worker posts it: `metrics` (plain numbers) plus Float32Arrays, and where
/// the model was read back with it, the model file (`model`, a Uint8Array).
pub struct SnapshotMessage<'a> {
    snapshot: &'a Snapshot,
    config: &'a TrainConfig,
    model: Option<&'a [u8]>,
}

impl<'a> SnapshotMessage<'a> {
    pub fn new(snapshot: &'a Snapshot, config: &'a TrainConfig, model: Option<&'a [u8]>) -> Self {
        Self {
            snapshot,
            config,
            model,
        }
    }

    pub fn to_js(&self) -> Result<JsValue, JsError> {
        let s = self.snapshot;
        let metrics = Metrics {
            version: SNAPSHOT_VERSION,
            iteration: s.iteration,
            critic_loss: s.losses.map(|l| l.critic),
            generator_loss: s.losses.map(|l| l.generator),
            diagnostics: &s.diagnostics,
            // A generator's "trajectory" is its samples alone: no Euler steps.
            steps: if self.config.mode == Mode::Flow {
                self.config.steps
            } else {
                0
            },
            t_final: self.config.t_final,
            lambda: self.config.lambda,
            dim: self.config.dim,
            mode: self.config.mode,
            terminal: self.config.terminal,
            ot_lambda: self.config.ot_lambda,
            potential_average: self.config.potential_average,
            groups: crate::snapshot::GROUPS,
            image_side: self.config.dataset.image_side(),
            fine_factor: crate::snapshot::FINE_FACTOR,
            digit_class_share: self
                .config
                .dataset
                .image_side()
                .map(|_| crate::digits::CLASS_SHARE),
        };
        let message = Object::new();
        let metrics = metrics
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| JsError::new(&e.to_string()))?;
        let set = |key: &str, value: &JsValue| {
            Reflect::set(&message, &key.into(), value)
                .map(|_| ())
                .map_err(|_| JsError::new("cannot build the snapshot message"))
        };
        set("metrics", &metrics)?;
        for (key, values) in [
            ("trajectories", &s.trajectories),
            ("critic", &s.critic),
            ("velocity", &s.velocity),
            ("predicted_lines", &s.predicted_lines),
            ("extra_rms_by_time", &s.extra_rms_by_time),
            ("cells", &s.cells),
            ("barycentres", &s.barycentres),
            ("images", &s.images.samples),
            ("image_paths", &s.images.paths),
            ("fine_images", &s.images.fine),
        ] {
            set(key, &Float32Array::from(values.as_slice()).into())?;
        }
        if let Some(model) = self.model {
            set("model", &js_sys::Uint8Array::from(model).into())?;
        }
        Ok(message.into())
    }
}

/// A walk-through stage taken or undone ([`crate::walkthrough`]): where the iteration stands now.
#[derive(Serialize)]
pub struct StageMessage {
    /// The stage last taken: "critic", "generator", or "start" before any.
    pub stage: &'static str,
    /// The critic step's index (from 0).
    pub step: Option<usize>,
    pub critic_steps: usize,
    /// Completed iterations.
    pub iteration: usize,
    /// The stage's loss (L_D or L_G), when it was just taken.
    pub loss: Option<f64>,
    /// The samples and data batch the stage used, `[B, 2]` each, when it was just taken.
    pub samples: Vec<f32>,
    pub data: Vec<f32>,
}

impl StageMessage {
    /// Where a walk-through stands after `last` (none: before its first stage), with the `view`
    /// of a stage just taken.
    pub fn new(
        last: Option<Stage>,
        view: Option<StageView>,
        critic_steps: usize,
        iteration: usize,
    ) -> Self {
        let (stage, step) = match last {
            None => ("start", None),
            Some(Stage::Critic { step }) => ("critic", Some(step)),
            Some(Stage::Generator) => ("generator", None),
        };
        let (loss, samples, data) = match view {
            Some(view) => (Some(view.loss), view.samples, view.data),
            None => (None, Vec::new(), Vec::new()),
        };
        Self {
            stage,
            step,
            critic_steps,
            iteration,
            loss,
            samples,
            data,
        }
    }
}
