//! The only wasm-bindgen surface: a training [`Session`] the page's Web Worker drives, and the
//! configuration helpers its URL state uses. No maths here: everything is the library's.
//!
//! Errors cross the boundary as JS `Error`s with a message a person understands; a panic, which
//! aborts the module, is logged to the console and kept for [`last_panic`], so that the worker
//! can say why the module stopped.

mod messages;

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use crate::config::{Mode, Preset, TerminalCost, TrainConfig};
use crate::diagnostics::EvaluationBatch;
use crate::losses::{Diverged, StepLosses};
use crate::model_file::SavedModel;
use crate::nn::readback::Readback;
use crate::run::Run;
use crate::snapshot::queue_snapshot;
use crate::train::Trainer;
use crate::training::Training;
use crate::walkthrough::Walkthrough;
use messages::{SnapshotMessage, StageMessage, ViewRequest};

/// The last panic's message and place, kept by the hook [`start`] installs.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.payload_as_str().unwrap_or("a panic without a message");
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{message}{place}"));
        }
    }));
}

/// The message of the panic that stopped the module ("RuntimeError: unreachable" in JS), if
/// one did.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.lock().ok().and_then(|last| last.clone())
}

/// The default configuration (the 2-D pinwheel flow's preset) as a plain object.
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> Result<JsValue, JsError> {
    to_js(&TrainConfig::preset(
        crate::config::Mode::Flow,
        crate::config::TerminalCost::Critic,
        crate::data::toy2d::Toy2d::Pinwheel,
        2,
    ))
}

/// The preset of a mode ("flow" or "generator") and terminal cost ("critic" or "ot") for a data
/// set and dimension (λ and c_GP depend on d), of the `preset` family ("standard",
/// "paper" or "fast"): `TrainConfig::of_preset`.
#[wasm_bindgen(js_name = presetConfig)]
pub fn preset_config(
    mode: &str,
    terminal: &str,
    dataset: &str,
    dim: usize,
    preset: &str,
) -> Result<JsValue, JsError> {
    let dataset: crate::data::Dataset = dataset.parse().map_err(|e: String| JsError::new(&e))?;
    let mode: Mode = mode
        .parse()
        .map_err(|e: String| JsError::new(&format!("mode {e}")))?;
    let terminal: TerminalCost = terminal
        .parse()
        .map_err(|e: String| JsError::new(&format!("terminal cost {e}")))?;
    let preset: Preset = preset
        .parse()
        .map_err(|e: String| JsError::new(&format!("preset {e}")))?;
    to_js(&TrainConfig::of_preset(
        preset, mode, terminal, dataset, dim,
    ))
}

/// The page's settings table (`config::controls`): key, label, input type with its options or
/// range, and whether an edit applies live or on a reset; the preset families' names; and the
/// variants of paper A's ablation (`config::ablation`).
#[wasm_bindgen(js_name = controlTable)]
pub fn control_table() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Table {
        controls: Vec<crate::config::controls::Control>,
        presets: &'static [&'static str],
        ablation: &'static [crate::config::ablation::Variant],
    }
    to_js(&Table {
        controls: crate::config::controls::controls(),
        presets: Preset::NAMES,
        ablation: &crate::config::ablation::VARIANTS,
    })
}

/// Checks a configuration object; returns it completed with defaults, or throws an Error whose
/// message names the field and its range.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(config: JsValue) -> Result<JsValue, JsError> {
    to_js(&parse_config(config)?)
}

/// Installs the MNIST digits from the bytes of `www/data/mnist.u8` (fetched by the worker);
/// returns how many digits there are, or throws an Error saying what is wrong with the file.
#[wasm_bindgen(js_name = loadMnist)]
pub fn load_mnist(bytes: &[u8]) -> Result<usize, JsError> {
    let images = crate::data::images::Images::parse(bytes).map_err(|e| JsError::new(&e))?;
    let count = images.len();
    crate::data::images::install(images);
    Ok(count)
}

/// Parses a CSV of 2-D points (the upload control); throws an Error naming the offending line.
#[wasm_bindgen(js_name = parsePoints)]
pub fn parse_points(text: &str) -> Result<JsValue, JsError> {
    let points = crate::data::points::parse_csv(text).map_err(|e| JsError::new(&e))?;
    to_js(&points)
}

fn parse_config(config: JsValue) -> Result<TrainConfig, JsError> {
    let config: TrainConfig = serde_wasm_bindgen::from_value(config)
        .map_err(|e| JsError::new(&format!("invalid configuration: {e}")))?;
    config
        .validate()
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(config)
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

thread_local! {
    /// burn's wgpu runtime can be initialised once per worker: the device and adapter name.
    static WEBGPU: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
}

/// The WebGPU device, initialised asynchronously on first use, with its adapter's name.
async fn webgpu_device() -> Result<(Device, String), JsError> {
    if let Some(known) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return Ok(known);
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU could not be initialised: {e}")))?;
    let info = setup.adapter.get_info();
    let name = if info.name.is_empty() {
        format!("{:?}", info.backend)
    } else {
        info.name
    };
    WEBGPU.with(|cell| *cell.borrow_mut() = Some((device.clone(), name.clone())));
    Ok((device, name))
}

/// The device of `backend` ("webgpu" or "cpu") and its adapter's name.
async fn device_of(backend: &str) -> Result<(Device, String), JsError> {
    match backend {
        "webgpu" => webgpu_device().await,
        "cpu" => Ok((Device::flex(), "wasm CPU (flex, SIMD)".to_string())),
        other => Err(JsError::new(&format!(
            "backend '{other}' is not webgpu or cpu"
        ))),
    }
}

struct State {
    run: Run,
    batch: Rc<EvaluationBatch>,
    last_losses: Option<StepLosses>,
    /// The iteration being walked through, stage by stage.
    walk: Option<Walkthrough>,
}

/// One training run inside the worker.
#[wasm_bindgen]
pub struct Session {
    state: Rc<RefCell<State>>,
    backend: String,
    adapter: String,
    pretrained: bool,
}

#[wasm_bindgen]
impl Session {
    /// A session on `backend` ("webgpu" or "cpu") for `config`; its `eval_batch` particles are
    /// evaluated and drawn. With a `pretrained` model file whose configuration is `config` (the
    /// evaluation size aside) the run goes on from that model; otherwise it starts from scratch.
    /// [`Session::pretrained`] says which.
    pub async fn create(
        config: JsValue,
        backend: String,
        pretrained: Option<Vec<u8>>,
    ) -> Result<Session, JsError> {
        let config = parse_config(config)?;
        let (device, adapter) = device_of(&backend).await?;
        let matching = pretrained
            .and_then(|bytes| SavedModel::from_bytes(&bytes).ok())
            .filter(|saved| saved.is_for(&config))
            .map(|saved| SavedModel {
                config: config.clone(),
                ..saved
            });
        let run = match &matching {
            Some(saved) => Run::load(saved, &device).map_err(|e| JsError::new(&e.to_string()))?,
            None => Run::new(config, &device).map_err(|e| JsError::new(&e.to_string()))?,
        };
        Self::of(run, backend, adapter, matching.is_some())
    }

    /// A session on `backend` going on from a model file's `bytes` (written by `save` or by
    /// `w1w2 train --save`), drawing `eval_points` particles, or `eval_images` samples of an
    /// image data set. Rejects with a message naming what is wrong with the file; nothing else
    /// changes.
    pub async fn load(
        bytes: Vec<u8>,
        backend: String,
        eval_points: usize,
        eval_images: usize,
    ) -> Result<Session, JsError> {
        let mut saved = SavedModel::from_bytes(&bytes).map_err(|e| JsError::new(&e.to_string()))?;
        saved.config.eval_batch = match saved.config.dataset.image_side() {
            Some(_) => eval_images,
            None => eval_points,
        };
        let (device, adapter) = device_of(&backend).await?;
        let run = Run::load(&saved, &device).map_err(|e| JsError::new(&e.to_string()))?;
        Self::of(run, backend, adapter, false)
    }

    fn of(
        run: Run,
        backend: String,
        adapter: String,
        pretrained: bool,
    ) -> Result<Session, JsError> {
        let config = run.config();
        let batch = Rc::new(
            EvaluationBatch::for_config(config, config.eval_batch)
                .map_err(|e| JsError::new(&e.to_string()))?,
        );
        let adapter = if run.fused() {
            format!("{adapter} · fused kernels")
        } else {
            adapter
        };
        let state = State {
            run,
            batch,
            last_losses: None,
            walk: None,
        };
        Ok(Session {
            state: Rc::new(RefCell::new(state)),
            backend,
            adapter,
            pretrained,
        })
    }

    /// Whether the session went on from the pretrained model it was given.
    #[wasm_bindgen(getter)]
    pub fn pretrained(&self) -> bool {
        self.pretrained
    }

    /// The configuration of the running model, as a plain object.
    pub fn config(&self) -> Result<JsValue, JsError> {
        to_js(self.state.borrow().run.config())
    }

    /// Resolves to the model file of the run as it is now (a `Uint8Array`): one readback.
    pub fn save(&self) -> js_sys::Promise {
        let mut readback = Readback::default();
        let pending = self.state.borrow().run.queue_state(&mut readback);
        wasm_bindgen_futures::future_to_promise(async move {
            let values = readback
                .read_async()
                .await
                .map_err(|e| JsValue::from(JsError::new(&e)))?;
            let bytes = pending.finish(&values).to_bytes();
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// The backend in use: "webgpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// The adapter's (or CPU backend's) name.
    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }

    /// The held-out data points drawn under the particles, first two coordinates, `[n, 2]`.
    pub fn data(&self) -> js_sys::Float32Array {
        let state = self.state.borrow();
        let batch = &state.batch;
        let data = batch.data_in_data_frame();
        js_sys::Float32Array::from(crate::diagnostics::first_two(&data, batch.dim).as_slice())
    }

    /// Completed iterations.
    #[wasm_bindgen(getter)]
    pub fn iteration(&self) -> usize {
        self.state.borrow().run.iteration()
    }

    /// Runs `iterations` training iterations (an iteration being walked through is completed
    /// first). Nothing is read back: on WebGPU the work is queued.
    pub fn train(&self, iterations: u32) {
        let mut state = self.state.borrow_mut();
        let State { run, walk, .. } = &mut *state;
        if let (Some(walking), Some(trainer)) = (walk.take(), run.flow_mut()) {
            let mut walking = walking;
            while walking.forward(trainer).is_some() {}
        }
        for _ in 0..iterations {
            let losses = state.run.step();
            state.last_losses = Some(losses);
        }
    }

    /// Takes the next stage of the iteration being walked through, drawing a new iteration when
    /// none is under way; returns a [`StageMessage`]. Throws with the reason when the run cannot
    /// be walked through.
    #[wasm_bindgen(js_name = walkForward)]
    pub fn walk_forward(&self) -> Result<JsValue, JsError> {
        let mut state = self.state.borrow_mut();
        let State { run, walk, .. } = &mut *state;
        let trainer = walkable(run)?;
        if walk.as_ref().is_none_or(|w| w.next(trainer).is_none()) {
            *walk = Some(Walkthrough::begin(trainer));
        }
        let walking = walk.as_mut().expect("begun above");
        let view = walking.forward(trainer);
        let message = StageMessage::new(
            walking.last(trainer),
            view,
            trainer.config.critic_steps,
            trainer.iteration,
        );
        to_js(&message)
    }

    /// Undoes the stage of the walk-through last taken (nothing before the first); returns a
    /// [`StageMessage`] of where the iteration now stands.
    #[wasm_bindgen(js_name = walkBack)]
    pub fn walk_back(&self) -> Result<JsValue, JsError> {
        let mut state = self.state.borrow_mut();
        let State { run, walk, .. } = &mut *state;
        let trainer = walkable(run)?;
        let last = match walk.as_mut() {
            Some(walking) => {
                walking.back(trainer);
                walking.last(trainer)
            }
            None => None,
        };
        let message = StageMessage::new(last, None, trainer.config.critic_steps, trainer.iteration);
        to_js(&message)
    }

    /// Changes settings that apply live ([`crate::config::controls`]): an object of numbers by
    /// key. Throws, changing nothing, when one is not a live setting or is out of range.
    pub fn update(&self, settings: JsValue) -> Result<(), JsError> {
        let settings: std::collections::BTreeMap<String, f64> =
            serde_wasm_bindgen::from_value(settings)
                .map_err(|e| JsError::new(&format!("invalid settings: {e}")))?;
        let mut state = self.state.borrow_mut();
        let mut config = state.run.config().clone();
        for (key, value) in &settings {
            config = config
                .with_live_setting(key, *value)
                .map_err(|e| JsError::new(&e.to_string()))?;
        }
        state.run.set_config(config);
        Ok(())
    }

    /// Reads the current state back in one transfer and resolves to a snapshot message (its
    /// arrays are Float32Arrays the worker can transfer). On WebGPU the same transfer reads the
    /// whole model, which the message carries as a model file (`model`, a Uint8Array), so that a
    /// lost device loses nothing before this snapshot. Rejects with a [`diverged_error`] when a
    /// quantity is not finite.
    pub fn snapshot(&self, view: JsValue) -> Result<js_sys::Promise, JsError> {
        let view: ViewRequest = serde_wasm_bindgen::from_value(view)
            .map_err(|e| JsError::new(&format!("invalid view: {e}")))?;
        let request = view
            .request()
            .map_err(|e| JsError::new(&format!("invalid view: {e}")))?;
        let mut readback = Readback::default();
        let (pending, model, batch) = {
            let mut state = self.state.borrow_mut();
            let losses = state.last_losses.take();
            let batch = state.batch.clone();
            let pending = queue_snapshot(&state.run, &batch, losses, &request, &mut readback);
            let model = (self.backend == "webgpu").then(|| state.run.queue_state(&mut readback));
            (pending, model, batch)
        };
        let config = self.state.borrow().run.config().clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let values = readback
                .read_async()
                .await
                .map_err(|e| JsValue::from(JsError::new(&e)))?;
            let snapshot = pending
                .finish(&values, &batch)
                .map_err(|d| diverged_error(&d))?;
            let model = model.map(|m| m.finish(&values).to_bytes());
            SnapshotMessage::new(&snapshot, &config, model.as_deref())
                .to_js()
                .map_err(JsValue::from)
        }))
    }
}

/// The flow trainer a walk-through takes stage by stage, or an error saying why the run has none.
fn walkable(run: &mut Run) -> Result<&mut Trainer, JsError> {
    let fused = run.fused();
    let Some(trainer) = run.flow_mut() else {
        return Err(JsError::new(if fused {
            "the walk-through runs on the CPU backend (backend = cpu); WebGPU runs the fused kernels"
        } else {
            "the walk-through shows the flow's iteration; paper B's generator has no flow"
        }));
    };
    match Walkthrough::refused(trainer) {
        Some(reason) => Err(JsError::new(reason)),
        None => Ok(trainer),
    }
}

/// A JS `Error` named "Diverged" with the `iteration` and the `quantity` that stopped the run, so
/// that the page tells a diverged run from a failure by its type, not by its message.
fn diverged_error(diverged: &Diverged) -> JsValue {
    let error = js_sys::Error::new(&diverged.to_string());
    error.set_name("Diverged");
    let fields = [
        ("iteration", JsValue::from(diverged.iteration as f64)),
        ("quantity", JsValue::from(diverged.quantity)),
    ];
    for (key, value) in fields {
        // Setting a property of a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from(key), &value);
    }
    error.into()
}
