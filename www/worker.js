// The trainer's thread. It runs many iterations per tick and posts a snapshot (transferable
// Float32Arrays) at most ~10 times a second, and so that snapshots take at most a fifth of the
// time; GPU tensors are read back only for snapshots.
//
// Messages in:  {type: 'start', config, backend, view, pretrained} | {type: 'play'} | {type: 'pause'}
//               | {type: 'step', n, id} | {type: 'update', settings} | {type: 'view', view}
//               | {type: 'walk', id, direction: 'forward' | 'back'}
//               | {type: 'save', id} | {type: 'load', id, bytes, evalPoints, evalImages}
//               | {type: 'lose-device'} (tests: destroys the GPU device)
// Messages out: {type: 'ready', backend, adapter, data, pretrained} | {type: 'snapshot', snapshot, trainingMs}
//               | {type: 'stepped', id, snapshot, trainingMs}
//               | {type: 'walked', id, stage, snapshot, trainingMs}
//               | {type: 'saved', id, bytes} | {type: 'loaded', id, adapter, config, data}
//               | {type: 'refused', id, message} (a save or load that failed; the run is kept)
//               | {type: 'diverged', message, iteration, quantity} | {type: 'error', message}

import init, { Session, loadMnist } from '../pkg/w1w2_flow.js';

const SNAPSHOT_INTERVAL_MS = 100;
// While playing, snapshots (held-out metrics, heatmaps) take at most this share of the time:
// on the CPU one costs tens of milliseconds, and ten a second would leave a third of the time to
// training.
const SNAPSHOT_SHARE = 0.2;
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

// GPU work counters for the benchmark: compute dispatches, queue submissions and buffer
// readbacks (mapAsync).
const counters = { dispatches: 0, submits: 0, readbacks: 0 };
if (self.GPUComputePassEncoder) {
  const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
  GPUComputePassEncoder.prototype.dispatchWorkgroups = function (...args) {
    counters.dispatches++;
    return dispatch.apply(this, args);
  };
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (...args) {
    counters.submits++;
    return submit.apply(this, args);
  };
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (...args) {
    counters.readbacks++;
    return mapAsync.apply(this, args);
  };
}

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

function post(message) {
  message.counters = { ...counters, wasmMemoryBytes: wasmMemory ? wasmMemory.buffer.byteLength : 0 };
  const arrays = message.snapshot ? Object.values(message.snapshot).filter((v) => v instanceof Float32Array).map((a) => a.buffer) : [];
  self.postMessage(message, arrays);
}

// The GPU devices wgpu asks for, so that a test can simulate losing one ('lose-device').
const devices = [];
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    devices.push(device);
    return device;
  };
}

// A Rust panic aborts the module ("RuntimeError: unreachable"); its message went to
// console.error through the panic hook, so keep the last one to report instead.
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (...args) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

function fail(error) {
  playing = false;
  if (error && error.name === 'Diverged') {
    post({ type: 'diverged', message: error.message, iteration: error.iteration, quantity: error.quantity });
    return;
  }
  let message = error && error.message ? error.message : String(error);
  if (error instanceof WebAssembly.RuntimeError && lastConsoleError) {
    message = `the trainer stopped with an internal error (${lastConsoleError.split('\n')[0]})`;
    session = null; // the module is unusable after a panic; the page starts a new worker
  }
  post({ type: 'error', message });
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
    session.train(chunk);
    const spent = performance.now() - started;
    trainingMs += spent;
    // On WebGPU train() only queues work (the snapshot's readback waits for it), so the queue
    // is kept short; on the CPU the chunk grows until a tick takes about TICK_BUDGET_MS.
    const maxChunk = session.backend === 'webgpu' ? 5 : 200;
    chunk = Math.max(1, Math.min(maxChunk, Math.round(chunk * (spent < TICK_BUDGET_MS / 2 ? 2 : spent > TICK_BUDGET_MS * 2 ? 0.5 : 1))));
    const interval = Math.max(SNAPSHOT_INTERVAL_MS, snapshotMs / SNAPSHOT_SHARE);
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
      const pretrained = message.pretrained ? await fetchPretrained(message.config.dataset) : undefined;
      session = await Session.create(message.config, message.backend, pretrained);
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
        session.train(n);
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
      self.postMessage({ type: 'saved', id: message.id, bytes }, [bytes.buffer]);
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
      self.postMessage({ type: 'loaded', id: message.id, adapter: session.adapter, config: session.config(), data }, [data.buffer]);
      post({ type: 'stepped', id: message.id, snapshot: await snapshot(), trainingMs });
      break;
    }
    case 'lose-device':
      for (const device of devices) device.destroy();
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
