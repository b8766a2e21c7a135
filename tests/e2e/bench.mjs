// The page's benchmark (not a test: it prints figures). For each backend, paper pinwheel 2-D and
// the MNIST preset: iterations per second, WebGPU compute dispatches per iteration, readbacks per
// snapshot, and the WebAssembly memory after each measured run (flat when nothing leaks).
// Each figure is a difference of two runs (N₂ and N₁ iterations, one snapshot each), so the
// snapshot's own cost cancels. BASE_URL names the server (cargo xtask bench starts one).

import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:8080/';
const FLAGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage',
];
const CASES = [
  { dataset: 'pinwheel', backend: 'cpu', runs: [20, 120] },
  { dataset: 'pinwheel', backend: 'webgpu', runs: [1, 3] },
  { dataset: 'mnist', backend: 'cpu', runs: [1, 3] },
  { dataset: 'mnist', backend: 'webgpu', runs: [1, 2] },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
for (const { dataset, backend, runs: [n1, n2] } of CASES) {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${BASE_URL}#dataset=${dataset}&backend=${backend}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 300_000 });
  const measure = (n) => page.evaluate(async (n) => {
    const before = window.w1w2.counters();
    const started = performance.now();
    await window.w1w2.step(n);
    const after = window.w1w2.counters();
    return { ms: performance.now() - started, dispatches: after.dispatches - before.dispatches, readbacks: after.readbacks - before.readbacks, memory: after.wasmMemoryBytes };
  }, n);
  await measure(2); // warm-up: shader compilation, allocations
  const [a, b] = [await measure(n1), await measure(n2)];
  const perIteration = (key) => (b[key] - a[key]) / (n2 - n1);
  const adapter = await page.locator('#adapter').innerText();
  console.log(JSON.stringify({
    dataset, backend, adapter,
    iterations_per_second: +(1000 / perIteration('ms')).toFixed(2),
    milliseconds_per_iteration: +perIteration('ms').toFixed(2),
    dispatches_per_iteration: perIteration('dispatches'),
    readbacks_per_snapshot: a.readbacks - perIteration('readbacks') * n1,
    milliseconds_per_snapshot: +(a.ms - perIteration('ms') * n1).toFixed(1),
    wasm_memory_mb: [a.memory, b.memory].map((bytes) => +(bytes / 1e6).toFixed(1)),
  }));
  await page.close();
}
await browser.close();
