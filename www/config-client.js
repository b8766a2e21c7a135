// The page's typed client of the configuration worker (config-worker.js): the Rust
// TrainConfig's control table, presets, validation and the CSV parser, each an async function. One worker
// serves the page's lifetime; a preset, asked often with the same arguments, is asked once.

let worker = null;
let nextId = 1;
const pending = new Map();
const presets = new Map();

function call(name, ...args) {
  if (!worker) {
    worker = new Worker(new URL('./config-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data: { id, result, error } }) => {
      const waiting = pending.get(id);
      pending.delete(id);
      if (error !== undefined) waiting.reject(new Error(error));
      else waiting.resolve(result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const failure = new Error(`the WebAssembly module could not be loaded (${event.message || 'the configuration worker stopped'})`);
      for (const waiting of pending.values()) waiting.reject(failure);
      pending.clear();
      worker = null;
    };
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, call: name, args });
  });
}

/** The page's settings table (Rust `config::controls`): `{controls, presets}`. */
export const controlTable = () => call('controlTable');

/** The default configuration (Rust `TrainConfig::preset` of the 2-D pinwheel flow). */
export const defaultConfig = () => call('defaultConfig');

/**
 * The settings of the `preset` family ('standard', 'paper' or 'fast') for a mode, terminal cost,
 * data set and dimension (Rust `TrainConfig::of_preset`).
 */
export function presetConfig(mode, terminal, dataset, dim, preset) {
  const key = `${mode}/${terminal}/${dataset}/${dim}/${preset}`;
  if (!presets.has(key)) {
    const asked = call('presetConfig', mode, terminal, dataset, dim, preset);
    presets.set(key, asked);
    asked.catch(() => presets.delete(key));
  }
  return presets.get(key).then((config) => structuredClone(config));
}

/** Resolves with the configuration completed with defaults, or rejects naming the bad field. */
export const validateConfig = (config) => call('validateConfig', config);

/** The 2-D points of a CSV text, or a rejection naming the offending line. */
export const parsePoints = (text) => call('parsePoints', text);
