//! Tests in a real browser (headless Chromium, WebGPU through SwiftShader where no GPU exists),
//! run by `wasm-pack test --headless --chrome --release` from `cargo xtask test`.
//!
//! The tests run in a dedicated worker, as the page's trainer does: compiling the test module and
//! the CPU-backend runs then leave the page's main thread free to answer chromedriver, which gives
//! up on a renderer that stays silent for 30 s.
#![cfg(target_arch = "wasm32")]

#[path = "support/fused_comparison.rs"]
mod fused_comparison;

use burn::tensor::Device;
use w1w2_flow::config::TrainConfig;
use w1w2_flow::data::toy2d::Toy2d;
use w1w2_flow::diagnostics::{Diagnostics, EvaluationBatch};
use w1w2_flow::fused::FusedTrainer;
use w1w2_flow::losses::{Diverged, LossValues};
use w1w2_flow::nn::readback::Readback;
use w1w2_flow::train::Trainer;
use w1w2_flow::training::Training;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen(inline_js = r#"
export function install_device_error_trap() {
  globalThis.__w1w2DeviceErrors = [];
  if (!globalThis.GPUAdapter || GPUAdapter.prototype.__w1w2Trapped) return;
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    device.addEventListener('uncapturederror', (e) => globalThis.__w1w2DeviceErrors.push(String(e.error && e.error.message)));
    device.lost.then((info) => globalThis.__w1w2DeviceErrors.push(`device lost: ${info.message}`));
    return device;
  };
  GPUAdapter.prototype.__w1w2Trapped = true;
}
export function device_errors() { return globalThis.__w1w2DeviceErrors.join('\n'); }
export async function adapter_description() {
  if (!navigator.gpu) return '';
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return '';
  const info = adapter.info || {};
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}
"#)]
extern "C" {
    fn install_device_error_trap();
    fn device_errors() -> String;
    async fn adapter_description() -> JsValue;
}

thread_local! {
    /// The page's WebGPU device: burn initialises the wgpu runtime once a page.
    static WEBGPU: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

/// The WebGPU device, initialised by the first test that asks.
async fn webgpu() -> Device {
    if let Some(device) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return device;
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .expect("WebGPU device");
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(device.clone()));
    device
}

/// Losses of each iteration and the final weights of U and φ, read back asynchronously.
async fn train(trainer: &mut Trainer, iterations: usize) -> (Vec<LossValues>, Vec<f32>) {
    let mut losses = Vec::new();
    for _ in 0..iterations {
        let mut readback = Readback::default();
        let step = trainer.step();
        let pending = trainer.queue_losses(step, &mut readback);
        let values = readback.read_async().await.expect("readback");
        losses.push(
            pending
                .check(&values, trainer.iteration)
                .expect("finite losses"),
        );
    }
    let mut readback = Readback::default();
    let slots: Vec<_> = trainer
        .potential
        .net
        .parameters()
        .into_iter()
        .chain(trainer.terminal.parameters())
        .map(|p| readback.push(p.inner()))
        .collect();
    let values = readback.read_async().await.expect("readback");
    (
        losses,
        slots
            .into_iter()
            .flat_map(|s| values.get(s).to_vec())
            .collect(),
    )
}

async fn evaluate(run: &dyn Training, batch: &EvaluationBatch) -> Result<Diagnostics, Diverged> {
    let mut readback = Readback::default();
    let (pending, _) = run.measure(batch, &mut readback);
    pending.finish(&readback.read_async().await.expect("readback"), batch)
}

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-3)
}

#[wasm_bindgen_test]
async fn webgpu_training_matches_the_cpu_backend() {
    install_device_error_trap();
    let adapter = adapter_description().await.as_string().unwrap_or_default();
    assert!(!adapter.is_empty(), "no WebGPU adapter was obtained");
    console_log!("WebGPU adapter: {adapter}");
    let gpu = webgpu().await;
    let config = TrainConfig {
        data_pool: 2_000,
        ..TrainConfig::default()
    };
    let mut on_gpu = Trainer::new(config.clone(), &gpu).unwrap();
    let mut on_cpu = Trainer::new(config, &Device::flex()).unwrap();
    let (_, initial_weights) = train(
        &mut Trainer::new(on_cpu.config.clone(), &Device::flex()).unwrap(),
        0,
    )
    .await;
    let (gpu_losses, gpu_weights) = train(&mut on_gpu, 3).await;
    let (cpu_losses, cpu_weights) = train(&mut on_cpu, 3).await;
    let errors = device_errors();
    assert!(errors.is_empty(), "WebGPU device errors: {errors}");
    console_log!("losses WebGPU {gpu_losses:?}\nlosses CPU {cpu_losses:?}");
    for (g, c) in gpu_losses.iter().zip(&cpu_losses) {
        assert!(
            relative_gap(g.critic, c.critic) < 1e-3,
            "critic loss WebGPU {} vs CPU {}",
            g.critic,
            c.critic
        );
        assert!(
            relative_gap(g.generator, c.generator) < 1e-3,
            "generator loss WebGPU {} vs CPU {}",
            g.generator,
            c.generator
        );
    }
    // Relative to the weights' norm (the issue's 1e-3), and the updates w − w₀ relative to theirs:
    // the stronger check, since three steps of Adam at rate 1e-4 move the weights little.
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let weight_gap = norm(
        &mut gpu_weights
            .iter()
            .zip(&cpu_weights)
            .map(|(&g, &c)| (g - c) as f64),
    ) / norm(&mut cpu_weights.iter().map(|&c| c as f64));
    let cpu_update = norm(
        &mut cpu_weights
            .iter()
            .zip(&initial_weights)
            .map(|(&c, &w)| (c - w) as f64),
    );
    let update_gap = norm(
        &mut gpu_weights
            .iter()
            .zip(&cpu_weights)
            .map(|(&g, &c)| (g - c) as f64),
    ) / cpu_update;
    console_log!(
        "weights: relative gap {weight_gap:.2e}; updates: relative gap {update_gap:.2e} (update norm {cpu_update:.2e})"
    );
    assert!(
        weight_gap < 1e-3,
        "weights differ by {weight_gap:.2e} relative"
    );
    assert!(
        update_gap < 1e-2,
        "the weight updates differ by {update_gap:.2e} relative"
    );
    let moved = gpu_weights
        .iter()
        .zip(&initial_weights)
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        moved > gpu_weights.len() / 2,
        "only {moved} of {} weights changed: the run did not train",
        gpu_weights.len()
    );
    assert!(
        gpu_losses[0] != gpu_losses[2],
        "the losses did not change over three iterations"
    );
}

/// [`fused_comparison::Record`] of a run, each readback awaited.
async fn record(run: &mut dyn Training) -> fused_comparison::Record {
    async fn weights(run: &dyn Training) -> Vec<Vec<f64>> {
        let mut readback = Readback::default();
        let slots: Vec<_> = fused_comparison::parameter_tensors(run)
            .into_iter()
            .map(|p| readback.push(p))
            .collect();
        let values = readback.read_async().await.expect("readback");
        slots
            .into_iter()
            .map(|s| values.get(s).iter().map(|&v| v as f64).collect())
            .collect()
    }
    let start = weights(run).await;
    let (mut losses, mut constants) = (Vec::new(), Vec::new());
    for _ in 0..fused_comparison::ITERATIONS {
        let mut readback = Readback::default();
        let step = run.step();
        let pending = run.queue_losses(step, &mut readback);
        let constant = readback.push(fused_comparison::critic_constant(run));
        let values = readback.read_async().await.expect("readback");
        let step = pending
            .check(&values, run.iteration())
            .expect("finite losses");
        losses.push((step.critic, step.generator));
        constants.push(values.scalar(constant));
    }
    fused_comparison::Record {
        losses,
        constants,
        start,
        end: weights(run).await,
    }
}

/// The fused kernels on the browser's WebGPU (Chromium's on SwiftShader, Firefox's on lavapipe,
/// as cargo xtask test runs them) against the burn path on the CPU backend, case by case
/// (tests/support/fused_comparison.rs); a device error fails the test.
#[wasm_bindgen_test]
async fn fused_webgpu_training_matches_the_cpu_backend() {
    install_device_error_trap();
    let adapter = adapter_description().await.as_string().unwrap_or_default();
    assert!(!adapter.is_empty(), "no WebGPU adapter was obtained");
    console_log!("WebGPU adapter: {adapter}");
    let gpu = webgpu().await;
    for (name, config) in fused_comparison::cases() {
        let reference = record(&mut Trainer::new(config.clone(), &Device::flex()).unwrap()).await;
        let mut fused =
            FusedTrainer::new(config.clone(), &gpu).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fused = record(&mut fused).await;
        let errors = device_errors();
        assert!(errors.is_empty(), "{name}: WebGPU device errors: {errors}");
        console_log!(
            "{name}: losses fused {:?}, burn {:?}",
            fused.losses,
            reference.losses
        );
        fused_comparison::assert_records_match(name, &config, &reference, &fused);
    }
}

#[wasm_bindgen_test]
async fn cpu_backend_in_the_browser_lowers_w2_on_moons() {
    let config = TrainConfig {
        lambda: 0.1,
        generator_learning_rate: 5e-3,
        critic_learning_rate: 2e-3,
        eval_batch: 300,
        data_pool: 10_000,
        ..TrainConfig::paper(Toy2d::Moons, 2)
    };
    let batch = EvaluationBatch::for_config(&config, 300).unwrap();
    let mut trainer = Trainer::new(config, &Device::flex()).unwrap();
    let before = evaluate(&trainer, &batch).await.unwrap();
    train(&mut trainer, 100).await;
    let after = evaluate(&trainer, &batch)
        .await
        .expect("every diagnostic finite after 100 iterations");
    console_log!("exact W2 {} → {} after 100 iterations", before.w2, after.w2);
    // Exact W2 after / before 100 iterations: 0.41 here at seed 3 (3.34 → 1.37); the same run
    // natively, whose kernels round otherwise, gives 0.38–0.63 over seeds 1–8.
    assert!(
        after.w2 <= 0.8 * before.w2,
        "exact W2 {} → {}",
        before.w2,
        after.w2
    );
    let flow = after.flow.expect("a flow has paths");
    for value in [
        flow.kinetic_energy,
        flow.hj_residual,
        flow.terminal_residual,
        flow.straightness,
        after.sinkhorn.unwrap(),
        after.divergence,
    ] {
        assert!(value.is_finite());
    }
}
