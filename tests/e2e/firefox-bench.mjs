// Benchmark of the page in Debian's Firefox ESR (cargo xtask bench): what a snapshot costs on
// Firefox's WebGPU, which polls GPU readbacks on a timer. step(1) is one iteration and one
// snapshot, step(11) eleven iterations and one; their medians' difference gives an iteration,
// and step(1) less it a snapshot. Prints figures, asserts nothing. BASE_URL names the server.

import { launchFirefox, noAdapter, onWebGpu, open } from './firefox.mjs';

const ROUNDS = 3;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const firefox = await launchFirefox();
try {
  console.log(`Firefox: ${await firefox.browser.version()}`);
  const { page, errors } = await open(firefox.browser, 'backend=webgpu', { instrument: true });
  const why = (await noAdapter(page)) || (await onWebGpu(page, errors));
  if (why) {
    console.log(`Firefox WebGPU: nothing to measure, ${why}`);
  } else {
    const timed = (n) => page.evaluate(async (n) => {
      const start = performance.now();
      await window.w1w2.step(n);
      return performance.now() - start;
    }, n);
    await timed(1); // pipelines compiled, buffers made
    const ones = [];
    const elevens = [];
    for (let i = 0; i < ROUNDS; i++) {
      ones.push(await timed(1));
      elevens.push(await timed(11));
    }
    const perIteration = (median(elevens) - median(ones)) / 10;
    const snapshot = median(ones) - perIteration;
    console.log(`Firefox WebGPU (${await page.$eval('#adapter', (e) => e.innerText)}): step(1) ${median(ones).toFixed(0)} ms, `
      + `step(11) ${median(elevens).toFixed(0)} ms (medians of ${ones.map(Math.round).join(', ')} and ${elevens.map(Math.round).join(', ')}); `
      + `an iteration ${perIteration.toFixed(1)} ms, a snapshot ${snapshot.toFixed(1)} ms`);
    if (errors.length) console.log(`the page's errors: ${errors.join(' | ')}`);
  }
  await page.close();
} finally {
  await firefox.close();
}
