// End-to-end tests of the served page in Debian's Chromium, WebGPU through SwiftShader.
// BASE_URL names the server (cargo xtask test starts one); screenshots go to SCREENSHOT_DIR.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:8080/';
const SCREENSHOTS = process.env.SCREENSHOT_DIR || 'target/e2e';
const FLAGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage',
];

let browser;
before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
});
after(async () => browser && browser.close());

/**
 * Opens the page at `hash`, collecting console errors; resolves once the first snapshot drew.
 * `instrument` loads the worker's GPU counters and device-loss hook (www/instrument.js).
 */
async function open(hash = '', { noWebGpu = false, instrument = false, viewport = { width: 1280, height: 1400 } } = {}) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  if (noWebGpu) await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
  await page.goto(`${BASE_URL}${instrument ? '?instrument' : ''}${hash ? `#${hash}` : ''}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, null, { timeout: 120_000 });
  return { page, errors };
}

const text = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();

/** The fraction of the canvas's pixels that differ from its background (white). */
const inkFraction = (page, id) => page.evaluate((id) => {
  const canvas = document.querySelector(`[data-testid="${id}"]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) ink++;
  return ink / (data.length / 4);
}, id);

test('the page opens on the pretrained pinwheel; from scratch, auto picks the CPU on a software adapter, trains 200 iterations and draws', { timeout: 600_000 }, async () => {
  const { page, errors } = await open();
  assert.equal(await text(page, 'backend'), 'cpu');
  assert.match(await page.locator('#backend-reason').innerText(), /software/i);
  // The module is fetched and compiled only in the workers, whose requests are not in the page's timeline.
  const fetchedHere = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((name) => /\.wasm(\?|$)/.test(name)));
  assert.deepEqual(fetchedHere, [], 'the main thread fetched the WebAssembly module');
  // www/pretrained/pinwheel.w1w2: 3,000 iterations, exact W2 0.22 on the page's 500 particles (0.47 untrained).
  const pretrained = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(pretrained.iteration, 3000);
  assert.ok(pretrained.w2 < 0.3, `the pretrained flow's exact W2 is ${pretrained.w2}`);
  assert.match(await text(page, 'origin'), /pretrained/);
  await page.screenshot({ path: join(SCREENSHOTS, 'pretrained.png'), fullPage: true });
  await page.click('#from-scratch');
  await page.waitForFunction(() => /start=scratch/.test(location.hash) && window.w1w2.snapshot()?.iteration === 0, null, { timeout: 120_000 });
  assert.match(await text(page, 'origin'), /scratch/);
  assert.equal(await page.locator('#from-scratch').isVisible(), false);
  const initial = await page.evaluate(() => window.w1w2.snapshot());
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: false });
  });
  const metrics = await page.evaluate(() => window.w1w2.step(200));
  assert.equal(metrics.iteration, 200);
  assert.equal(await text(page, 'iteration'), '200');
  assert.ok(metrics.sinkhorn < initial.sinkhorn, `Sinkhorn ${initial.sinkhorn} → ${metrics.sinkhorn}`);
  const ink = await inkFraction(page, 'trajectories');
  assert.ok(ink >= 0.05, `trajectories cover ${(100 * ink).toFixed(1)}% of the canvas`);
  const curves = await page.evaluate(() => [...document.querySelectorAll('[data-testid="curves"] .uplot')].filter((chart) => chart.checkVisibility()).map((chart) => {
    // The x axis (tick values and its label) is drawn in the canvas's bottom strip.
    const canvas = chart.querySelector('canvas');
    const strip = canvas.getContext('2d').getImageData(0, canvas.height - Math.round(30 * devicePixelRatio), canvas.width, Math.round(30 * devicePixelRatio)).data;
    let axisInk = 0;
    for (let i = 3; i < strip.length; i += 4) if (strip[i] > 0) axisInk++;
    return { title: chart.querySelector('.u-title').textContent, legend: chart.querySelector('.u-legend').textContent, axisInk };
  }));
  assert.equal(curves.length, 9, 'one chart a diagnostic (the extra coordinates\' only in R^d)');
  for (const { title, legend, axisInk } of curves) {
    assert.match(legend, /iteration/, `${title}: its legend names the x axis`);
    assert.ok(axisInk > 200, `${title}: ${axisInk} pixels of axis labels`);
  }
  await page.evaluate(() => window.w1w2.play());
  await page.waitForTimeout(4000);
  await page.evaluate(() => window.w1w2.pause());
  const longTasks = await page.evaluate(() => window.__longTasks);
  assert.ok(longTasks.every((d) => d <= 50), `long tasks on the page's thread: ${longTasks.join(', ')} ms`);
  await page.screenshot({ path: join(SCREENSHOTS, 'training.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('backend=webgpu goes on from the pretrained model on WebGPU with finite numbers', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=webgpu');
  assert.equal(await text(page, 'backend'), 'webgpu');
  assert.match(await text(page, 'origin'), /pretrained/);
  const metrics = await page.evaluate(() => window.w1w2.step(2));
  assert.equal(metrics.iteration, 3002);
  for (const key of ['critic_loss', 'generator_loss', 'kinetic_energy', 'sinkhorn', 'w2', 'divergence']) {
    assert.ok(Number.isFinite(metrics[key]), `${key} = ${metrics[key]}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

// The page's moons preset (trained standardised, started at rest) at batch 100, which halves
// SwiftShader's time (about 5 minutes for the 300 iterations here). Exact W2 after / before on
// the page's 500 particles, the same run natively on burn's CPU path: 0.54–0.61 over seeds 1–6;
// at seed 3, the page's, 2.108 → 1.290, and the fused kernels here 2.108 → 1.280.
test('on WebGPU the fused kernels train moons: 300 iterations lower exact W2 by a third, at most 30 dispatches an iteration', { timeout: 900_000 }, async () => {
  const { page, errors } = await open('dataset=moons&batch_size=100&backend=webgpu', { instrument: true });
  assert.equal(await text(page, 'backend'), 'webgpu');
  assert.match(await page.locator('#adapter').innerText(), /fused kernels/);
  const initial = await page.evaluate(() => window.w1w2.snapshot());
  // Two runs of different lengths, one snapshot each: their difference is the iterations' own work.
  const run = (n) => page.evaluate(async (n) => {
    const before = window.w1w2.counters();
    const metrics = await window.w1w2.step(n);
    const after = window.w1w2.counters();
    return { metrics, dispatches: after.dispatches - before.dispatches, submits: after.submits - before.submits };
  }, n);
  const [short, long] = [await run(20), await run(280)];
  const dispatches = (long.dispatches - short.dispatches) / 260;
  const submits = (long.submits - short.submits) / 260;
  assert.ok(dispatches <= 30, `${dispatches} dispatches an iteration`);
  assert.ok(submits <= 2, `${submits} queue submissions an iteration`);
  const final = long.metrics;
  assert.equal(final.iteration, 300);
  assert.ok(final.w2 <= (2 / 3) * initial.w2, `exact W2 ${initial.w2} → ${final.w2}`);
  console.log(`fused WebGPU, moons: exact W2 ${initial.w2} → ${final.w2}; ${dispatches} dispatches and ${submits} submissions an iteration`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lost GPU device keeps the model: the pending step resolves on the CPU at its iteration, from the last snapshot', { timeout: 600_000 }, async () => {
  // The pretrained pinwheel on WebGPU (the fused kernels): each snapshot reads the model back with
  // it, so a lost device loses nothing before the last snapshot.
  const { page, errors } = await open('backend=webgpu', { instrument: true });
  assert.equal(await text(page, 'backend'), 'webgpu');
  const before = await page.evaluate(() => window.w1w2.step(2));
  assert.ok(before.iteration >= 100, `a run at iteration ${before.iteration}`);
  const readbacks = await page.evaluate(async () => {
    const start = window.w1w2.counters().readbacks;
    await window.w1w2.step(1);
    return window.w1w2.counters().readbacks - start;
  });
  assert.equal(readbacks, 1, 'the model is read back with the snapshot, in one readback');
  const kept = before.iteration + 1;
  await page.evaluate(() => window.w1w2.simulateDeviceLoss());
  const after = await page.evaluate(() => window.w1w2.step(3));
  assert.equal(after.iteration, kept + 3, 'the step goes on from the kept model to its iteration');
  assert.equal(await text(page, 'backend'), 'cpu');
  assert.match(await page.locator('#backend-reason').innerText(), /WebGPU failed/);
  assert.match(await text(page, 'problems'), new RegExp(`The GPU failed .*from iteration ${kept}, the last snapshot`));
  assert.match(await text(page, 'origin'), new RegExp(`continued on the CPU from iteration ${kept}`));
  assert.ok(Number.isFinite(after.w2) && after.w2 < 0.6, `the pretrained flow goes on: W2 ${after.w2}`);
  assert.deepEqual(errors.filter((e) => !/device|destroyed|lost|poisoned/i.test(e)), []);
  await page.close();
});

test('a GPU lost while playing, in a snapshot\'s readback, keeps the model: play goes on on the CPU from the last snapshot', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=webgpu', { instrument: true });
  const opened = (await page.evaluate(() => window.w1w2.snapshot())).iteration;
  await page.evaluate(() => window.w1w2.play());
  await page.waitForFunction((n) => window.w1w2.snapshot().iteration > n, opened, { timeout: 120_000 });
  const kept = (await page.evaluate(() => window.w1w2.snapshot())).iteration;
  // The worker destroys the device between ticks: the next snapshot's readback is the one that fails.
  await page.evaluate(() => window.w1w2.simulateDeviceLoss());
  await page.waitForFunction(() => /continued on the CPU/.test(document.querySelector('[data-testid="origin"]').textContent), null, { timeout: 120_000 });
  assert.equal(await text(page, 'backend'), 'cpu');
  const origin = await text(page, 'origin');
  const from = Number(/continued on the CPU from iteration (\d+)/.exec(origin)?.[1]);
  assert.ok(from >= kept, `went on from iteration ${from} (${origin}), the last snapshot before the loss was ${kept}`);
  await page.waitForFunction((n) => window.w1w2.snapshot().iteration > n + 5, from, { timeout: 120_000 });
  await page.evaluate(() => window.w1w2.pause());
  assert.ok(Number.isFinite((await page.evaluate(() => window.w1w2.snapshot())).w2));
  assert.deepEqual(errors.filter((e) => !/device|destroyed|lost|poisoned/i.test(e)), []);
  await page.close();
});

test('a diverging run stops and names the iteration and the quantity', { timeout: 600_000 }, async () => {
  // Reverse KL's f*(y) = −1 − log(−y) exists for y < 0 only: critic steps of size 1 leave its
  // domain within a few hundred iterations (tests/training.rs has the same run natively).
  const { page, errors } = await open('divergence=reverse-kl&critic_learning_rate=1&backend=cpu');
  const failure = await page.evaluate(() => window.w1w2.step(500).then(() => null, (e) => e.message));
  assert.match(failure ?? '', /diverged at iteration \d+: the .+ became non-finite/);
  const status = page.locator('[data-testid="status"]');
  assert.match(await status.innerText(), /diverged at iteration \d+.*Press reset/);
  assert.equal(await status.getAttribute('data-kind'), 'error');
  assert.equal(await text(page, 'backend'), 'cpu', 'a diverged run is not a device failure');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a saved model loads and goes on bit for bit, here and in w1w2 train --init; a file that is not a usable model is refused and the run goes on', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('dataset=moons&backend=cpu&start=scratch');
  await page.evaluate(() => window.w1w2.step(3));
  const run = await page.evaluate(async () => {
    const bytes = await window.w1w2.save();
    const straight = await window.w1w2.step(3);
    const loaded = await window.w1w2.load(bytes);
    const again = await window.w1w2.step(3);
    return { bytes: [...bytes], straight, loaded, again };
  });
  assert.equal(run.loaded.iteration, 3);
  assert.equal(run.again.iteration, 6);
  for (const key of ['critic_loss', 'generator_loss', 'kinetic_energy', 'w2', 'sinkhorn']) {
    assert.equal(run.again[key], run.straight[key], `${key} after the load`);
  }
  assert.match(await text(page, 'origin'), /loaded/);

  // The page's file goes on natively: w1w2 train --init (built by cargo xtask test; W1W2_BIN names it).
  // Native flex and the page's wasm flex round differently (natively the rollout also runs in two
  // halves side by side): three iterations on, the losses differ by 5e-4 relative at most.
  assert.ok(process.env.W1W2_BIN, 'W1W2_BIN names the w1w2 binary (cargo xtask test sets it)');
  const folder = mkdtempSync(join(tmpdir(), 'w1w2-page-'));
  const file = join(folder, 'moons.w1w2');
  writeFileSync(file, Buffer.from(run.bytes));
  const native = spawnSync(process.env.W1W2_BIN, ['train', '--init', file, '--iterations', '3', '--eval-every', '3', '--quiet'], { encoding: 'utf8' });
  assert.equal(native.status, 0, native.stderr);
  const lines = native.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((l) => l.iteration), [3, 6]);
  for (const key of ['critic_loss', 'generator_loss']) {
    assert.ok(Math.abs(lines[1][key] - run.straight[key]) <= 2e-3 * Math.abs(run.straight[key]), `${key}: native ${lines[1][key]}, page ${run.straight[key]}`);
  }
  rmSync(folder, { recursive: true });

  const refused = await page.evaluate(() => window.w1w2.load(new TextEncoder().encode('x,y\n1,2\n')).then(() => null, (e) => e.message));
  assert.match(refused ?? '', /not a w1w2-flow model/);
  await page.setInputFiles('#load-model', { name: 'cut.w1w2', mimeType: 'application/octet-stream', buffer: Buffer.from(run.bytes.slice(0, 1000)) });
  await page.waitForFunction(() => /cut\.w1w2 was not loaded/.test(document.querySelector('[data-testid="problems"]').textContent));
  assert.match(await text(page, 'problems'), /truncated/);
  const kept = await page.evaluate(() => window.w1w2.step(1));
  assert.equal(kept.iteration, 7, 'the run went on as it was');
  assert.deepEqual(errors, []);
  await page.close();
});

test('model files the fuzz test refused are refused by the page too, each with the same message, and the running model is kept', { timeout: 600_000 }, async () => {
  // Written by tests/model_file_fuzz.rs when W1W2_FUZZ_DIR is set (cargo xtask test sets it).
  assert.ok(process.env.W1W2_FUZZ_DIR, 'W1W2_FUZZ_DIR names the fuzz test\'s refused files');
  const files = readdirSync(process.env.W1W2_FUZZ_DIR).filter((name) => name.endsWith('.w1w2')).sort();
  assert.ok(files.length >= 3, `${files.length} refused files`);
  const { page, errors } = await open('dataset=moons&backend=cpu&start=scratch');
  await page.evaluate(() => window.w1w2.step(3));
  const before = await page.evaluate(async () => [...await window.w1w2.save()]);
  for (const name of files) {
    const path = join(process.env.W1W2_FUZZ_DIR, name);
    const [mutation, message] = readFileSync(path.replace(/\.w1w2$/, '.txt'), 'utf8').split('\n');
    await page.setInputFiles('#load-model', { name, mimeType: 'application/octet-stream', buffer: readFileSync(path) });
    await page.waitForFunction((name) => document.querySelector('[data-testid="problems"]').textContent.includes(`${name} was not loaded`), name);
    assert.ok((await text(page, 'problems')).includes(message), `${name} (${mutation}): the page says "${await text(page, 'problems')}", natively "${message}"`);
  }
  const after = await page.evaluate(async () => [...await window.w1w2.save()]);
  assert.deepEqual(after, before, 'the model in the page is the one before the refused files');
  assert.equal((await page.evaluate(() => window.w1w2.step(1))).iteration, 4);
  assert.deepEqual(errors, []);
  await page.close();
});

test('walking through one iteration takes the critic steps, then the generator step, says what each is, undoes one, and ends where one step does', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('dataset=moons&backend=cpu&start=scratch&critic_steps=2');
  await page.evaluate(() => window.w1w2.step(2));
  const start = await page.evaluate(async () => {
    window.__start = await window.w1w2.save();
    return window.w1w2.snapshot();
  });
  const stepped = await page.evaluate(() => window.w1w2.step(1));
  await page.evaluate(() => window.w1w2.load(window.__start));
  const walk = (direction) => page.evaluate((direction) => window.w1w2.walk(direction), direction);
  const first = await walk('forward');
  assert.deepEqual([first.stage, first.step, first.critic_steps, first.iteration], ['critic', 0, 2, start.iteration]);
  assert.equal(first.samples.length, 2 * 200, 'the step\'s end points x_K, first two coordinates');
  assert.equal(first.data.length, 2 * 200, 'its data batch y');
  assert.match(await text(page, 'walk-stage'), /critic step 1 of 2/);
  assert.match(await text(page, 'walk-text'), /W1 proximal/);
  const orange = await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="trajectories"]');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 240 && Math.abs(data[i + 1] - 127) < 20 && data[i + 2] < 40) n++;
    return n;
  });
  assert.ok(orange > 100, `${orange} pixels of the circled end points`);
  const second = await walk('forward');
  const undone = await walk('back');
  assert.deepEqual([undone.stage, undone.step], ['critic', 0]);
  const again = await walk('forward');
  assert.equal(again.loss, second.loss, 'a stage undone and taken again');
  const generator = await walk('forward');
  assert.deepEqual([generator.stage, generator.iteration], ['generator', start.iteration + 1]);
  assert.match(await text(page, 'walk-text'), /Hamilton–Jacobi.*terminal condition/);
  const walked = await page.evaluate(() => window.w1w2.snapshot());
  for (const key of ['w2', 'sinkhorn', 'kinetic_energy', 'divergence', 'straightness']) {
    assert.equal(walked[key], stepped[key], `${key}: walked against stepped`);
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'walkthrough.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a bad URL value is named, falls back to its default, and the page still trains', { timeout: 600_000 }, async () => {
  const { page } = await open('lambda=-3&steps=many&backend=cpu&start=scratch');
  const problems = await text(page, 'problems');
  assert.match(problems, /lambda/);
  assert.match(problems, /steps/);
  const metrics = await page.evaluate(() => window.w1w2.step(3));
  assert.equal(metrics.iteration, 3);
  assert.equal(metrics.lambda, 0.5);
  // The ranges are the module's (src/config/controls.rs): a tooltip gives one, and an edit outside
  // it is refused with the validator's words while the run keeps its value.
  const steps = page.locator('[data-testid="control-steps"]').locator('xpath=..');
  assert.equal(await steps.getAttribute('title'), 'between 1 and 100; changing this resets the run');
  const lambda = page.locator('[data-testid="control-lambda"]');
  await lambda.fill('0');
  await lambda.dispatchEvent('change');
  await page.waitForFunction(() => /λ \(kinetic weight\): lambda: must be a positive number, got 0/.test(document.querySelector('[data-testid="problems"]').textContent));
  assert.equal((await page.evaluate(() => window.w1w2.step(1))).lambda, 0.5);
  // Without ?instrument the worker counts nothing.
  assert.equal(await page.evaluate(() => window.w1w2.counters()), null);
  await page.close();
  // The ablation compares the critic-terminal flow's proximals: asked of the generator, it says
  // so and the page trains the one run.
  const generator = await open('mode=generator&compare=ablation&backend=cpu&start=scratch');
  assert.match(await text(generator.page, 'problems'), /compare=ablation: the ablation compares the proximals of the flow with the critic terminal cost.*showing one run/);
  assert.equal(await generator.page.evaluate(() => window.w1w2.ablation()), null);
  assert.equal((await generator.page.evaluate(() => window.w1w2.step(2))).iteration, 2);
  assert.deepEqual(generator.errors, []);
  await generator.page.close();
});

test('only the settings and panels that apply are shown: no paths for the generator, no critic settings or walk-through for the OT-terminal flow, no 2-D settings on mnist, no extra coordinates in the plane', { timeout: 600_000 }, async () => {
  // Each key is a control, or a panel or chart given as a CSS selector.
  const shown = async (hash, keys) => {
    const { page, errors } = await open(hash);
    const visible = {};
    // A control counts when it is in the panel, folded away or not; a panel when it is visible.
    for (const key of keys) {
      visible[key] = key.startsWith('[') ? await page.locator(key).first().isVisible() : (await page.locator(`[data-testid="control-${key}"]`).count()) > 0;
    }
    assert.deepEqual(errors, []);
    await page.close();
    return visible;
  };
  const flowOnly = ['terminal', 'lambda', 't_final', 'steps', 'w2_proximal', 'zero_initial_potential', 'potential_average',
    'quadratic_potential', '[data-panel="speeds"]', '[data-testid="curve-kinetic_energy"]', '[data-testid="curve-straightness"]'];
  const criticOnly = ['w1_proximal', 'divergence', 'lipschitz', 'gradient_penalty', 'critic_learning_rate', 'critic_steps', '[data-panel="walkthrough"]'];
  const otOnly = ['ot_lambda', 'ot_step', 'ot_dual_steps', 'ot_points'];
  const every = ['batch_size', 'seed', 'generator_learning_rate', 'generator_late_rate_from', 'generator_late_rate_factor', '[data-testid="curve-w2"]'];
  const manifold = '[data-panel="manifold"]';
  const extraCurve = '[data-testid="curve-extra_rms"]';
  const generator = await shown('mode=generator&backend=cpu&start=scratch', [...flowOnly, ...criticOnly, ...otOnly, ...every, manifold, extraCurve, 'compare', '[data-testid="compare-ablation"]']);
  for (const key of [...flowOnly, ...criticOnly, manifold, extraCurve, 'compare', '[data-testid="compare-ablation"]']) assert.equal(generator[key], false, `generator: ${key}`);
  for (const key of [...otOnly, ...every]) assert.equal(generator[key], true, `generator: ${key}`);
  const otFlow = await shown('terminal=ot&dim=3&backend=cpu&start=scratch', [...flowOnly, ...criticOnly, ...otOnly, manifold, extraCurve, 'compare']);
  for (const key of [...criticOnly, 'compare']) assert.equal(otFlow[key], false, `OT-terminal flow: ${key}`);
  for (const key of [...flowOnly, ...otOnly, manifold, extraCurve]) assert.equal(otFlow[key], true, `OT-terminal flow in R^3: ${key}`);
  const digits = await shown('dataset=mnist&backend=cpu', ['dim', 'standardise', 'quadratic_potential', 'lambda', 'gradient_penalty']);
  assert.deepEqual(digits, { dim: false, standardise: false, quadratic_potential: false, lambda: true, gradient_penalty: true });
});

/** The ablation's variants (window.w1w2.ablation()) once each has drawn its first snapshot. */
async function ablationReady(page) {
  await page.waitForFunction(() => window.w1w2.ablation()?.every((v) => v.status === 'training'), null, { timeout: 240_000 });
  return page.evaluate(() => window.w1w2.ablation());
}

test('the ablation button trains W1⊕W2, W1 only, W2 only and neither side by side from the same start, with four drawn plots and one curve per variant', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=cpu&start=scratch');
  await page.locator('[data-testid="compare-ablation"]').click();
  const start = await ablationReady(page);
  assert.match(await page.evaluate(() => location.hash), /compare=ablation/);
  assert.deepEqual(start.map((v) => v.name), ['W1⊕W2', 'W1 only', 'W2 only', 'neither']);
  // The same data, seed and source points: the untrained variants score alike.
  for (const variant of start) assert.equal(variant.metrics.w2, start[0].metrics.w2, variant.name);
  assert.match(await text(page, 'ablation-where'), /4 variants, each in its own worker, on the CPU backend/);
  for (const key of ['w1_proximal', 'w2_proximal', 'start']) assert.equal(await page.locator(`[data-testid="control-${key}"]`).count(), 0, `${key} is the variants' own`);
  await page.evaluate(() => window.w1w2.step(30));
  const stepped = await page.evaluate(() => window.w1w2.ablation());
  for (const [i, variant] of stepped.entries()) {
    assert.equal(variant.iteration, 30, variant.name);
    const drawn = await inkFraction(page, `variant-paths-${i}`);
    assert.ok(drawn >= 0.05, `${variant.name}: ${(100 * drawn).toFixed(1)}% of its plot inked`);
    assert.ok(Number.isFinite(variant.metrics.kinetic_energy) && Number.isFinite(variant.metrics.straightness), variant.name);
  }
  // Without the kinetic-energy penalty the generator's gradient differs from the first step.
  assert.notEqual(stepped[1].metrics.w2, stepped[0].metrics.w2);
  const charts = await page.evaluate(() => [...document.querySelectorAll('[data-testid="ablation-curves"] .uplot')]
    .filter((chart) => chart.checkVisibility())
    .map((chart) => ({ title: chart.querySelector('.u-title').textContent, series: [...chart.querySelectorAll('.u-legend .u-series')].slice(1).map((s) => s.textContent) })));
  assert.deepEqual(charts.map((c) => c.title), ['kinetic energy', 'terminal residual', 'straightness', 'divergence estimate', 'exact W2 (held-out)']);
  for (const chart of charts) {
    assert.equal(chart.series.length, 4, chart.title);
    ['W1⊕W2', 'W1 only', 'W2 only', 'neither'].forEach((name, i) => assert.match(chart.series[i], new RegExp(name), chart.title));
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'ablation.png'), fullPage: true });
  await page.locator('[data-testid="compare-ablation"]').click();
  await page.waitForFunction(() => window.w1w2.ablation() === null && window.w1w2.snapshot() !== null, null, { timeout: 120_000 });
  assert.doesNotMatch(await page.evaluate(() => location.hash), /compare/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a variant that diverges says so in its own panel while the other three go on, taking turns in one worker at a time', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('compare=ablation&workers=1&backend=cpu&dim=3', { instrument: true });
  const start = await ablationReady(page);
  assert.ok(start.every((v) => v.lanes === 1));
  assert.match(await text(page, 'ablation-where'), /1 training at once, the others taking turns/);
  assert.ok(await page.locator('[data-testid="ablation-curves"] [data-testid="curve-extra_rms"]').isVisible(), 'the extra coordinates in R^3');
  await page.evaluate(() => window.w1w2.step(5));
  await page.evaluate(() => window.w1w2.simulateDivergence('W2 only'));
  await page.evaluate(() => window.w1w2.step(10));
  const after = await page.evaluate(() => window.w1w2.ablation());
  const diverged = after.find((v) => v.name === 'W2 only');
  assert.equal(diverged.status, 'diverged');
  assert.equal(diverged.iteration, 5);
  assert.match(await page.locator('[data-testid="variant-2"] [data-testid="variant-status"]').innerText(), /stopped: diverged at iteration 6: the critic loss L_D became non-finite.*the others go on/);
  for (const variant of after.filter((v) => v.name !== 'W2 only')) assert.equal(variant.iteration, 15, variant.name);
  await page.evaluate(() => window.w1w2.play());
  await page.waitForFunction(() => window.w1w2.ablation().filter((v) => v.status === 'training').every((v) => v.iteration >= 25), null, { timeout: 120_000 });
  await page.evaluate(() => window.w1w2.pause());
  const played = await page.evaluate(() => window.w1w2.ablation());
  assert.equal(played[2].iteration, 5, 'the diverged variant stays stopped');
  assert.equal(played.filter((v) => v.status === 'training').length, 3);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the settings sit under headings, the advanced ones folded, each label on one line at 1280 px', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=cpu&start=scratch');
  const legends = await page.locator('#controls legend').allInnerTexts();
  assert.deepEqual(legends, ['run', 'data', 'method', 'optimisation']);
  assert.equal(await page.locator('[data-testid="control-lambda"]').isVisible(), true);
  assert.equal(await page.locator('[data-testid="control-t_final"]').isVisible(), false, 'T is advanced: folded');
  await page.locator('[data-testid="group-method"] summary').click();
  assert.equal(await page.locator('[data-testid="control-t_final"]').isVisible(), true);
  const lines = await page.evaluate(() => [...document.querySelectorAll('#controls label')].filter((label) => label.offsetParent).map((label) => {
    const text = document.createRange();
    text.selectNodeContents(label.firstChild);
    return { label: label.firstChild.textContent, lines: text.getClientRects().length };
  }));
  assert.ok(lines.length >= 15, `${lines.length} labels shown`);
  assert.deepEqual(lines.filter((l) => l.lines !== 1), [], 'every label on one line');
  // An edit rebuilds the panel (the run resets); the fold the person opened stays open.
  await page.locator('[data-testid="control-seed"]').fill('5');
  await page.locator('[data-testid="control-seed"]').dispatchEvent('change');
  await page.waitForFunction(() => /seed=5/.test(location.hash));
  assert.equal(await page.locator('[data-testid="control-t_final"]').isVisible(), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('teacher mode: the hide flag hides the panels and settings it names, and nothing else', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('hide=curves,critic,text,lambda');
  const visible = (selector) => page.locator(selector).first().isVisible();
  assert.equal(await visible('[data-testid="curves"]'), false);
  assert.equal(await visible('[data-testid="critic"]'), false);
  assert.equal(await visible('.explain'), false);
  assert.equal(await visible('[data-testid="control-lambda"]'), false);
  assert.equal(await visible('[data-testid="control-seed"]'), true);
  assert.equal(await visible('[data-testid="trajectories"]'), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('at a phone’s width (390 px) the page is one column and nothing overflows sideways', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('', { viewport: { width: 390, height: 844 } });
  await page.evaluate(() => window.w1w2.step(2));
  const overflow = await page.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5);
    return { scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth, wide: wide.slice(0, 5).map((e) => e.id || e.className || e.tagName) };
  });
  assert.ok(overflow.scrollWidth <= overflow.clientWidth, JSON.stringify(overflow));
  assert.deepEqual(overflow.wide, []);
  // One column: the plot takes the screen's width instead of sharing it with the side panels.
  const plotWidth = await page.evaluate(() => document.querySelector('[data-testid="trajectories"]').getBoundingClientRect().width);
  assert.ok(plotWidth >= 330, `the plot is ${plotWidth} px wide`);
  await page.screenshot({ path: join(SCREENSHOTS, 'phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the paper’s preset and the fast demonstration are one switch away, in the URL and in the controls', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('preset=paper&backend=cpu&start=scratch');
  const control = (key) => page.locator(`[data-testid="control-${key}"]`);
  assert.equal(await control('preset').inputValue(), 'paper');
  assert.equal(await control('standardise').isChecked(), false);
  assert.equal(await control('zero_initial_potential').isChecked(), false);
  assert.equal(Number(await control('generator_learning_rate').inputValue()), 1e-4);
  assert.equal((await page.evaluate(() => window.w1w2.step(2))).iteration, 2);
  await control('preset').selectOption('standard');
  await page.waitForFunction(() => !/preset=/.test(location.hash));
  assert.equal(await control('standardise').isChecked(), true);
  assert.equal(await control('zero_initial_potential').isChecked(), true);
  assert.equal(Number(await control('generator_learning_rate').inputValue()), 5e-4);
  assert.equal((await page.evaluate(() => window.w1w2.step(2))).iteration, 2, 'the preset restarts the run');
  // The fast demonstration: three critic steps, four times the standard rates, drawn from the
  // average of U's weights (TrainConfig::fast_preset).
  assert.equal(Number(await control('potential_average').inputValue()), 0);
  await control('preset').selectOption('fast');
  await page.waitForFunction(() => /preset=fast/.test(location.hash));
  assert.equal(Number(await control('critic_steps').inputValue()), 3);
  assert.equal(Number(await control('generator_learning_rate').inputValue()), 2e-3);
  assert.equal(Number(await control('critic_learning_rate').inputValue()), 4e-4);
  assert.equal(Number(await control('potential_average').inputValue()), 0.99);
  assert.equal((await page.evaluate(() => window.w1w2.step(2))).iteration, 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a dimension in the URL brings the preset’s λ and penalty for it, and the paper’s under preset=paper', { timeout: 600_000 }, async () => {
  const { page } = await open('dim=12&backend=cpu');
  const metrics = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(metrics.dim, 12);
  assert.equal(metrics.lambda, 0.1);
  // In R^d the preset holds the critic to its Lipschitz bound (src/config/mod.rs, EMBEDDED_GRADIENT_PENALTY).
  assert.equal(await page.locator('[data-testid="control-gradient_penalty"]').inputValue(), '1');
  await page.close();
  const paper = (await open('dim=12&backend=cpu&preset=paper')).page;
  assert.equal(await paper.locator('[data-testid="control-gradient_penalty"]').inputValue(), '0.01');
  await paper.close();
});

test('without WebGPU, auto reads cpu', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('', { noWebGpu: true });
  assert.equal(await text(page, 'backend'), 'cpu');
  assert.match(await page.locator('#backend-reason').innerText(), /no WebGPU/i);
  assert.deepEqual(errors, []);
  await page.close();
});

/** Distinct colours among the canvas's pixels (a cell picture has several). */
const colourCount = (page, id) => page.evaluate((id) => {
  const canvas = document.querySelector(`[data-testid="${id}"]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4 * 7) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return colours.size;
}, id);

test('paper B’s OT generator trains in the page and draws its transport cells', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('mode=generator&dataset=8gaussians&backend=cpu');
  const initial = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(initial.mode, 'generator');
  assert.equal(initial.steps, 0);
  // Learning itself is tested natively (tests/training.rs: 1,000 iterations halve Sinkhorn).
  const metrics = await page.evaluate(() => window.w1w2.step(100));
  assert.equal(metrics.iteration, 100);
  assert.ok(Number.isFinite(metrics.sinkhorn) && Number.isFinite(metrics.divergence) && metrics.generator_loss !== initial.generator_loss);
  assert.equal(metrics.kinetic_energy, undefined, 'a generator has no kinetic energy');
  assert.ok(await page.locator('[data-testid="ot-panel"]').isVisible());
  assert.ok(await colourCount(page, 'cells') >= 4, 'the cells canvas shows several groups');
  assert.ok(await inkFraction(page, 'smoothing') > 0.01, 'the |θ| plot is drawn');
  await page.screenshot({ path: join(SCREENSHOTS, 'ot-generator.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the flow with the OT terminal cost trains, and the λ slider applies at once', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('terminal=ot&dataset=8gaussians&backend=cpu');
  const initial = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(initial.terminal, 'ot');
  const metrics = await page.evaluate(() => window.w1w2.step(20));
  assert.ok(Number.isFinite(metrics.kinetic_energy) && Number.isFinite(metrics.divergence));
  assert.equal(metrics.speed_bound, undefined, 'no L/λ bound without a Lipschitz critic');
  assert.ok(metrics.potential_average > 0, 'the preset draws the flow of U’s averaged weights');
  assert.match(await page.locator('[data-testid="sampled-from"]').textContent(), /averaged over about the last 100 steps/);
  assert.equal(await page.locator('[data-testid="control-potential_average"]').count(), 1);
  const walkRefused = await page.evaluate(() => window.w1w2.walk().then(() => null, (e) => e.message));
  assert.match(walkRefused ?? '', /critic flow/);
  await page.locator('[data-testid="ot-lambda-slider"]').fill('67'); // λ = 10^(−3 + 2) = 0.1
  await page.locator('[data-testid="ot-lambda-slider"]').dispatchEvent('change');
  const after = await page.evaluate(() => window.w1w2.step(1));
  assert.equal(after.iteration, 21, 'the slider does not reset the run');
  assert.ok(Math.abs(after.ot_lambda - 0.1) < 0.01, `λ of the OT cost is ${after.ot_lambda}`);
  assert.match(page.url(), /ot_lambda=0\.1/);
  assert.ok(await colourCount(page, 'cells') >= 4);
  assert.deepEqual(errors, []);
  await page.close();
});

/** The fraction of a dark canvas's pixels that are lit (brighter than mid-grey). */
const litFraction = (page, id) => page.evaluate((id) => {
  const canvas = document.querySelector(`[data-testid="${id}"]`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 128) lit++;
  return lit / (data.length / 4);
}, id);

// www/pretrained/mnist.w1w2 on the page's 200 samples: natively 0.54 confident over 8 classes on
// the same 200, 0.46–0.53 and 7–8 on other draws of 500 or 2,000 (tests/pretrained.rs); the page's
// wasm rounds differently and 200 samples vary more, hence the lower bar.
const PRETRAINED_DIGITS = { confident: 0.4, classes: 6 };

test('on mnist the page opens on the pretrained digits with a drawn grid and a digit score, and trains on', { timeout: 900_000 }, async () => {
  const { page, errors } = await open('dataset=mnist&backend=cpu');
  const opened = await page.evaluate(() => window.w1w2.snapshot());
  // The digits preset (Rust TrainConfig::digits): the paper's T = 5 and λ, K = 3.
  assert.deepEqual([opened.dim, opened.t_final, opened.steps, opened.lambda, opened.image_side], [784, 5, 3, 0.05, 28]);
  assert.match(await text(page, 'origin'), /pretrained/);
  assert.ok(opened.iteration > 0, 'a trained model');
  assert.ok(opened.digits_confident >= PRETRAINED_DIGITS.confident && opened.digits_classes >= PRETRAINED_DIGITS.classes,
    `the pretrained digits: ${opened.digits_confident} confident, ${opened.digits_classes} classes`);
  assert.match(await text(page, 'digit-score'), /confidently digits · \d+ of 10 classes · Fréchet distance/);
  assert.match(await text(page, 'digits-preset'), /digits preset/);
  assert.ok(await inkFraction(page, 'digit-classes') > 0.02, 'the class histogram is drawn');
  assert.ok(await page.locator('[data-testid="image-panel"]').isVisible());
  assert.ok(!(await page.locator('[data-testid="trajectories"]').isVisible()), 'no plane for images');
  // Digits light about a tenth of their pixels (0.078 of the grid here); the strip's first columns
  // are the source noise, U[0, 0.5], which lights none (0.047 of the strip).
  assert.ok(await litFraction(page, 'sample-grid') > 0.04, 'the sample grid is drawn');
  assert.ok(await litFraction(page, 'image-paths') > 0.025, 'the path strip is drawn');
  const metrics = await page.evaluate(() => window.w1w2.step(2));
  assert.equal(metrics.iteration, opened.iteration + 2);
  assert.ok(Number.isFinite(metrics.kinetic_energy) && Number.isFinite(metrics.divergence) && Number.isFinite(metrics.w2));
  assert.equal(metrics.sinkhorn, undefined, 'no plane metric for images');
  assert.match(await text(page, 'seconds-per-iteration'), /^\d/);
  await page.screenshot({ path: join(SCREENSHOTS, 'mnist.png'), fullPage: true });
  // Leaving MNIST brings back the plane and a dimension it allows.
  await page.locator('[data-testid="control-dataset"]').selectOption('moons');
  await page.waitForFunction(() => { const m = window.w1w2.snapshot(); return m && m.dim === 2 && !m.image_side; }, null, { timeout: 120_000 });
  assert.ok(await page.locator('[data-testid="trajectories"]').isVisible());
  assert.ok(!(await page.locator('[data-testid="image-panel"]').isVisible()));
  assert.deepEqual(errors, []);
  await page.close();
});

// The digits preset from scratch at seed 21, not used to choose it: DIGITS_FROM_SCRATCH.iterations
// iterations raise the share of confident digits on the page's 200 samples from 0 to at least
// DIGITS_FROM_SCRATCH.confident. Natively, on 200 samples at seeds 21–25, the share was 0.000–0.015
// after 150 iterations and 0.055–0.075 after 200 (results/digits/README.md).
const DIGITS_FROM_SCRATCH = { iterations: 200, confident: 0.03 };

test('the digits preset from scratch raises the share of confident digits within a short budget; the paper preset says it is slow here', { timeout: 900_000 }, async () => {
  const { page, errors } = await open('dataset=mnist&backend=cpu&start=scratch&seed=21');
  const initial = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(initial.iteration, 0);
  assert.ok(initial.digits_confident < 0.02, `source noise reads as digits: ${initial.digits_confident}`);
  const trained = await page.evaluate((n) => window.w1w2.step(n), DIGITS_FROM_SCRATCH.iterations);
  assert.ok(trained.digits_confident >= DIGITS_FROM_SCRATCH.confident,
    `after ${trained.iteration} iterations ${trained.digits_confident} confident`);
  await page.locator('[data-testid="control-preset"]').selectOption('paper');
  await page.waitForFunction(() => window.w1w2.snapshot()?.steps === 5, null, { timeout: 300_000 });
  assert.match(await text(page, 'digits-preset'), /hours on this CPU backend/);
  assert.deepEqual(errors, []);
  await page.close();
});
