// The page's wiring: settings ↔ URL, the worker that trains, the panels that draw, and the
// automation hooks (window.w1w2). The main thread only draws; nothing here blocks, and the
// WebAssembly module runs only in workers (config-client.js asks the configuration worker).

import { chooseBackend } from './backend.js';
import { defaultConfig, parsePoints, presetConfig, validateConfig } from './config-client.js';
import { buildControls } from './controls.js';
import { drawCritic } from './panels/critic.js';
import { drawCurves } from './panels/curves.js';
import { drawImageGrid, drawImagePaths } from './panels/images.js';
import { planeTransform, windowFor } from './panels/plane.js';
import { wireModelFiles } from './model-files.js';
import { drawManifold, drawSpeeds } from './panels/teaching.js';
import { describeStage, drawStage } from './panels/walkthrough.js';
import { LAYERS, drawTrajectories } from './panels/trajectories.js';
import { drawBarycentreArrows, drawCells, drawSmoothing, lambdaToSlider, sliderToLambda } from './panels/transport.js';
import { CONTROLS, parseHash, resolveSettings, toHash } from './state.js';

const EVAL_POINTS = 500;
const EVAL_IMAGES = 64; // MNIST: the grid's samples (each costs a rollout of conv networks)
const CRITIC_GRID = 64;
const VELOCITY_GRID = 18;
const HIGHLIGHTED = 12;
const MAX_HISTORY = 2000; // curve points kept; older ones are thinned

const $ = (id) => document.getElementById(id);
const page = {
  defaults: null,
  settings: null,
  worker: null,
  backend: null,
  data: new Float32Array(0),
  window: [-4, 4, -4, 4],
  time: 1,
  layers: new Set(LAYERS.filter((l) => l !== 'velocity')),
  history: [],
  latest: null,
  lastArrays: null,
  playing: false,
  pendingReplies: new Map(),
  nextRequestId: 1,
  ready: null,
  drawing: false,
  drawn: [],
  changes: Promise.resolve(),
  stage: null, // where the iteration being walked through stands (a StageMessage)
  firstIteration: null, // the iteration the run started at (a pretrained or loaded model's)
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

/** The TrainConfig of the settings: their preset (networks and pools included), then every control. */
async function configOf(settings) {
  const config = await presetOf(settings);
  for (const { key, kind } of CONTROLS) if (kind !== 'page' && key in settings) config[key] = settings[key];
  if (settings.points) config.points = settings.points;
  return config;
}

const isImages = (settings) => settings.dataset === 'mnist';

function view() {
  return { window: page.window, critic_grid: CRITIC_GRID, velocity_grid: VELOCITY_GRID, time: page.time, highlighted: HIGHLIGHTED };
}

/** (Re)starts the worker on the current settings; resolves once the first snapshot is drawn. */
async function start(forcedBackend) {
  // Asked before the running worker stops: should the configuration worker fail, the run is kept.
  const config = { ...(await configOf(page.settings)), eval_batch: isImages(page.settings) ? EVAL_IMAGES : EVAL_POINTS };
  if (page.worker) page.worker.terminate();
  page.playing = false;
  page.history = [];
  page.latest = null;
  for (const { reject } of page.pendingReplies.values()) reject(new Error('the run was reset'));
  page.pendingReplies.clear();
  const choice = forcedBackend ? { backend: forcedBackend.backend, reason: forcedBackend.reason } : await chooseBackend(page.settings.backend);
  page.backend = choice;
  $('backend').textContent = choice.backend;
  $('backend-reason').textContent = choice.reason;
  setStatus(`starting on ${choice.backend}…`);
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  page.worker = worker;
  page.ready = new Promise((resolve, reject) => {
    worker.onmessage = (event) => onWorkerMessage(event.data, resolve, reject);
    worker.onerror = (event) => {
      event.preventDefault();
      onFailure(`the training worker stopped: ${event.message || 'unknown error'}`, reject);
    };
  });
  const pretrained = page.settings.start === 'pretrained' && !page.settings.points;
  worker.postMessage({ type: 'start', config, backend: choice.backend, view: view(), pretrained });
  return page.ready;
}

function onWorkerMessage(message, resolve, reject) {
  switch (message.type) {
    case 'ready':
      page.firstIteration = null;
      leaveStages();
      $('adapter').textContent = message.adapter;
      showOrigin(message.pretrained);
      page.data = message.data;
      page.window = windowFor(message.data);
      page.worker.postMessage({ type: 'view', view: view() });
      break;
    case 'snapshot':
      receive(message);
      if (!page.playing) setStatus(`ready on ${page.backend.backend} at iteration ${page.latest.iteration}: press play`);
      resolve();
      break;
    case 'stepped':
      receive(message);
      setStatus(`paused at iteration ${page.latest.iteration} on ${page.backend.backend}`);
      reply(message.id, (pending) => pending.resolve(page.latest));
      break;
    case 'walked':
      page.stage = message.stage;
      showStage(message.stage);
      receive(message);
      setStatus(`walking through iteration ${message.stage.iteration + (message.stage.stage === 'generator' ? 0 : 1)} stage by stage: play or step finishes it`);
      reply(message.id, (pending) => pending.resolve(message.stage));
      break;
    case 'saved':
      reply(message.id, (pending) => pending.resolve(message.bytes));
      break;
    case 'loaded':
      onLoaded(message);
      break;
    case 'refused':
      reply(message.id, (pending) => pending.reject(new Error(message.message)));
      break;
    case 'diverged':
      onFailure(message.message, reject, { diverged: true });
      break;
    case 'error':
      onFailure(message.message, reject);
      break;
    default:
      break;
  }
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

/** The walk-through's title and sentence for where the iteration stands (hidden when none is). */
function showStage(stage) {
  if (!stage) {
    $('walk-stage').textContent = 'walk through one iteration, stage by stage';
    $('walk-text').hidden = true;
    return;
  }
  const { title, text } = describeStage(stage);
  $('walk-stage').textContent = title;
  $('walk-text').textContent = text;
  $('walk-text').hidden = false;
}

/** Leaves the walk-through: training goes on in whole iterations. */
function leaveStages() {
  page.stage = null;
  showStage(null);
}

/** Settles the request `id` with `settle`, once. */
function reply(id, settle) {
  const pending = page.pendingReplies.get(id);
  page.pendingReplies.delete(id);
  if (pending) settle(pending);
}

/** Sends `message` to the worker; resolves or rejects with its reply (by id). */
function request(message) {
  const id = page.nextRequestId++;
  const done = new Promise((resolve, reject) => page.pendingReplies.set(id, { resolve, reject }));
  page.worker.postMessage({ ...message, id });
  return done;
}

/** A model file took the worker's run: its settings become the page's, its data is drawn. */
function onLoaded(message) {
  page.playing = false;
  updatePlayButton();
  const settings = { ...page.settings };
  for (const { key, kind } of CONTROLS) if (kind !== 'page' && key in message.config) settings[key] = message.config[key];
  if (message.config.points) settings.points = message.config.points;
  else delete settings.points;
  page.settings = settings;
  writeHash();
  buildControls($('controls'), page.settings, onControlChange);
  syncOtSlider();
  page.history = [];
  page.firstIteration = null;
  leaveStages();
  $('adapter').textContent = message.adapter;
  showOrigin(false, 'loaded from a file');
  page.data = message.data;
  page.window = windowFor(message.data);
  page.worker.postMessage({ type: 'view', view: view() });
}

/** A failure from the worker: a diverged run stops and says so; a lost GPU falls back to CPU. */
function onFailure(message, reject, { diverged = false } = {}) {
  page.playing = false;
  updatePlayButton();
  for (const { reject: rejectStep } of page.pendingReplies.values()) rejectStep(new Error(message));
  page.pendingReplies.clear();
  if (reject) reject(new Error(message));
  if (diverged) {
    setStatus(`${message}. Press reset to start again (a smaller learning rate or a larger λ helps).`, 'error');
  } else if (page.backend && page.backend.backend === 'webgpu') {
    setStatus(`WebGPU failed (${message}); continuing on the CPU backend from the last settings`, 'error');
    start({ backend: 'cpu', reason: `WebGPU failed: ${message}` }).catch(() => {});
  } else {
    setStatus(`error: ${message}. Press reset to start again.`, 'error');
  }
}

function receive(message) {
  const snapshot = message.snapshot;
  const metrics = snapshot.metrics;
  if (metrics.version !== 4) throw new Error(`snapshot version ${metrics.version} is not supported by this page`);
  page.latest = metrics;
  page.lastArrays = snapshot;
  page.counters = message.counters;
  if (!page.history.length || page.history[page.history.length - 1].iteration !== metrics.iteration) page.history.push(metrics);
  if (page.history.length > MAX_HISTORY) page.history = page.history.filter((_, i) => i % 2 === 0 || i === page.history.length - 1);
  $('iteration').textContent = String(metrics.iteration);
  $('sinkhorn').textContent = Number.isFinite(metrics.sinkhorn) ? metrics.sinkhorn.toExponential(2) : '–';
  // The run may start at a pretrained or loaded model's iteration: the rate counts this run's own.
  page.firstIteration ??= metrics.iteration;
  const seconds = message.trainingMs / 1000;
  $('its-per-second').textContent = seconds > 0 ? ((metrics.iteration - page.firstIteration) / seconds).toFixed(1) : '–';
  if (page.playing) setStatus(`training on ${page.backend.backend}`);
  draw();
}

function draw() {
  const s = page.lastArrays;
  if (!s) return;
  if (page.drawing) {
    drawDrawnPoints();
    return;
  }
  const m = page.latest;
  const images = Boolean(m.image_side);
  document.body.toggleAttribute('data-images', images);
  $('image-panel').hidden = !images;
  drawCurves($('curves'), page.history);
  drawSpeeds($('speeds'), m);
  if (images) {
    $('fine-factor').textContent = String(m.fine_factor);
    drawImageGrid($('sample-grid'), s.images, m.image_side);
    drawImagePaths($('image-paths'), s.image_paths, s.fine_images, m.steps, m.image_side);
    return;
  }
  drawTrajectories($('trajectories'), {
    data: page.data, trajectories: s.trajectories, velocity: s.velocity, predictedLines: s.predicted_lines,
    steps: m.steps, window: page.window, velocityGrid: VELOCITY_GRID, time: page.time, tFinal: m.t_final, layers: page.layers,
  });
  if (page.layers.has('barycentres') && s.barycentres.length) drawBarycentreArrows($('trajectories'), s.barycentres, page.window);
  if (page.stage) drawStage($('trajectories'), page.stage, page.window);
  drawCritic($('critic'), s.critic, CRITIC_GRID);
  const ot = s.cells.length > 0;
  $('critic-title').textContent = ot ? 'OT potential ψ^{c,λ} (the terminal potential)' : 'critic φ';
  $('ot-panel').hidden = !ot;
  if (ot) {
    drawCells($('cells'), s.cells, CRITIC_GRID, m.groups);
    drawSmoothing($('smoothing'), m.ot_lambda);
  }
  drawManifold($('manifold'), s.extra_rms_by_time, m.t_final);
}

/** Drawing mode: the main plot shows only the points drawn so far. */
function drawDrawnPoints() {
  const canvas = $('trajectories');
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const t = planeTransform(canvas, page.window);
  ctx.fillStyle = '#d62728';
  for (const [x, y] of page.drawn) ctx.fillRect(t.x(x) - 2, t.y(y) - 2, 4, 4);
  $('points-status').textContent = `${page.drawn.length} points drawn: click and drag on the plot`;
  $('use-points').disabled = page.drawn.length < 2;
}

function wirePoints() {
  const canvas = $('trajectories');
  const toPlane = (event) => {
    const rect = canvas.getBoundingClientRect();
    const [xMin, xMax, yMin, yMax] = page.window;
    const u = (event.clientX - rect.left) / rect.width;
    const v = (event.clientY - rect.top) / rect.height;
    return [xMin + u * (xMax - xMin), yMax - v * (yMax - yMin)];
  };
  let down = false;
  const add = (event) => {
    if (!page.drawing || !down) return;
    const [x, y] = toPlane(event);
    const spread = 0.05 * (page.window[1] - page.window[0]);
    for (let i = 0; i < 3; i++) page.drawn.push([x + spread * (Math.random() - 0.5), y + spread * (Math.random() - 0.5)]);
    drawDrawnPoints();
  };
  canvas.addEventListener('pointerdown', (event) => { down = true; add(event); });
  canvas.addEventListener('pointermove', add);
  window.addEventListener('pointerup', () => { down = false; });
  $('draw').addEventListener('click', () => {
    page.drawing = !page.drawing;
    $('draw').textContent = page.drawing ? 'stop drawing' : 'draw points';
    if (page.drawing) api.pause();
    draw();
  });
  $('clear-points').addEventListener('click', async () => {
    page.drawn = [];
    const hadPoints = Boolean(page.settings.points);
    delete page.settings.points;
    $('points-status').textContent = '';
    if (page.drawing) drawDrawnPoints();
    else if (hadPoints) await reset();
  });
  $('use-points').addEventListener('click', () => usePoints(page.drawn.slice(), 'drawn'));
  $('upload').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (!file) return;
    try {
      if (file.size > 20e6) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; at most 20 MB`);
      usePoints(await parsePoints(await file.text()), `from ${file.name}`);
    } catch (error) {
      showProblems([`${file.name} is not a CSV of 2-D points: ${error.message}`]);
    }
  });
}

/** Trains on the user's points (they are not written into the URL). */
async function usePoints(points, origin) {
  try {
    await validateConfig(await configOf({ ...page.settings, points }));
  } catch (error) {
    showProblems([`your points: ${error.message}`]);
    return;
  }
  showProblems([]);
  page.settings.points = points;
  page.drawing = false;
  $('draw').textContent = 'draw points';
  $('points-status').textContent = `training on ${points.length} points ${origin}`;
  await reset();
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
  const hash = toHash(page.settings, page.defaults);
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

/**
 * A control's edit, applied after the edits before it: each asks the configuration worker first,
 * and a step or play waits for them (page.changes), so a live setting reaches the run before the
 * iterations that follow it.
 */
function onControlChange(key, value, control) {
  page.changes = page.changes
    .then(() => applyControlChange(key, value, control))
    .catch((error) => setStatus(`error: ${error.message}`, 'error'));
  return page.changes;
}

async function applyControlChange(key, value, control) {
  let candidate = { ...page.settings, [key]: value };
  if (control.kind !== 'page' || PRESET_KEYS.includes(key)) {
    try {
      if (PRESET_KEYS.includes(key)) candidate = { ...candidate, ...(await preset(candidate, key)) };
      await validateConfig(await configOf(candidate));
    } catch (error) {
      showProblems([`${control.label}: ${error.message}`]);
      buildControls($('controls'), page.settings, onControlChange);
      return;
    }
  }
  showProblems([]);
  page.settings = candidate;
  writeHash();
  if (control.kind === 'live' && page.worker) {
    page.worker.postMessage({ type: 'update', settings: { [key]: value } });
  } else {
    await reset();
  }
  syncOtSlider();
}

/** Settings whose change brings their preset's λ, c_GP and learning rate (the preset: all of it). */
const PRESET_KEYS = ['preset', 'mode', 'terminal', 'dataset', 'dim'];

/** The full preset config of the settings' mode, terminal cost, data set and dimension (Rust TrainConfig::preset). */
function presetOf(settings) {
  return presetConfig(settings.mode || 'flow', settings.terminal || 'critic', settings.dataset || 'pinwheel', settings.dim || 2, settings.preset || 'standard');
}

/**
 * What a change of `changed` (the preset, mode, terminal cost, data set or dimension) brings:
 * the preset's λ, c_GP and learning rate; every setting of the preset when the preset itself
 * changed, and for MNIST; leaving MNIST returns to the plane.
 */
async function preset(settings, changed) {
  const leavingImages = !isImages(settings) && settings.dim > 64;
  const config = await presetOf({ ...settings, dim: leavingImages ? 2 : settings.dim });
  if (changed === 'preset' || isImages(settings) || leavingImages) {
    const all = {};
    for (const control of CONTROLS) if (control.kind !== 'page' && !PRESET_KEYS.includes(control.key)) all[control.key] = config[control.key];
    return { ...all, dim: config.dim };
  }
  return { lambda: config.lambda, gradient_penalty: config.gradient_penalty, potential_learning_rate: config.potential_learning_rate };
}

/** The λ slider follows the setting (which the URL and the text control may also change). */
function syncOtSlider() {
  $('ot-lambda-slider').value = String(lambdaToSlider(page.settings.ot_lambda));
  $('ot-lambda-label').textContent = `λ = ${page.settings.ot_lambda.toPrecision(2)}`;
}

function wireOtSlider() {
  const slider = $('ot-lambda-slider');
  const control = { key: 'ot_lambda', label: 'λ of the OT cost', kind: 'live' };
  slider.addEventListener('input', () => { $('ot-lambda-label').textContent = `λ = ${sliderToLambda(Number(slider.value)).toPrecision(2)}`; });
  slider.addEventListener('change', async () => {
    await onControlChange('ot_lambda', Number(sliderToLambda(Number(slider.value)).toPrecision(3)), control);
    buildControls($('controls'), page.settings, onControlChange);
  });
}

async function reset() {
  buildControls($('controls'), page.settings, onControlChange);
  await start();
}

/** Moves the particles to t = fraction·T along their paths. */
function setTime(fraction) {
  page.time = fraction * (page.latest ? page.latest.t_final : 1);
  $('time').value = String(Math.round(100 * fraction));
  $('time-label').textContent = `t = ${page.time.toFixed(2)}`;
  draw();
  if (page.layers.has('velocity') && page.worker) page.worker.postMessage({ type: 'view', view: view() });
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
  $('step').addEventListener('click', () => api.step(10));
  $('reset').addEventListener('click', () => reset());
  for (const direction of ['forward', 'back']) {
    $(`walk-${direction}`).addEventListener('click', () => api.walk(direction).catch((error) => showProblems([`walk-through: ${error.message}`])));
  }
  $('from-scratch').addEventListener('click', () => onControlChange('start', 'scratch', CONTROLS.find((c) => c.key === 'start')));
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

const api = {
  play() {
    leaveStages();
    page.playing = true;
    updatePlayButton();
    setStatus(`training on ${page.backend.backend}`);
    page.changes.then(() => page.playing && page.worker.postMessage({ type: 'play' }));
  },
  pause() {
    page.playing = false;
    updatePlayButton();
    page.worker.postMessage({ type: 'pause' });
    setStatus(`paused at iteration ${page.latest ? page.latest.iteration : 0}`);
  },
  /** Runs n iterations; resolves with the metrics once they are done and drawn. */
  async step(n = 1) {
    await page.changes;
    await page.ready;
    page.playing = false;
    updatePlayButton();
    leaveStages();
    return request({ type: 'step', n });
  },
  /** Takes the next stage of one iteration ('forward') or undoes the last ('back'); resolves
   *  with where the iteration stands ({stage, step, critic_steps, iteration, loss, samples,
   *  data}) once drawn, or rejects with why this run cannot be walked through. */
  async walk(direction = 'forward') {
    await page.changes;
    await page.ready;
    page.playing = false;
    updatePlayButton();
    return request({ type: 'walk', direction });
  },
  /** Resolves to the run's model file (a Uint8Array): config, weights, Adam state, iteration
   *  and random streams. */
  async save() {
    await page.changes;
    await page.ready;
    return request({ type: 'save' });
  },
  /** Goes on from a model file's bytes; resolves with its metrics once drawn. A file that is
   *  not a usable model rejects with the reason, and the run goes on as it was. */
  async load(bytes) {
    await page.changes;
    await page.ready;
    return request({ type: 'load', bytes, evalPoints: EVAL_POINTS, evalImages: EVAL_IMAGES });
  },
  /** The latest metrics, with the CLI's JSON field names. */
  snapshot() {
    return page.latest ? { ...page.latest } : null;
  },
  /** Test hook: destroys the worker's GPU device, as a driver reset would. */
  simulateDeviceLoss() {
    page.worker.postMessage({ type: 'lose-device' });
  },
  /** {dispatches, submits, readbacks, wasmMemoryBytes}: WebGPU compute dispatches, queue
   *  submissions and buffer readbacks so far, counted in the worker, and its WebAssembly memory
   *  (for the benchmark). */
  counters() {
    return page.counters ? { ...page.counters } : null;
  },
  ready: () => page.ready,
};

async function main() {
  try {
    page.defaults = await defaultConfig();
  } catch (error) {
    setStatus(`the WebAssembly module could not be loaded (${error.message}); run \`cargo xtask serve\``, 'error');
    return;
  }
  const { values, problems: parseProblems } = parseHash(location.hash);
  if (PRESET_KEYS.some((key) => key in values)) {
    try {
      Object.assign(values, { ...(await preset(values, 'preset' in values ? 'preset' : null)), ...values });
    } catch (error) {
      parseProblems.push(`${error.message}; using the default settings`);
      for (const key of PRESET_KEYS) delete values[key];
    }
  }
  const { settings, problems } = await resolveSettings(values, page.defaults, async (candidate) => validateConfig(await configOf(candidate)));
  page.settings = settings;
  showProblems([...parseProblems, ...problems]);
  buildControls($('controls'), page.settings, onControlChange);
  hidePanels(page.settings.hide);
  wireButtons();
  wirePoints();
  wireOtSlider();
  syncOtSlider();
  wireModelFiles({ save: () => api.save(), load: (bytes) => api.load(bytes), fileName, showProblems, setStatus });
  window.w1w2 = api;
  await start();
  window.addEventListener('hashchange', () => location.reload());
}

main().catch((error) => setStatus(`error: ${error.message}`, 'error'));
