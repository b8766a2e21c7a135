// The page's wiring: settings ↔ URL, the training worker's run, the buttons, and the automation
// hooks (window.w1w2). The main thread only draws; nothing here blocks, and the WebAssembly
// module runs only in workers (config-client.js asks the configuration worker).

import { AblationRuns, describeLanes, lanesFor } from './ablation.js';
import { chooseBackend } from './backend.js';
import { controlTable, defaultConfig, validateConfig } from './config-client.js';
import { buildControls } from './controls.js';
import { wireDrawingInput } from './drawing-input.js';
import { wireModelFiles } from './model-files.js';
import { buildAblationPanels, drawAblationCurves, drawVariant } from './panels/ablation.js';
import { windowFor } from './panels/plane.js';
import { LAYERS } from './panels/trajectories.js';
import { lambdaToSlider, sliderToLambda } from './panels/transport.js';
import { drawPanels } from './panels/view.js';
import { showStageText } from './panels/walkthrough.js';
import { PRESET_KEYS, configOf, isImages, presetChange, settingsOfConfig } from './settings.js';
import { ablatable, ablating, controlsOf, parseHash, resolveSettings, toHash } from './state.js';
import { TrainingWorker } from './worker-client.js';

const EVAL_POINTS = 500;
const EVAL_IMAGES = 200; // MNIST: the grid's 64 and more for the digit score (each a rollout of conv networks)
const CRITIC_GRID = 64;
const VARIANT_CRITIC_GRID = 24; // each ablation variant's small critic
const VELOCITY_GRID = 18;
const HIGHLIGHTED = 12;
const MAX_HISTORY = 2000; // curve points kept; older ones are thinned
const SNAPSHOT_VERSION = 4; // Rust web::messages::SNAPSHOT_VERSION
// `?instrument` in the page's address loads the GPU counters and test hooks into the worker.
const INSTRUMENT = new URLSearchParams(location.search).has('instrument');

const $ = (id) => document.getElementById(id);
const page = {
  controls: [], // the control table (state.js controlsOf)
  defaults: null,
  settings: null,
  worker: null, // a TrainingWorker
  backend: null,
  data: new Float32Array(0),
  window: [-4, 4, -4, 4],
  time: 1,
  layers: new Set(LAYERS.filter((l) => l !== 'velocity')),
  history: [],
  latest: null,
  lastArrays: null,
  counters: null,
  playing: false,
  ready: null,
  drawingInput: null,
  changes: Promise.resolve(),
  stage: null, // where the iteration being walked through stands (a StageMessage)
  firstIteration: null, // the iteration the run started at (a pretrained or loaded model's)
  kept: null, // {bytes, iteration}: a WebGPU run's model, read back with its last snapshot
  recovery: null, // the restart on the CPU after a lost GPU, while it is under way
  variants: [], // paper A's ablation (Rust config::ablation::VARIANTS)
  ablation: null, // the AblationRuns of #compare=ablation, while shown
};

function setStatus(text, kind = 'info') {
  const status = $('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

function showProblems(problems) {
  const box = $('problems');
  box.replaceChildren(...problems.map((p) => Object.assign(document.createElement('li'), { textContent: p })));
  box.hidden = problems.length === 0;
}

const control = (key) => page.controls.find((c) => c.key === key);

function view() {
  return { window: page.window, critic_grid: CRITIC_GRID, velocity_grid: VELOCITY_GRID, time: page.time, highlighted: HIGHLIGHTED };
}

/**
 * (Re)starts the worker on the current settings, or going on from `model` (a model file's
 * bytes, with its history kept); resolves once the first snapshot is drawn.
 */
async function start(forcedBackend, model) {
  // Asked before the running worker stops: should the configuration worker fail, the run is kept.
  const config = { ...(await configOf(page.controls, page.settings)), eval_batch: isImages(page.settings) ? EVAL_IMAGES : EVAL_POINTS };
  stopRuns();
  if (ablating(page.settings)) return startAblation(config, forcedBackend);
  if (!model) page.history = [];
  page.latest = null;
  page.kept = null;
  const choice = forcedBackend || (await chooseBackend(page.settings.backend));
  page.backend = choice;
  $('backend').textContent = choice.backend;
  $('backend-reason').textContent = choice.reason;
  setStatus(`starting on ${choice.backend}…`);
  page.ready = new Promise((resolve, reject) => {
    page.worker = new TrainingWorker({
      onReady,
      onSnapshot: (message) => {
        receive(message);
        if (!page.playing) setStatus(`ready on ${page.backend.backend} at iteration ${page.latest.iteration}: press play`);
        resolve();
      },
      onFailure: (text, { diverged }) => {
        reject(new Error(text));
        onFailure(text, diverged);
      },
    }, { instrument: INSTRUMENT });
  });
  const pretrained = page.settings.start === 'pretrained' && !page.settings.points;
  page.worker.post({ type: 'start', config, backend: choice.backend, view: view(), pretrained, model });
  return page.ready;
}

/** Stops the run or the ablation's runs shown. */
function stopRuns() {
  if (page.worker) page.worker.terminate();
  if (page.ablation) page.ablation.terminate();
  page.worker = null;
  page.ablation = null;
  page.playing = false;
  document.body.toggleAttribute('data-ablation', false);
  $('compare-ablation').textContent = 'compare the ablations';
}

/**
 * Starts the ablation side by side: the four variants of `config` (ablation.js), each in its own
 * worker; resolves once each has drawn its first snapshot or failed.
 */
async function startAblation(config, forcedBackend) {
  page.history = [];
  page.latest = null;
  const choice = forcedBackend || (await chooseBackend(page.settings.backend));
  page.backend = choice;
  $('backend').textContent = choice.backend;
  $('backend-reason').textContent = choice.reason;
  const lanes = lanesFor(choice.backend, page.settings.workers, page.variants.length);
  $('ablation-where').textContent = describeLanes(choice.backend, lanes, page.variants.length);
  document.body.toggleAttribute('data-ablation', true);
  document.body.toggleAttribute('data-critic-flow', true);
  document.body.toggleAttribute('data-plane', config.dim === 2);
  $('compare-ablation').textContent = 'back to one run';
  buildAblationPanels($('ablation-grid'), page.variants);
  setStatus(`starting the four variants on ${choice.backend}…`);
  const variants = page.variants.map((variant) => ({ name: variant.name, config: { ...config, w1_proximal: variant.w1_proximal, w2_proximal: variant.w2_proximal } }));
  const runs = new AblationRuns(variants, { backend: choice.backend, lanes, instrument: INSTRUMENT, onChange: (run) => drawAblation(runs, run) });
  page.ablation = runs;
  page.ready = runs.start((data) => {
    page.data = data;
    page.window = windowFor(data);
    return { ...view(), critic_grid: VARIANT_CRITIC_GRID, velocity_grid: 2, highlighted: 1 };
  }).then(() => {
    $('adapter').textContent = runs.runs[0].adapter;
    setStatus(`the four variants are ready on ${choice.backend}: press play`);
  });
  return page.ready;
}

/** Draws one variant's panel after its snapshot or failure, and the shared curves once a frame. */
function drawAblation(runs, run) {
  if (page.ablation !== runs) return;
  page.latest = runs.runs[0].latest;
  drawVariant($('ablation-grid'), runs.runs.indexOf(run), run, { data: page.data, window: page.window, criticGrid: VARIANT_CRITIC_GRID });
  if (run.status === 'diverged') setStatus(`${run.name} stopped (${run.message}); the other variants go on`, 'error');
  if (page.curvesFrame) return;
  page.curvesFrame = requestAnimationFrame(() => {
    page.curvesFrame = null;
    if (page.ablation === runs) drawAblationCurves($('ablation-curves'), runs.runs);
  });
}

/** The worker has a model: its data and where it comes from are shown, the view is asked. */
function onReady(message) {
  page.firstIteration = null;
  leaveStages();
  $('adapter').textContent = message.adapter;
  showOrigin(message.pretrained);
  showData(message.data);
}

function showData(data) {
  page.data = data;
  page.window = windowFor(data);
  page.worker.post({ type: 'view', view: view() });
}

/** The name a saved model is offered under: what it learned and how far. */
function fileName() {
  const dataset = page.settings.points ? 'points' : page.settings.dataset;
  return `w1w2-${page.settings.mode}-${dataset}-${page.latest ? page.latest.iteration : 0}.w1w2`;
}

/** Says where the running model comes from; a pretrained one offers to train from scratch. */
function showOrigin(pretrained, other = 'trained here from scratch') {
  $('origin').textContent = pretrained ? 'pretrained (www/pretrained/)' : other;
  $('from-scratch').hidden = !pretrained;
}

/** Leaves the walk-through: training goes on in whole iterations. */
function leaveStages() {
  page.stage = null;
  showStageText(null);
}

/** A model file took the worker's run: its settings become the page's, its data is drawn. */
function onLoaded(message) {
  page.playing = false;
  updatePlayButton();
  page.settings = settingsOfConfig(page.controls, page.settings, message.config);
  writeHash();
  rebuildControls();
  syncOtSlider();
  page.history = [];
  page.firstIteration = null;
  leaveStages();
  $('adapter').textContent = message.adapter;
  showOrigin(false, 'loaded from a file');
  showData(message.data);
  receive(message);
}

/**
 * A failure from the worker: a diverged run stops and says so; a failed GPU (a lost device, a
 * driver reset) goes on on the CPU from the model read back with the last snapshot.
 */
function onFailure(text, diverged) {
  const wasPlaying = page.playing;
  page.playing = false;
  updatePlayButton();
  if (diverged) {
    setStatus(`${text}. Press reset to start again (a smaller learning rate or a larger λ helps).`, 'error');
  } else if (page.backend && page.backend.backend === 'webgpu') {
    const kept = page.kept;
    const from = kept ? `from iteration ${kept.iteration}, the last snapshot` : 'from the start';
    const reason = `WebGPU failed: ${text}`;
    showProblems([`The GPU failed (${text}); the run goes on on the CPU backend ${from}.`]);
    page.recovery = start({ backend: 'cpu', reason }, kept && kept.bytes).then(() => {
      showOrigin(false, `continued on the CPU ${from} of the WebGPU run`);
      setStatus(`the GPU failed; continuing on the CPU backend ${from}`, 'error');
      if (wasPlaying) api.play();
    });
    page.recovery.catch((error) => setStatus(`the CPU backend could not go on: ${error.message}`, 'error'));
  } else {
    setStatus(`error: ${text}. Press reset to start again.`, 'error');
  }
}

/** A snapshot from the worker: the readouts, the curves' history and every panel. */
function receive(message) {
  const snapshot = message.snapshot;
  const metrics = snapshot.metrics;
  if (metrics.version !== SNAPSHOT_VERSION) throw new Error(`snapshot version ${metrics.version} is not supported by this page`);
  page.latest = metrics;
  page.lastArrays = snapshot;
  if (snapshot.model) page.kept = { bytes: snapshot.model, iteration: metrics.iteration };
  page.counters = message.counters || null;
  if (!page.history.length || page.history[page.history.length - 1].iteration !== metrics.iteration) page.history.push(metrics);
  if (page.history.length > MAX_HISTORY) page.history = page.history.filter((_, i) => i % 2 === 0 || i === page.history.length - 1);
  $('iteration').textContent = String(metrics.iteration);
  $('sinkhorn').textContent = Number.isFinite(metrics.sinkhorn) ? metrics.sinkhorn.toExponential(2) : '–';
  // The run may start at a pretrained or loaded model's iteration: the rate counts this run's own.
  page.firstIteration ??= metrics.iteration;
  const seconds = message.trainingMs / 1000;
  const iterations = metrics.iteration - page.firstIteration;
  $('its-per-second').textContent = seconds > 0 ? (iterations / seconds).toFixed(1) : '–';
  $('seconds-per-iteration').textContent = iterations > 0 ? (seconds / iterations).toPrecision(2) : '–';
  describeDigitsPreset(iterations > 0 ? seconds / iterations : null);
  if (page.playing) setStatus(`training on ${page.backend.backend}`);
  draw();
}

/**
 * On digits, says which preset runs: the digits preset (standard and fast), or the paper's, which
 * on the CPU backend cannot learn digits live; `secondsPerIteration` is this run's, once measured.
 */
function describeDigitsPreset(secondsPerIteration) {
  const note = $('digits-preset');
  note.hidden = !isImages(page.settings);
  if (note.hidden) return;
  if (page.settings.preset !== 'paper') {
    note.textContent = 'The digits preset: the paper\'s MNIST flow in pixel space, with a smaller batch, fewer Euler '
      + 'steps and smaller networks, so that it learns digits on a CPU. The paper\'s own settings are preset = paper.';
    return;
  }
  const pace = secondsPerIteration ? `${secondsPerIteration.toPrecision(2)} s an iteration here` : 'seconds an iteration';
  note.textContent = page.backend?.backend === 'cpu'
    ? `The paper's MNIST preset takes ${pace}, and its first digits come after about 1,000 iterations: hours on this `
      + 'CPU backend. The standard and fast presets are the digits preset, which learns digits here in minutes.'
    : `The paper's MNIST preset: ${pace}.`;
}

function draw() {
  if (!page.lastArrays || page.drawingInput.drawing) return;
  drawPanels(page.lastArrays, page.latest, {
    data: page.data, window: page.window, time: page.time, layers: page.layers, history: page.history,
    stage: page.stage, criticGrid: CRITIC_GRID, velocityGrid: VELOCITY_GRID,
  });
}

/** Trains on the user's points (they are not written into the URL); false when they are refused. */
async function usePoints(points) {
  try {
    await validateConfig(await configOf(page.controls, { ...page.settings, points }));
  } catch (error) {
    showProblems([`your points: ${error.message}`]);
    return false;
  }
  showProblems([]);
  page.settings.points = points;
  reset().catch(() => {}); // a failed start says so in the status line
  return true;
}

/** Forgets the user's points; a run on them restarts on the data set. */
async function clearPoints() {
  const hadPoints = Boolean(page.settings.points);
  delete page.settings.points;
  if (hadPoints && !page.drawingInput.drawing) await reset();
}

/** Teacher mode: hides the named panels ('text': every explanation) for the page's lifetime. */
function hidePanels(names) {
  for (const name of names) {
    const selector = name === 'text' ? '.explain, .note' : `[data-panel="${name}"]`;
    for (const element of document.querySelectorAll(selector)) element.classList.add('hidden-by-url');
  }
}

function updatePlayButton() {
  $('play').textContent = page.playing ? 'pause' : 'play';
}

function writeHash() {
  const hash = toHash(page.controls, page.settings, page.defaults);
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

function rebuildControls() {
  buildControls($('controls'), page.controls, page.settings, onControlChange);
}

/**
 * A control's edit, applied after the edits before it: each asks the configuration worker first,
 * and a step or play waits for them (page.changes), so a live setting reaches the run before the
 * iterations that follow it.
 */
function onControlChange(key, value, edited = control(key)) {
  page.changes = page.changes
    .then(() => applyControlChange(key, value, edited))
    .catch((error) => setStatus(`error: ${error.message}`, 'error'));
  return page.changes;
}

async function applyControlChange(key, value, edited) {
  let candidate = { ...page.settings, [key]: value };
  if (edited.kind !== 'page' || PRESET_KEYS.includes(key)) {
    try {
      if (PRESET_KEYS.includes(key)) candidate = { ...candidate, ...(await presetChange(page.controls, page.settings, candidate, key)) };
      await validateConfig(await configOf(page.controls, candidate));
    } catch (error) {
      showProblems([`${edited.label}: ${error.message}`]);
      rebuildControls();
      return;
    }
  }
  showProblems([]);
  page.settings = candidate;
  writeHash();
  if (edited.kind === 'live' && page.ablation) {
    page.ablation.update({ [key]: value });
  } else if (edited.kind === 'live' && page.worker) {
    page.worker.post({ type: 'update', settings: { [key]: value } });
  } else {
    await reset();
  }
  syncOtSlider();
}

/** The λ slider follows the setting (which the URL and the text control may also change). */
function syncOtSlider() {
  $('ot-lambda-slider').value = String(lambdaToSlider(page.settings.ot_lambda));
  $('ot-lambda-label').textContent = `λ = ${page.settings.ot_lambda.toPrecision(2)}`;
}

function wireOtSlider() {
  const slider = $('ot-lambda-slider');
  slider.addEventListener('input', () => { $('ot-lambda-label').textContent = `λ = ${sliderToLambda(Number(slider.value)).toPrecision(2)}`; });
  slider.addEventListener('change', async () => {
    await onControlChange('ot_lambda', Number(sliderToLambda(Number(slider.value)).toPrecision(3)));
    rebuildControls();
  });
}

async function reset() {
  rebuildControls();
  await start();
}

/** Moves the particles to t = fraction·T along their paths. */
function setTime(fraction) {
  page.time = fraction * (page.latest ? page.latest.t_final : 1);
  $('time').value = String(Math.round(100 * fraction));
  $('time-label').textContent = `t = ${page.time.toFixed(2)}`;
  draw();
  if (page.layers.has('velocity') && page.worker) page.worker.post({ type: 'view', view: view() });
}

/** Animates t from 0 to T over two seconds. */
function playTime() {
  const started = performance.now();
  const frame = (now) => {
    const fraction = Math.min(1, (now - started) / 2000);
    setTime(fraction);
    if (fraction < 1) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function wireButtons() {
  $('play').addEventListener('click', () => (page.playing ? api.pause() : api.play()));
  $('compare-ablation').addEventListener('click', () => onControlChange('compare', ablating(page.settings) ? 'none' : 'ablation'));
  $('step').addEventListener('click', () => api.step(10));
  $('reset').addEventListener('click', () => reset());
  for (const direction of ['forward', 'back']) {
    $(`walk-${direction}`).addEventListener('click', () => api.walk(direction).catch((error) => showProblems([`walk-through: ${error.message}`])));
  }
  $('from-scratch').addEventListener('click', () => onControlChange('start', 'scratch'));
  $('time').addEventListener('input', () => setTime(Number($('time').value) / 100));
  $('play-time').addEventListener('click', playTime);
  for (const layer of LAYERS) {
    const box = $(`layer-${layer}`);
    box.checked = page.layers.has(layer);
    box.addEventListener('change', () => {
      if (box.checked) page.layers.add(layer);
      else page.layers.delete(layer);
      draw();
    });
  }
}

/** Waits for the edits before it and the run's start, then pauses: a request's preamble. */
async function settled() {
  await page.changes;
  await page.ready;
  page.playing = false;
  updatePlayButton();
}

/** Rejects a request that only a single run answers while the ablation is shown. */
function singleRun(what) {
  if (page.ablation) throw new Error(`${what} works on one run, not on the ablation side by side (compare=none)`);
}

const api = {
  play() {
    leaveStages();
    page.playing = true;
    updatePlayButton();
    setStatus(`training on ${page.backend.backend}`);
    page.changes.then(() => {
      if (!page.playing) return;
      if (page.ablation) page.ablation.play();
      else page.worker.post({ type: 'play' });
    });
  },
  pause() {
    page.playing = false;
    updatePlayButton();
    if (page.ablation) {
      page.ablation.pause();
      setStatus('paused');
      return;
    }
    page.worker.post({ type: 'pause' });
    setStatus(`paused at iteration ${page.latest ? page.latest.iteration : 0}`);
  },
  /**
   * Runs n iterations; resolves with the metrics once they are done and drawn. Should the GPU
   * fail meanwhile, the run goes on on the CPU from its last snapshot up to the same iteration.
   */
  async step(n = 1) {
    await settled();
    if (page.ablation) {
      await page.ablation.step(n);
      setStatus('paused after the step');
      return page.latest;
    }
    leaveStages();
    const target = (page.latest ? page.latest.iteration : 0) + n;
    let reply;
    try {
      reply = await page.worker.request({ type: 'step', n });
    } catch (error) {
      if (!page.recovery) throw error;
      await page.recovery;
      page.recovery = null;
      reply = await page.worker.request({ type: 'step', n: Math.max(0, target - page.latest.iteration) });
    }
    receive(reply);
    setStatus(`paused at iteration ${page.latest.iteration} on ${page.backend.backend}`);
    return page.latest;
  },
  /** Takes the next stage of one iteration ('forward') or undoes the last ('back'); resolves
   *  with where the iteration stands ({stage, step, critic_steps, iteration, loss, samples,
   *  data}) once drawn, or rejects with why this run cannot be walked through. */
  async walk(direction = 'forward') {
    await settled();
    singleRun('the walk-through');
    const message = await page.worker.request({ type: 'walk', direction });
    page.stage = message.stage;
    showStageText(message.stage);
    receive(message);
    const iteration = message.stage.iteration + (message.stage.stage === 'generator' ? 0 : 1);
    setStatus(`walking through iteration ${iteration} stage by stage: play or step finishes it`);
    return message.stage;
  },
  /** Resolves to the run's model file (a Uint8Array): config, weights, Adam state, iteration
   *  and random streams. */
  async save() {
    await page.changes;
    await page.ready;
    singleRun('saving a model');
    return (await page.worker.request({ type: 'save' })).bytes;
  },
  /** Goes on from a model file's bytes; resolves with its metrics once drawn. A file that is
   *  not a usable model rejects with the reason, and the run goes on as it was. */
  async load(bytes) {
    await settled();
    singleRun('loading a model');
    onLoaded(await page.worker.request({ type: 'load', bytes, evalPoints: EVAL_POINTS, evalImages: EVAL_IMAGES }));
    return page.latest;
  },
  /** The latest metrics, with the CLI's JSON field names. */
  snapshot() {
    return page.latest ? { ...page.latest } : null;
  },
  /**
   * The ablation's variants while it is shown, each {name, status ('starting' | 'training' |
   * 'diverged' | 'failed'), message, iteration, iterationsPerSecond, metrics, lanes (how many
   * train at once)}; null for a single run.
   */
  ablation() {
    if (!page.ablation) return null;
    return page.ablation.runs.map((run) => ({
      name: run.name, status: run.status, message: run.message, iteration: run.latest?.iteration ?? null,
      iterationsPerSecond: run.iterationsPerSecond, metrics: run.latest ? { ...run.latest } : null,
      lanes: page.ablation.lanes,
    }));
  },
  /** With `?instrument`: the named variant's next training call fails as a diverging run's does. */
  simulateDivergence(name) {
    page.ablation.post(name, { type: 'diverge' });
  },
  /** Destroys the worker's GPU device, as a driver reset would (only with `?instrument`). */
  simulateDeviceLoss() {
    page.worker.post({ type: 'lose-device' });
  },
  /** With `?instrument`: {dispatches, submits, readbacks, wasmMemoryBytes}, the WebGPU compute
   *  dispatches, queue submissions and buffer readbacks so far, counted in the worker, and its
   *  WebAssembly memory; null without. */
  counters() {
    return page.counters ? { ...page.counters } : null;
  },
  ready: () => page.ready,
};

async function main() {
  try {
    const table = await controlTable();
    page.controls = controlsOf(table);
    page.variants = table.ablation;
    page.defaults = await defaultConfig();
  } catch (error) {
    setStatus(`the WebAssembly module could not be loaded (${error.message}); run \`cargo xtask serve\``, 'error');
    return;
  }
  const { values, problems: parseProblems } = parseHash(page.controls, location.hash);
  if (PRESET_KEYS.some((key) => key in values)) {
    try {
      Object.assign(values, { ...(await presetChange(page.controls, page.defaults, values, 'preset' in values ? 'preset' : null)), ...values });
    } catch (error) {
      parseProblems.push(`${error.message}; using the default settings`);
      for (const key of PRESET_KEYS) delete values[key];
    }
  }
  const validate = async (candidate) => validateConfig(await configOf(page.controls, candidate));
  const { settings, problems } = await resolveSettings(page.controls, values, page.defaults, validate);
  page.settings = settings;
  if (settings.compare === 'ablation' && !ablatable(settings)) {
    problems.push('compare=ablation: the ablation compares the proximals of the flow with the critic terminal cost on a shape (mode=flow, terminal=critic); showing one run');
  }
  showProblems([...parseProblems, ...problems]);
  rebuildControls();
  hidePanels(page.settings.hide);
  wireButtons();
  page.drawingInput = wireDrawingInput(page, {
    pause: () => api.pause(),
    redraw: draw,
    use: usePoints,
    clear: clearPoints,
    problem: (text) => showProblems([text]),
  });
  wireOtSlider();
  syncOtSlider();
  wireModelFiles({ save: () => api.save(), load: (bytes) => api.load(bytes), fileName, showProblems, setStatus });
  window.w1w2 = api;
  await start();
  window.addEventListener('hashchange', () => location.reload());
}

main().catch((error) => setStatus(`error: ${error.message}`, 'error'));
