// Choosing where the trainer runs. "auto": WebGPU on a hardware adapter; the CPU backend when
// there is no adapter or only a software one (isFallbackAdapter, or SwiftShader), because a
// software GPU is far slower than the wasm CPU backend for these small networks.

/** Describes the WebGPU adapter: { available, software, name } (never throws). */
export async function probeWebGpu() {
  if (!('gpu' in navigator) || !navigator.gpu) return { available: false, software: false, name: 'no navigator.gpu' };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, software: false, name: 'no WebGPU adapter' };
    const info = adapter.info || {};
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
    const software = Boolean(info.isFallbackAdapter) || /swiftshader|llvmpipe|software/i.test(name);
    return { available: true, software, name };
  } catch (error) {
    return { available: false, software: false, name: `requestAdapter failed: ${error.message}` };
  }
}

/** { backend: 'webgpu' | 'cpu', reason } for the requested choice. */
export async function chooseBackend(requested) {
  const gpu = await probeWebGpu();
  if (requested === 'cpu') return { backend: 'cpu', reason: 'CPU backend chosen in the settings', gpu };
  if (requested === 'webgpu') {
    if (gpu.available) return { backend: 'webgpu', reason: `WebGPU chosen in the settings (adapter: ${gpu.name})`, gpu };
    return { backend: 'cpu', reason: `WebGPU is unavailable (${gpu.name}); using the CPU backend`, gpu };
  }
  if (!gpu.available) return { backend: 'cpu', reason: `no WebGPU (${gpu.name}); using the CPU backend`, gpu };
  if (gpu.software) return { backend: 'cpu', reason: `the WebGPU adapter is a software one (${gpu.name}), slower than the CPU backend`, gpu };
  return { backend: 'webgpu', reason: `hardware WebGPU adapter: ${gpu.name}`, gpu };
}
