// Instruments the training worker's WebGPU for the benchmark and the page tests; the worker
// loads it only when the page is opened with `?instrument`. It counts compute dispatches, queue
// submissions and buffer readbacks (mapAsync), and keeps the GPU devices wgpu asks for, so that
// a test can destroy them as a driver reset would; and it can make the next training call fail as
// a diverged run does. Import it before the first device is asked.

const counters = { dispatches: 0, submits: 0, readbacks: 0 };
const devices = [];

/** Wraps `prototype[name]` so that `before(this)` runs first on every call. */
function wrap(prototype, name, before) {
  const original = prototype[name];
  prototype[name] = function (...args) {
    before(this);
    return original.apply(this, args);
  };
}

if (self.GPUComputePassEncoder) {
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => counters.dispatches++);
  wrap(GPUQueue.prototype, 'submit', () => counters.submits++);
  wrap(GPUBuffer.prototype, 'mapAsync', () => counters.readbacks++);
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    devices.push(device);
    return device;
  };
}

/** The counts so far, with the WebAssembly `memory`'s size. */
export function countersWith(memory) {
  return { ...counters, wasmMemoryBytes: memory ? memory.buffer.byteLength : 0 };
}

/** Destroys every GPU device the worker has. */
export function loseDevices() {
  for (const device of devices) device.destroy();
}

let divergenceArmed = false;

/** Makes the worker's next training call fail as a diverging run's does. */
export function armDivergence() {
  divergenceArmed = true;
}

/** Throws, once armed, the error the trainer throws when a quantity becomes non-finite. */
export function divergeIfArmed(iteration) {
  if (!divergenceArmed) return;
  divergenceArmed = false;
  const quantity = 'critic loss L_D';
  throw Object.assign(new Error(`diverged at iteration ${iteration + 1}: the ${quantity} became non-finite (simulated with ?instrument)`), { name: 'Diverged', iteration: iteration + 1, quantity });
}
