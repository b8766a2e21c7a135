// The critic φ on the plane as a heatmap (blue low, red high), centred on its median.

import { divergingColor } from './colors.js';

export function drawCritic(canvas, phi, grid) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(grid, grid);
  const sorted = Float32Array.from(phi).sort();
  const median = sorted[Math.floor(sorted.length / 2)];
  const spread = Math.max(1e-6, ...[sorted[0], sorted[sorted.length - 1]].map((v) => Math.abs(v - median)));
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const value = phi[row * grid + col];
      const [r, g, b] = divergingColor((value - median) / spread);
      const at = 4 * ((grid - 1 - row) * grid + col); // row 0 is y_min: the bottom of the image
      image.data.set([r, g, b, 255], at);
    }
  }
  const scratch = new OffscreenCanvas(grid, grid);
  scratch.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}
