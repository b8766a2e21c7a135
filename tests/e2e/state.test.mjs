// The URL state table, without a browser: parsing, writing back, and falling back on bad values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, resolveSettings, toHash } from '../../www/state.js';

const defaults = { dataset: 'pinwheel', dim: 2, lambda: 0.5, seed: 3, w1_proximal: true, divergence: 'kl' };

test('a hash round-trips through the table', () => {
  const settings = { ...defaults, backend: 'cpu', dataset: 'moons', lambda: 0.2, w1_proximal: false };
  const hash = toHash(settings, defaults);
  assert.equal(hash, 'dataset=moons&w1_proximal=false&lambda=0.2&backend=cpu');
  assert.deepEqual(parseHash(`#${hash}`), { values: { dataset: 'moons', w1_proximal: false, lambda: 0.2, backend: 'cpu' }, problems: [] });
});

test('malformed and unknown values are named and dropped', () => {
  const { values, problems } = parseHash('#dim=two&dataset=spiral&w1_proximal=maybe&colour=red&seed=7');
  assert.deepEqual(values, { seed: 7 });
  assert.equal(problems.length, 4);
  assert.match(problems.join('\n'), /dim.*two/);
  assert.match(problems.join('\n'), /colour/);
});

test('a value the validator rejects falls back to its default with the validator’s message', async () => {
  const validate = async (config) => {
    if (config.lambda <= 0) throw new Error('lambda: must be a positive number');
  };
  const { settings, problems } = await resolveSettings({ lambda: -1, seed: 9 }, defaults, validate);
  assert.equal(settings.lambda, 0.5);
  assert.equal(settings.seed, 9);
  assert.match(problems[0], /must be a positive number; using the default 0.5/);
});

test('the hide flag keeps the panels and settings it names and names what it does not know', () => {
  const { values, problems } = parseHash('#hide=curves,lambda,colour-wheel');
  assert.deepEqual(values, { hide: ['curves', 'lambda'] });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /colour-wheel/);
  assert.equal(toHash({ ...defaults, hide: ['curves', 'lambda'] }, defaults), 'hide=curves%2Clambda');
  assert.equal(toHash({ ...defaults, hide: [] }, defaults), '');
});
