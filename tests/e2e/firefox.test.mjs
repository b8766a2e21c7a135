// End-to-end tests of the served page in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi):
// the core cases on the wasm CPU backend, and a lost GPU on WebGPU where Firefox gives an adapter
// (Mesa's lavapipe here). BASE_URL names the server (cargo xtask test starts one); FIREFOX the
// browser; screenshots go to SCREENSHOT_DIR. What a snapshot costs there is measured by
// firefox-bench.mjs (cargo xtask bench).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchFirefox, noAdapter, onWebGpu, open as openIn, text } from './firefox.mjs';

const SCREENSHOTS = process.env.SCREENSHOT_DIR || 'target/e2e';

let firefox;
before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  firefox = await launchFirefox();
});
after(async () => firefox && firefox.close());

const open = (hash, options) => openIn(firefox.browser, hash, options);

const assertFinite = (metrics, keys) => {
  for (const key of keys) assert.ok(Number.isFinite(metrics[key]), `${key} = ${metrics[key]}`);
};

test('Firefox: the page opens on the pretrained pinwheel on the CPU backend', { timeout: 600_000 }, async () => {
  console.log(`Firefox: ${await firefox.browser.version()}`);
  const { page, errors } = await open('backend=cpu');
  assert.equal(await text(page, 'backend'), 'cpu');
  // www/pretrained/pinwheel.w1w2: 3,000 iterations, exact W2 0.22 on the page's 500 particles.
  const pretrained = await page.evaluate(() => window.w1w2.snapshot());
  assert.equal(pretrained.iteration, 3000);
  assert.ok(pretrained.w2 < 0.3, `the pretrained flow's exact W2 is ${pretrained.w2}`);
  assert.match(await text(page, 'origin'), /pretrained/);
  await page.screenshot({ path: join(SCREENSHOTS, 'firefox-pretrained.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Firefox: step(20) goes on from the pretrained model with finite numbers', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=cpu');
  const metrics = await page.evaluate(() => window.w1w2.step(20));
  assert.equal(metrics.iteration, 3020);
  assert.equal(await text(page, 'iteration'), '3020');
  assertFinite(metrics, ['critic_loss', 'generator_loss', 'w2']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Firefox: a saved model loads and goes on bit for bit', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('dataset=moons&backend=cpu&start=scratch');
  await page.evaluate(() => window.w1w2.step(3));
  const run = await page.evaluate(async () => {
    const bytes = await window.w1w2.save();
    const straight = await window.w1w2.step(3);
    const loaded = await window.w1w2.load(bytes);
    const again = await window.w1w2.step(3);
    return { length: bytes.length, straight, loaded, again };
  });
  assert.ok(run.length > 16, `a model file of ${run.length} bytes`);
  assert.equal(run.loaded.iteration, 3);
  assert.equal(run.again.iteration, 6);
  for (const key of ['critic_loss', 'generator_loss', 'kinetic_energy', 'w2', 'sinkhorn']) {
    assert.equal(run.again[key], run.straight[key], `${key} after the load`);
  }
  assert.match(await text(page, 'origin'), /loaded/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Firefox: a bad URL value is named and the page still trains', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('lambda=-3&backend=cpu');
  assert.match(await text(page, 'problems'), /lambda/);
  const before = await page.evaluate(() => window.w1w2.snapshot());
  const metrics = await page.evaluate(() => window.w1w2.step(2));
  assert.equal(metrics.iteration, before.iteration + 2);
  assert.ok(metrics.lambda > 0, `λ = ${metrics.lambda}`);
  assertFinite(metrics, ['critic_loss', 'generator_loss', 'w2']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Firefox: an uploaded CSV of points becomes the target the run trains on', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('backend=cpu');
  // Two clusters on a grid of quarters, exact in f32 (and so in the model file's header).
  const points = Array.from({ length: 64 }, (_, i) => [(i % 8) * 0.25 + (i < 32 ? -3 : 1), Math.floor((i % 32) / 8) * 0.25 + 2]);
  const folder = mkdtempSync(join(tmpdir(), 'w1w2-firefox-csv-'));
  const file = join(folder, 'clusters.csv');
  writeFileSync(file, `x,y\n${points.map(([x, y]) => `${x},${y}`).join('\n')}\n`);
  const input = await page.$('#upload');
  await input.uploadFile(file);
  await page.waitForFunction(() => /training on 64 points from clusters\.csv/.test(document.getElementById('points-status').textContent), { polling: 200 });
  // The pretrained pinwheel (iteration 3000) gives way to a new run on the points.
  await page.waitForFunction(() => window.w1w2.snapshot()?.iteration === 0, { polling: 200 });
  assert.match(await text(page, 'origin'), /scratch/);
  // The run's configuration, as its model file's JSON header holds it, names the points.
  const saved = await page.evaluate(async () => {
    const bytes = await window.w1w2.save();
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    return JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length))).config.points;
  });
  assert.deepEqual(saved, points);
  const metrics = await page.evaluate(() => window.w1w2.step(20));
  assert.equal(metrics.iteration, 20);
  assertFinite(metrics, ['critic_loss', 'generator_loss', 'w2']);
  rmSync(folder, { recursive: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Firefox: a diverging run stops and names the iteration', { timeout: 600_000 }, async () => {
  const { page, errors } = await open('divergence=reverse-kl&critic_learning_rate=1&backend=cpu');
  const failure = await page.evaluate(() => window.w1w2.step(500).then(() => null, (e) => e.message));
  assert.match(failure ?? '', /diverged at iteration \d+/);
  assert.match(await text(page, 'status'), /diverged at iteration \d+/);
  assert.equal(await page.$eval('[data-testid="status"]', (e) => e.getAttribute('data-kind')), 'error');
  assert.equal(await text(page, 'backend'), 'cpu', 'a diverged run is not a device failure');
  assert.deepEqual(errors, []);
  await page.close();
});

/** Null when the page runs on WebGPU; otherwise why not, in the page's words and its errors. */
test('Firefox: a lost GPU device keeps the model; the pending step resolves on the CPU from the last snapshot', { timeout: 900_000 }, async (t) => {
  const { page, errors } = await open('backend=webgpu', { instrument: true });
  const why = await noAdapter(page);
  if (why) {
    t.skip(`no WebGPU adapter in Firefox here: ${why}`);
    await page.close();
    return;
  }
  const started = await onWebGpu(page, errors);
  assert.ok(started === null, `Firefox gives an adapter, but the page did not start on it: ${started}`);
  console.log(`Firefox's WebGPU adapter, as the page names it: ${await page.$eval('#adapter', (e) => e.innerText)}`);
  const before = await page.evaluate(() => window.w1w2.step(2));
  assert.equal(before.iteration, 3002);
  const kept = before.iteration;
  await page.evaluate(() => window.w1w2.simulateDeviceLoss());
  const after = await page.evaluate(() => window.w1w2.step(3));
  assert.equal(after.iteration, kept + 3, 'the step goes on from the kept model to its iteration');
  assert.equal(await text(page, 'backend'), 'cpu');
  assert.match(await page.$eval('#backend-reason', (e) => e.innerText), /WebGPU failed/);
  assert.match(await text(page, 'problems'), new RegExp(`The GPU failed .*from iteration ${kept}, the last snapshot`));
  assert.ok(Number.isFinite(after.w2) && after.w2 < 0.6, `the pretrained flow goes on: W2 ${after.w2}`);
  assert.deepEqual(errors.filter((e) => !/device|destroyed|lost|poisoned/i.test(e)), []);
  await page.close();
});
