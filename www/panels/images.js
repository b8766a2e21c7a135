// Image views of an image data set (MNIST): a grid of samples, the paths of a few samples through
// the Euler steps, and the same sources pushed with Δt and with a finer Δt side by side.

const GAP = 2;

/** Draws image `index` of `images` (`[n, side²]`, values in [0, 1]) at (left, top), `scale` px a pixel. */
function drawImage(ctx, images, index, side, left, top, scale) {
  const pixels = side * side;
  const picture = ctx.createImageData(side * scale, side * scale);
  for (let row = 0; row < side * scale; row++) {
    for (let col = 0; col < side * scale; col++) {
      const value = images[index * pixels + Math.floor(row / scale) * side + Math.floor(col / scale)];
      const level = Math.round(255 * Math.min(1, Math.max(0, value)));
      const at = 4 * (row * side * scale + col);
      picture.data[at] = picture.data[at + 1] = picture.data[at + 2] = level;
      picture.data[at + 3] = 255;
    }
  }
  ctx.putImageData(picture, left, top);
}

/** Sizes the canvas to `columns` × `rows` images of `side·scale` pixels and clears it to black. */
function clear(canvas, columns, rows, side, scale, extra = 0) {
  canvas.width = columns * (side * scale + GAP) + GAP + extra;
  canvas.height = rows * (side * scale + GAP) + GAP;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/** Screen pixels per image pixel. */
const SCALE = 2;

/** A square grid of the samples (`[m, side²]`). */
export function drawImageGrid(canvas, samples, side) {
  const count = samples.length / (side * side);
  const columns = Math.ceil(Math.sqrt(count));
  const scale = SCALE;
  const ctx = clear(canvas, columns, Math.ceil(count / columns), side, scale);
  for (let i = 0; i < count; i++) {
    drawImage(ctx, samples, i, side, GAP + (i % columns) * (side * scale + GAP), GAP + Math.floor(i / columns) * (side * scale + GAP), scale);
  }
}

/**
 * One row per sample: its images at t₀ … t_K (`paths` is `[K+1, p, side²]`), then, after a gap,
 * its end point with the finer Δt (`fine` is `[p, side²]`).
 */
export function drawImagePaths(canvas, paths, fine, steps, side) {
  const pixels = side * side;
  const count = fine.length / pixels;
  const columns = steps + 2; // t₀ … t_K, then the finer-Δt end point
  const scale = SCALE;
  const ctx = clear(canvas, columns, count, side, scale, 3 * GAP);
  const cell = side * scale + GAP;
  for (let i = 0; i < count; i++) {
    const top = GAP + i * cell;
    for (let k = 0; k <= steps; k++) drawImage(ctx, paths, k * count + i, side, GAP + k * cell, top, scale);
    drawImage(ctx, fine, i, side, GAP + (steps + 1) * cell + 3 * GAP, top, scale);
  }
}
