// Paper B's picture: the plane coloured by the group of data points each place is transported
// to (Laguerre cells at λ = 0, blended as λ grows), arrows from samples to their soft
// barycentres, and the non-differentiability example W1(δθ, δ0) = |θ| against its entropic
// smoothing.

import { addArrow, planeTransform } from './plane.js';

const GROUP_COLORS = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40],
  [148, 103, 189], [140, 86, 75], [227, 119, 194], [188, 189, 34],
];

/** cells: Float32Array [grid, grid, groups] of shares (rows from y_min up). */
export function drawCells(canvas, cells, grid, groups) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(grid, grid);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const shares = cells.subarray((row * grid + col) * groups, (row * grid + col + 1) * groups);
      const color = [0, 0, 0];
      shares.forEach((share, g) => GROUP_COLORS[g % GROUP_COLORS.length].forEach((c, j) => { color[j] += share * c; }));
      image.data.set([...color.map(Math.round), 255], 4 * ((grid - 1 - row) * grid + col));
    }
  }
  const scratch = new OffscreenCanvas(grid, grid);
  scratch.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

/** Arrows x → Σ_j χ_j(x) y_j, from a Float32Array [h, 4] (x, y, target x, target y). */
export function drawBarycentreArrows(canvas, arrows, window) {
  const ctx = canvas.getContext('2d');
  const t = planeTransform(canvas, window);
  ctx.strokeStyle = 'rgba(200,60,0,0.9)';
  ctx.lineWidth = 1.4;
  ctx.beginPath();
  for (let h = 0; h < arrows.length / 4; h++) {
    const [x, y, tx, ty] = arrows.subarray(4 * h, 4 * h + 4);
    addArrow(ctx, t, [x, y], [tx, ty], 6);
  }
  ctx.stroke();
}

/**
 * |θ| = max over the optimal slopes s = ±1 of sθ, and its entropic smoothing
 * λ log(½e^{θ/λ} + ½e^{−θ/λ}) = λ log cosh(θ/λ) (the same log-sum-exp as ψ^{c,λ}), with their
 * slopes: the subgradient [−1, 1] at θ = 0 against tanh(θ/λ).
 */
export function drawSmoothing(canvas, lambda) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const half = canvas.width / 2;
  const x = (theta) => half + theta * (half - 10);
  const y = (v) => canvas.height - 22 - v * (canvas.height - 40);
  const smooth = (theta) => {
    if (lambda <= 0) return Math.abs(theta);
    const a = Math.abs(theta) / lambda;
    return lambda * (a + Math.log1p(Math.exp(-2 * a)) - Math.LN2);
  };
  const curve = (f, color, dash) => {
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i <= 200; i++) {
      const theta = -1 + i / 100;
      if (i) ctx.lineTo(x(theta), y(f(theta)));
      else ctx.moveTo(x(theta), y(f(theta)));
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  curve(Math.abs, '#333', []);
  curve(smooth, '#d62728', [5, 3]);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#333';
  ctx.fillText('W1(δθ, δ0) = |θ|: slope anywhere in [−1, 1] at θ = 0', 6, 12);
  ctx.fillStyle = '#d62728';
  const slope = lambda > 0 ? 'smooth, slope tanh(θ/λ) = 0 at θ = 0' : 'λ = 0: not smooth';
  ctx.fillText(`λ log cosh(θ/λ), λ = ${lambda.toPrecision(2)}: ${slope}`, 6, 26);
  ctx.fillStyle = '#666';
  ctx.fillText('θ = −1', 4, canvas.height - 6);
  ctx.fillText('θ = 1', canvas.width - 34, canvas.height - 6);
}

/** The slider position p ∈ [0, 100] ↔ λ: 0 at p = 0, else 10^(−3 + 3p/100) (10⁻³ … 1). */
export const sliderToLambda = (p) => (p <= 0 ? 0 : 10 ** (-3 + (3 * p) / 100));
export const lambdaToSlider = (lambda) => (lambda <= 0 ? 0 : Math.min(100, Math.max(1, Math.round(((Math.log10(lambda) + 3) * 100) / 3))));
