// The page's benchmark (not a test: it prints figures). For each backend, paper pinwheel 2-D, the
// paper's MNIST preset and the digits preset: the time from navigation to the first drawn snapshot, iterations per second,
// WebGPU compute dispatches per iteration, readbacks per snapshot, and the memory after each
// measured run (the worker's WebAssembly memory and the page's JS heap: flat when nothing leaks).
// Each figure is a difference of two runs (N₂ and N₁ iterations, one snapshot each), so the
// snapshot's own cost cancels. BASE_URL names the server (cargo xtask bench starts one);
// BENCH_CASES=name,name runs only those cases.
//
// MNIST at batch 2 stands in for the preset where the preset is too slow to finish: on WebGPU
// (SwiftShader does not finish one preset iteration in 30 minutes) a dispatch count does not
// depend on the batch; memory after 1,000 iterations and after 3,000 more shows whether it stays
// flat once warm.

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:8080/';
const FLAGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage',
];
const CASES = [
  { name: 'pinwheel-cpu', hash: 'dataset=pinwheel&backend=cpu&start=scratch', runs: [20, 120] },
  // The first frame a newcomer sees: the shipped pretrained pinwheel (www/pretrained/).
  { name: 'pinwheel-pretrained-cpu', hash: 'dataset=pinwheel&backend=cpu', runs: [20, 120] },
  { name: 'pinwheel-webgpu', hash: 'dataset=pinwheel&backend=webgpu&start=scratch', runs: [5, 25] },
  { name: 'mnist-paper-cpu', hash: 'dataset=mnist&backend=cpu&preset=paper&start=scratch', runs: [1, 3] },
  { name: 'mnist-digits-cpu', hash: 'dataset=mnist&backend=cpu&start=scratch', runs: [5, 25] },
  // The first frame on digits: the shipped pretrained digits (www/pretrained/mnist.w1w2).
  { name: 'mnist-digits-pretrained-cpu', hash: 'dataset=mnist&backend=cpu', runs: [5, 25] },
  { name: 'mnist-digits-webgpu', hash: 'dataset=mnist&backend=webgpu&start=scratch', runs: [1, 2] },
  { name: 'mnist-batch2-webgpu', hash: 'dataset=mnist&batch_size=2&backend=webgpu', runs: [1, 2] },
  { name: 'mnist-batch2-cpu-memory', hash: 'dataset=mnist&batch_size=2&backend=cpu', runs: [1000, 3000] },
].filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
for (const { name, hash, runs: [n1, n2] } of CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#${hash}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000, polling: 10 });
  const firstFrameMs = await page.evaluate(() => performance.now()); // since navigation
  const measure = (n) => page.evaluate(async (n) => {
    const before = window.w1w2.counters();
    const started = performance.now();
    await window.w1w2.step(n);
    const after = window.w1w2.counters();
    return { ms: performance.now() - started, dispatches: after.dispatches - before.dispatches, submits: after.submits - before.submits, readbacks: after.readbacks - before.readbacks, memory: after.wasmMemoryBytes, heap: performance.memory ? performance.memory.usedJSHeapSize : 0 };
  }, n);
  await measure(2); // warm-up: shader compilation, allocations
  const [a, b] = [await measure(n1), await measure(n2)];
  const perIteration = (key) => (b[key] - a[key]) / (n2 - n1);
  const adapter = await page.locator('#adapter').innerText();
  console.log(JSON.stringify({
    case: name, adapter, iterations: [n1, n2],
    milliseconds_to_first_frame: Math.round(firstFrameMs),
    iterations_per_second: +(1000 / perIteration('ms')).toFixed(2),
    milliseconds_per_iteration: +perIteration('ms').toFixed(2),
    dispatches_per_iteration: perIteration('dispatches'),
    submits_per_iteration: perIteration('submits'),
    readbacks_per_snapshot: a.readbacks - perIteration('readbacks') * n1,
    milliseconds_per_snapshot: +(a.ms - perIteration('ms') * n1).toFixed(1),
    wasm_memory_mb: [a.memory, b.memory].map((bytes) => +(bytes / 1e6).toFixed(1)),
    page_js_heap_mb: [a.heap, b.heap].map((bytes) => +(bytes / 1e6).toFixed(1)),
  }));
  await page.close();
}
// Time to shape: from pressing play until the page's exact W2 (500 particles against 500 held-out
// points) first reads at most TARGET_W2, on the wasm CPU backend, for the preset, the paper's and
// the fast demonstration at seeds 1–5 (the page's is 3).
const TARGET_W2 = 0.3;
const SHAPE_LIMIT_MS = 300_000;
const SHAPE_CASES = [
  { name: 'pinwheel-preset-time-to-shape', hash: 'dataset=pinwheel&backend=cpu&start=scratch' },
  { name: 'pinwheel-paper-time-to-shape', hash: 'dataset=pinwheel&backend=cpu&preset=paper&start=scratch' },
  ...[1, 2, 3, 4, 5].map((seed) => ({ name: `pinwheel-fast-time-to-shape-seed-${seed}`, hash: `dataset=pinwheel&backend=cpu&preset=fast&seed=${seed}&start=scratch` })),
].filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));
for (const { name, hash } of SHAPE_CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#${hash}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000 });
  const reached = await page.evaluate(async ({ target, limit }) => {
    const started = performance.now();
    window.w1w2.play();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const m = window.w1w2.snapshot();
      const ms = performance.now() - started;
      if (m.w2 <= target || ms > limit) {
        window.w1w2.pause();
        return { seconds: +(ms / 1000).toFixed(1), iteration: m.iteration, w2: +m.w2.toFixed(3), reached: m.w2 <= target };
      }
    }
  }, { target: TARGET_W2, limit: SHAPE_LIMIT_MS });
  console.log(JSON.stringify({ case: name, target_w2: TARGET_W2, ...reached }));
  await page.close();
}
// Settling: the fast demonstration from scratch at seeds no test uses (31–35), every shape, on the
// wasm CPU backend; the case plays for SETTLE_MS and reads the W2 of every snapshot: the seconds
// until it is within SETTLE_REACH of the reference, and its largest ratio after SETTLE_WINDOW_MS
// (issue: within 1.3× by 30 s, never above 1.6× over the next 60 s). The reference is the
// shape's pretrained model on the same 500 points, which the run's seed draws: the native sweep
// computed it on that batch (results/settle/native-fast-beta-0.99.jsonl), since the pretrained
// model opens in the page only at its own seed, whose points sit at another sampling floor
// (pinwheel: 0.22 at the default seed, 0.33 at seed 33).
const SETTLE_REFERENCE = Object.fromEntries(
  readFileSync(new URL('../../results/settle/native-fast-beta-0.99.jsonl', import.meta.url), 'utf8')
    .trim().split('\n').map((line) => JSON.parse(line)).map((r) => [`${r.shape}-${r.seed}`, r.pretrained]),
);
const SETTLE_REACH = 1.3;
const SETTLE_WINDOW_MS = 30_000;
const SETTLE_MS = 90_000;
const SHAPES = ['pinwheel', 'moons', '8gaussians', 'circles', 'swissroll', '2spirals', 'checkerboard'];
const SETTLE_CASES = SHAPES.flatMap((shape) => [31, 32, 33, 34, 35].map((seed) => ({ name: `settle-${shape}-seed-${seed}`, shape, seed })))
  .filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));
for (const { name, shape, seed } of SETTLE_CASES) {
  const reference = SETTLE_REFERENCE[`${shape}-${seed}`];
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#dataset=${shape}&backend=cpu&preset=fast&seed=${seed}&start=scratch`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000 });
  const curve = await page.evaluate(async (duration) => {
    const started = performance.now();
    const points = [];
    window.w1w2.play();
    while (performance.now() - started < duration) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const m = window.w1w2.snapshot();
      const last = points[points.length - 1];
      if (!last || last.iteration !== m.iteration) points.push({ ms: performance.now() - started, iteration: m.iteration, w2: m.w2 });
    }
    window.w1w2.pause();
    return points;
  }, SETTLE_MS);
  const reached = curve.find((p) => p.w2 <= SETTLE_REACH * reference);
  const after = curve.filter((p) => p.ms > SETTLE_WINDOW_MS).map((p) => p.w2 / reference);
  console.log(JSON.stringify({
    case: name, pretrained_w2: +reference.toFixed(3),
    seconds_to_reach: reached ? +(reached.ms / 1000).toFixed(1) : null,
    iteration_reached: reached ? reached.iteration : null,
    worst_ratio_after_30s: after.length ? +Math.max(...after).toFixed(2) : null,
    iterations: curve.length ? curve[curve.length - 1].iteration : 0,
  }));
  await page.close();
}
// Soak: 20,000 iterations of the moons preset from scratch on the wasm CPU backend, in ten steps of
// 2,000; each step's iterations/s and the worker's WebAssembly memory after it (flat when
// nothing grows per iteration).
const SOAK_CASES = [{ name: 'moons-soak-20000-cpu', hash: 'dataset=moons&backend=cpu&start=scratch', steps: 10, iterations: 2000 }]
  .filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));
for (const { name, hash, steps, iterations } of SOAK_CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#${hash}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000 });
  const chunks = [];
  for (let i = 0; i < steps; i++) {
    chunks.push(await page.evaluate(async (n) => {
      const started = performance.now();
      const m = await window.w1w2.step(n);
      return { iteration: m.iteration, iterations_per_second: +(n / ((performance.now() - started) / 1000)).toFixed(1), wasm_memory_mb: +(window.w1w2.counters().wasmMemoryBytes / 1e6).toFixed(1), w2: +m.w2.toFixed(3) };
    }, iterations));
  }
  console.log(JSON.stringify({ case: name, chunks }));
  await page.close();
}
// Time to digits: from pressing play until the digit score (src/digits/) on the page's samples
// first reads at least TARGET_CONFIDENT confident with TARGET_CLASSES classes, on the wasm CPU
// backend, for the digits preset from scratch at seeds 1–3, and the paper's MNIST preset for
// comparison; each case also prints the score's curve over time. The digits preset needs about
// 2,000 iterations natively (results/digits/README.md), 25 minutes at the page's pace, so a case
// gives up after 45.
const TARGET_CONFIDENT = 0.4;
const TARGET_CLASSES = 6;
const DIGITS_LIMIT_MS = 2_700_000;
const DIGITS_CASES = [
  ...[1, 2, 3].map((seed) => ({ name: `mnist-digits-time-to-digits-seed-${seed}`, hash: `dataset=mnist&backend=cpu&seed=${seed}&start=scratch` })),
  { name: 'mnist-paper-time-to-digits', hash: 'dataset=mnist&backend=cpu&preset=paper&start=scratch' },
].filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));
for (const { name, hash } of DIGITS_CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#${hash}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000 });
  const reached = await page.evaluate(async ({ confident, classes, limit }) => {
    const started = performance.now();
    const curve = [];
    window.w1w2.play();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const m = window.w1w2.snapshot();
      const seconds = (performance.now() - started) / 1000;
      const last = curve[curve.length - 1];
      if (!last || last.iteration !== m.iteration) {
        curve.push({ seconds: +seconds.toFixed(1), iteration: m.iteration, confident: +m.digits_confident.toFixed(3), classes: m.digits_classes, fid: +m.digit_fid.toFixed(1) });
      }
      const done = m.digits_confident >= confident && m.digits_classes >= classes;
      if (done || seconds * 1000 > limit) {
        window.w1w2.pause();
        return { seconds: +seconds.toFixed(1), iteration: m.iteration, reached: done, curve };
      }
    }
  }, { confident: TARGET_CONFIDENT, classes: TARGET_CLASSES, limit: DIGITS_LIMIT_MS });
  console.log(JSON.stringify({ case: name, target: { confident: TARGET_CONFIDENT, classes: TARGET_CLASSES }, ...reached }));
  await page.close();
}
// The largest configuration the page accepts, setting by setting: each sizing control at the top
// of its range (src/config/limits.rs), the others at the preset, trying the values in turn until
// one is not refused by the memory budget (src/config/memory.rs); one iteration, then the worker's
// WebAssembly memory and the estimate's refusal of the larger values.
const LIMIT_CASES = [
  { setting: 'dim', base: 'dataset=moons', values: [64] },
  { setting: 'steps', base: 'dataset=moons', values: [100] },
  { setting: 'critic_steps', base: 'dataset=moons', values: [50] },
  { setting: 'batch_size', base: 'dataset=moons', values: [10000] },
  { setting: 'batch_size', base: 'dataset=moons&dim=64&steps=100', values: [10000, 5000, 2000, 1000] },
  { setting: 'ot_points', base: 'dataset=moons&mode=generator', values: [20000] },
  { setting: 'ot_dual_steps', base: 'dataset=moons&mode=generator', values: [100] },
  { setting: 'batch_size', base: 'dataset=mnist', values: [10000, 5000, 2000, 1000, 500] },
].filter(({ setting, base }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(`limit-${setting}-${base}`));
for (const { setting, base, values } of LIMIT_CASES) {
  const refused = [];
  for (const value of values) {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    await page.goto(`${BASE_URL}?instrument#${base}&${setting}=${value}&backend=cpu&start=scratch`);
    await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 600_000 });
    const problems = await page.locator('[data-testid="problems"]').innerText();
    if (problems.includes(setting) || problems.includes('memory')) {
      refused.push({ value, message: problems.trim() });
      await page.close();
      continue;
    }
    const run = await page.evaluate(async () => {
      const started = performance.now();
      const m = await window.w1w2.step(1);
      return { iteration: m.iteration, seconds_an_iteration: +((performance.now() - started) / 1000).toFixed(2), wasm_memory_mb: +(window.w1w2.counters().wasmMemoryBytes / 1e6).toFixed(1) };
    });
    console.log(JSON.stringify({ case: `limit-${setting}-${base}`, largest_accepted: value, ...run, refused }));
    await page.close();
    break;
  }
}
// The ablation side by side (#compare=ablation, 2-D pinwheel and R^12): each variant's iterations
// per second while the four play for ABLATION_PLAY_MS, with 1, 2 and 4 workers training at once
// on the CPU backend (auto: one a core), and on WebGPU (on the fused kernels).
const ABLATION_PLAY_MS = 30_000;
const ABLATION_CASES = [
  ...['1', '2', '4'].map((workers) => ({ name: `ablation-cpu-workers-${workers}`, hash: `compare=ablation&backend=cpu&workers=${workers}` })),
  { name: 'ablation-d12-cpu', hash: 'compare=ablation&backend=cpu&dim=12' },
  { name: 'ablation-webgpu', hash: 'compare=ablation&backend=webgpu' },
].filter(({ name }) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name));
for (const { name, hash } of ABLATION_CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}?instrument#${hash}`);
  await page.waitForFunction(() => window.w1w2?.ablation()?.every((v) => v.status === 'training'), null, { timeout: 900_000 });
  const variants = await page.evaluate(async (ms) => {
    window.w1w2.play();
    await new Promise((resolve) => setTimeout(resolve, ms));
    window.w1w2.pause();
    await window.w1w2.step(1); // waits for the turns under way, then one more each
    return window.w1w2.ablation().map((v) => ({ name: v.name, lanes: v.lanes, iteration: v.iteration, iterations_per_second: +v.iterationsPerSecond.toFixed(2) }));
  }, ABLATION_PLAY_MS);
  const where = await page.locator('[data-testid="ablation-where"]').innerText();
  console.log(JSON.stringify({ case: name, where, variants }));
  await page.close();
}
await browser.close();
