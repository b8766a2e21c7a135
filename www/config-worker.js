// The configuration oracle: the wasm module's configuration functions (the control table,
// presets, validation, CSV parsing), answered off the main thread so that the page never compiles the module there.
//
// Messages in:  {id, call, args}, call one of CALLS
// Messages out: {id, result} | {id, error}: error is the message of the Error the call threw

import init, { controlTable, defaultConfig, parsePoints, presetConfig, validateConfig } from '../pkg/w1w2_flow.js';

const CALLS = { controlTable, defaultConfig, parsePoints, presetConfig, validateConfig };
const wasmReady = init();

self.onmessage = async ({ data: { id, call, args } }) => {
  try {
    await wasmReady;
    if (!(call in CALLS)) throw new Error(`no configuration call “${call}”`);
    self.postMessage({ id, result: CALLS[call](...args) });
  } catch (error) {
    self.postMessage({ id, error: error && error.message ? error.message : String(error) });
  }
};
