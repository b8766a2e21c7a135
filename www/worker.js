// The trainer's thread. It runs many iterations per tick and posts a snapshot (transferable
// Float32Arrays) at most ~10 times a second, and so that snapshots take at most a fifth of the
// time; GPU tensors are read back only for snapshots.
//
// Messages in:  {type: 'start', config, backend, view, pretrained, model?} | {type: 'play'} | {type: 'pause'}
//               | {type: 'step', n, id} | {type: 'update', settings} | {type: 'view', view}
//               | {type: 'walk', id, direction: 'forward' | 'back'}
//               | {type: 'save', id} | {type: 'load', id, bytes, evalPoints, evalImages}
//               | {type: 'lose-device'} (with ?instrument: destroys the GPU devices)
//               | {type: 'diverge'} (with ?instrument: the next training call fails as a diverged run)
// Messages out: {type: 'ready', backend, adapter, data, pretrained} | {type: 'snapshot', snapshot, trainingMs}
//               | {type: 'stepped', id, snapshot, trainingMs}
//               | {type: 'walked', id, stage, snapshot, trainingMs}
//               | {type: 'saved', id, bytes} | {type: 'loaded', id, adapter, config, data, snapshot, trainingMs}
//               | {type: 'refused', id, message} (a save or load that failed; the run is kept)
//               | {type: 'diverged', message, iteration, quantity} | {type: 'error', message}
// With ?instrument every message but 'ready' also carries counters (instrument.js).

import init, { Session, lastPanic, loadMnist } from '../pkg/w1w2_flow.js';
import { SNAPSHOT_SHARE } from './pacing.js';

const SNAPSHOT_INTERVAL_MS = 100;
// Snapshots take at most SNAPSHOT_SHARE of the time while playing (pacing.js) ...
// ... but the page is drawn at least this often: the first snapshot on WebGPU also waits for its
// shaders to compile (36 s on SwiftShader), which would otherwise space the next ones minutes apart.
const MAX_SNAPSHOT_INTERVAL_MS = 2000;
const TICK_BUDGET_MS = 40;

let session = null;
let playing = false;
let view = null;
let chunk = 1; // iterations per train() call, adapted to TICK_BUDGET_MS
let lastSnapshot = 0;
let snapshotMs = 0; // what the last snapshot took
let trainingMs = 0; // time spent training, for iterations/s
let queue = Promise.resolve();
let mnistLoaded = false;

const wasmReady = init();
let wasmMemory = null; // the module's linear memory, for the benchmark's memory figure
wasmReady.then((exports) => { wasmMemory = exports.memory; });

// The benchmark's and tests' GPU counters and device loss (instrument.js), with `?instrument`.
const instrumenting = new URL(self.location.href).searchParams.has('instrument') ? import('./instrument.js') : null;
let instrument = null;

/** Fetches the MNIST digits the build wrote (www/data/mnist.u8) into the module, once. */
async function ensureMnist() {
  if (mnistLoaded) return;
  const url = new URL('./data/mnist.u8', import.meta.url);
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`the MNIST digits could not be fetched (${error.message})`);
  }
  if (!response.ok) {
    throw new Error(`the MNIST digits are missing (HTTP ${response.status} for www/data/mnist.u8); \`cargo xtask serve\` writes them`);
  }
  loadMnist(new Uint8Array(await response.arrayBuffer()));
  mnistLoaded = true;
}

/**
 * The pretrained model shipped for `dataset` (www/pretrained/, made by the command in its
 * README), or undefined where there is none; the session uses it only if its settings match.
 */
async function fetchPretrained(dataset) {
  try {
    const response = await fetch(new URL(`./pretrained/${dataset}.w1w2`, import.meta.url));
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
  } catch {
    return undefined;
  }
}

function post(message, transfer = []) {
  if (instrument) message.counters = instrument.countersWith(wasmMemory);
  const arrays = message.snapshot ? Object.values(message.snapshot).filter((v) => ArrayBuffer.isView(v)).map((a) => a.buffer) : [];
  self.postMessage(message, [...transfer, ...arrays]);
}

function fail(error) {
  playing = false;
  if (error && error.name === 'Diverged') {
    post({ type: 'diverged', message: error.message, iteration: error.iteration, quantity: error.quantity });
    return;
  }
  let message = error && error.message ? error.message : String(error);
  const panic = error instanceof WebAssembly.RuntimeError ? lastPanic() : undefined;
  if (panic) {
    message = `the trainer stopped with an internal error (${panic})`;
    session = null; // the module is unusable after a panic; the page starts a new worker
  }
  post({ type: 'error', message });
}

/** `n` iterations (with ?instrument, first the divergence a test armed). */
function train(n) {
  instrument?.divergeIfArmed(session.iteration);
  session.train(n);
}

async function snapshot() {
  const started = performance.now();
  const result = await session.snapshot(view);
  lastSnapshot = performance.now();
  snapshotMs = lastSnapshot - started;
  return result;
}

/** Trains for about TICK_BUDGET_MS, then yields to the event loop; posts snapshots as due. */
async function tick() {
  if (!playing || !session) return;
  try {
    const started = performance.now();
    train(chunk);
    const spent = performance.now() - started;
    trainingMs += spent;
    // On WebGPU train() only queues work (the snapshot's readback waits for it), so the queue
    // is kept short; on the CPU the chunk grows until a tick takes about TICK_BUDGET_MS.
    const maxChunk = session.backend === 'webgpu' ? 5 : 200;
    chunk = Math.max(1, Math.min(maxChunk, Math.round(chunk * (spent < TICK_BUDGET_MS / 2 ? 2 : spent > TICK_BUDGET_MS * 2 ? 0.5 : 1))));
    const interval = Math.min(MAX_SNAPSHOT_INTERVAL_MS, Math.max(SNAPSHOT_INTERVAL_MS, snapshotMs / SNAPSHOT_SHARE));
    if (performance.now() - lastSnapshot >= interval) {
      post({ type: 'snapshot', snapshot: await snapshot(), trainingMs });
    }
  } catch (error) {
    fail(error);
    return;
  }
  setTimeout(tick, 0);
}

async function handle(message) {
  if (instrumenting) instrument ??= await instrumenting;
  switch (message.type) {
    case 'start': {
      await wasmReady;
      playing = false;
      if (session) session.free();
      session = null;
      view = message.view;
      trainingMs = 0;
      chunk = 1;
      if (message.config.dataset === 'mnist') await ensureMnist();
      if (message.model) {
        // A run going on elsewhere: the model a WebGPU run read back at its last snapshot.
        session = await Session.load(message.model, message.backend, message.config.eval_batch, message.config.eval_batch);
      } else {
        const pretrained = message.pretrained ? await fetchPretrained(message.config.dataset) : undefined;
        session = await Session.create(message.config, message.backend, pretrained);
      }
      const data = session.data();
      self.postMessage({ type: 'ready', backend: session.backend, adapter: session.adapter, data, pretrained: session.pretrained }, [data.buffer]);
      break;
    }
    case 'play':
      if (!playing) {
        playing = true;
        tick();
      }
      break;
    case 'pause':
      playing = false;
      break;
    case 'step': {
      playing = false;
      const started = performance.now();
      let left = message.n;
      while (left > 0) {
        const n = Math.min(left, 25);
        train(n);
        left -= n;
        if (left > 0) await new Promise((resolve) => setTimeout(resolve, 0)); // stay responsive
      }
      trainingMs += performance.now() - started;
      post({ type: 'stepped', id: message.id, snapshot: await snapshot(), trainingMs });
      break;
    }
    case 'update':
      session.update(message.settings);
      break;
    case 'walk': {
      playing = false;
      let stage;
      try {
        stage = message.direction === 'back' ? session.walkBack() : session.walkForward();
      } catch (error) {
        post({ type: 'refused', id: message.id, message: error.message || String(error) });
        break;
      }
      post({ type: 'walked', id: message.id, stage, snapshot: await snapshot(), trainingMs });
      break;
    }
    case 'save': {
      let bytes;
      try {
        bytes = await session.save();
      } catch (error) {
        post({ type: 'refused', id: message.id, message: `the model could not be read back: ${error.message || error}` });
        break;
      }
      post({ type: 'saved', id: message.id, bytes }, [bytes.buffer]);
      break;
    }
    case 'load': {
      // The new session is made before the old one goes, so a bad file leaves the run as it was.
      let loaded;
      try {
        loaded = await Session.load(message.bytes, session.backend, message.evalPoints, message.evalImages);
      } catch (error) {
        post({ type: 'refused', id: message.id, message: error.message || String(error) });
        break;
      }
      playing = false;
      session.free();
      session = loaded;
      trainingMs = 0;
      chunk = 1;
      const data = session.data();
      post({ type: 'loaded', id: message.id, adapter: session.adapter, config: session.config(), data, snapshot: await snapshot(), trainingMs }, [data.buffer]);
      break;
    }
    case 'lose-device':
      if (!instrument) throw new Error('simulating a device loss needs the page opened with ?instrument');
      instrument.loseDevices();
      break;
    case 'diverge':
      if (!instrument) throw new Error('simulating a divergence needs the page opened with ?instrument');
      instrument.armDivergence();
      break;
    case 'view':
      view = message.view;
      if (session && !playing) post({ type: 'snapshot', snapshot: await snapshot(), trainingMs });
      break;
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}

self.onmessage = (event) => {
  // Messages are handled one at a time, in order.
  queue = queue.then(() => handle(event.data)).catch((error) => fail(error));
};
