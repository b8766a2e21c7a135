// The URL state table, without a browser: parsing, writing back, and falling back on bad values.
// The table is the built module's own (pkg/, Rust config::controls), loaded here in Node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initSync, controlTable, validateConfig } from '../../pkg/w1w2_flow.js';
import { controlsOf, parseHash, resolveSettings, toHash } from '../../www/state.js';

initSync({ module: readFileSync(new URL('../../pkg/w1w2_flow_bg.wasm', import.meta.url)) });
const CONTROLS = controlsOf(controlTable());

const defaults = { dataset: 'pinwheel', dim: 2, lambda: 0.5, seed: 3, w1_proximal: true, divergence: 'kl' };

test('a hash round-trips through the table', () => {
  const settings = { ...defaults, backend: 'cpu', dataset: 'moons', lambda: 0.2, w1_proximal: false };
  const hash = toHash(CONTROLS, settings, defaults);
  assert.equal(hash, 'dataset=moons&w1_proximal=false&lambda=0.2&backend=cpu');
  assert.deepEqual(parseHash(CONTROLS, `#${hash}`), { values: { dataset: 'moons', w1_proximal: false, lambda: 0.2, backend: 'cpu' }, problems: [] });
});

test('malformed and unknown values are named and dropped', () => {
  const { values, problems } = parseHash(CONTROLS, '#dim=two&dataset=spiral&w1_proximal=maybe&colour=red&seed=7');
  assert.deepEqual(values, { seed: 7 });
  assert.equal(problems.length, 4);
  assert.match(problems.join('\n'), /dim.*two/);
  assert.match(problems.join('\n'), /colour/);
});

test('a value the module’s validator rejects falls back to its default with the validator’s message', async () => {
  const configKeys = new Set(CONTROLS.filter((c) => c.kind !== 'page').map((c) => c.key));
  const validate = async (settings) => validateConfig(Object.fromEntries(Object.entries(settings).filter(([key]) => configKeys.has(key))));
  const { settings, problems } = await resolveSettings(CONTROLS, { lambda: -1, seed: 9 }, defaults, validate);
  assert.equal(settings.lambda, 0.5);
  assert.equal(settings.seed, 9);
  assert.match(problems[0], /lambda: must be a positive number, got -1; using the default 0.5/);
});

test('the table is the module’s: names, ranges and when an edit applies come from Rust', () => {
  const byKey = Object.fromEntries(CONTROLS.map((c) => [c.key, c]));
  assert.deepEqual(byKey.preset.options, ['standard', 'paper', 'fast']);
  assert.ok(byKey.dataset.options.includes('mnist') && byKey.dataset.options.includes('pinwheel'));
  assert.deepEqual(byKey.mode.options, ['flow', 'generator']);
  assert.equal(byKey.steps.range_text, 'between 1 and 100');
  assert.equal(byKey.lambda.kind, 'live');
  assert.equal(byKey.steps.kind, 'on-reset');
  assert.equal(byKey.backend.kind, 'page');
});

test('the hide flag keeps the panels and settings it names and names what it does not know', () => {
  const { values, problems } = parseHash(CONTROLS, '#hide=curves,lambda,colour-wheel');
  assert.deepEqual(values, { hide: ['curves', 'lambda'] });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /colour-wheel/);
  assert.equal(toHash(CONTROLS, { ...defaults, hide: ['curves', 'lambda'] }, defaults), 'hide=curves%2Clambda');
  assert.equal(toHash(CONTROLS, { ...defaults, hide: [] }, defaults), '');
});
