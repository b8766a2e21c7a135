// The main plot: data, trajectories x₀→x_K coloured by time, particles at the scrubbed time,
// the velocity field there, and the straight lines the optimality system predicts.

import { rgb, timeColor } from './colors.js';
import { addArrow, planeTransform } from './plane.js';

export const LAYERS = ['data', 'trajectories', 'particles', 'velocity', 'predicted', 'barycentres'];

/**
 * @param canvas the trajectories canvas
 * @param s { data, trajectories: Float32Array [K+1, n, 2], velocity, predictedLines, steps, window,
 *            velocityGrid, time, tFinal, layers: Set }
 */
export function drawTrajectories(canvas, s) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const t = planeTransform(canvas, s.window);
  const points = s.trajectories.length / 2 / (s.steps + 1);
  const at = (k, i) => [s.trajectories[2 * (k * points + i)], s.trajectories[2 * (k * points + i) + 1]];

  if (s.layers.has('data')) {
    ctx.fillStyle = 'rgba(120,120,120,0.45)';
    for (let i = 0; i < s.data.length; i += 2) ctx.fillRect(t.x(s.data[i]) - 1, t.y(s.data[i + 1]) - 1, 2, 2);
  }
  if (s.layers.has('trajectories')) {
    ctx.lineWidth = 0.8;
    for (let k = 0; k < s.steps; k++) {
      ctx.strokeStyle = rgb(timeColor((k + 0.5) / s.steps), 0.35);
      ctx.beginPath();
      for (let i = 0; i < points; i++) {
        const [x0, y0] = at(k, i);
        const [x1, y1] = at(k + 1, i);
        ctx.moveTo(t.x(x0), t.y(y0));
        ctx.lineTo(t.x(x1), t.y(y1));
      }
      ctx.stroke();
    }
  }
  if (s.layers.has('predicted')) {
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = 'rgba(220,40,40,0.9)';
    for (let h = 0; h < s.predictedLines.length / 4; h++) {
      const [xs, ys, xe, ye] = s.predictedLines.subarray(4 * h, 4 * h + 4);
      ctx.beginPath();
      ctx.moveTo(t.x(xs), t.y(ys));
      ctx.lineTo(t.x(xe), t.y(ye));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.strokeStyle = 'rgba(0,0,0,0.9)';
    for (let h = 0; h < s.predictedLines.length / 4; h++) {
      ctx.beginPath();
      for (let k = 0; k <= s.steps; k++) {
        const [x, y] = at(k, h);
        if (k === 0) ctx.moveTo(t.x(x), t.y(y));
        else ctx.lineTo(t.x(x), t.y(y));
      }
      ctx.stroke();
    }
  }
  if (s.layers.has('particles')) {
    // A generator (steps = 0) has its samples only: they are drawn at every t.
    const u = s.steps === 0 ? 0 : (s.time / s.tFinal) * s.steps;
    const k = Math.max(0, Math.min(s.steps - 1, Math.floor(u)));
    const f = s.steps === 0 ? 0 : u - k;
    const next = Math.min(k + 1, s.steps);
    ctx.fillStyle = rgb(timeColor(s.time / s.tFinal), 0.9);
    for (let i = 0; i < points; i++) {
      const [x0, y0] = at(k, i);
      const [x1, y1] = at(next, i);
      ctx.fillRect(t.x(x0 + f * (x1 - x0)) - 1.5, t.y(y0 + f * (y1 - y0)) - 1.5, 3, 3);
    }
  }
  if (s.layers.has('velocity')) drawArrows(ctx, t, s);
}

function drawArrows(ctx, t, s) {
  const g = s.velocityGrid;
  const [xMin, xMax, yMin, yMax] = s.window;
  let longest = 1e-9;
  for (let i = 0; i < s.velocity.length; i += 2) longest = Math.max(longest, Math.hypot(s.velocity[i], s.velocity[i + 1]));
  const cell = (xMax - xMin) / g;
  ctx.strokeStyle = 'rgba(30,30,30,0.6)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let row = 0; row < g; row++) {
    for (let col = 0; col < g; col++) {
      const x = xMin + (xMax - xMin) * (col + 0.5) / g;
      const y = yMin + (yMax - yMin) * (row + 0.5) / g;
      const [vx, vy] = s.velocity.subarray(2 * (row * g + col), 2 * (row * g + col) + 2);
      const scale = (0.9 * cell) / longest;
      addArrow(ctx, t, [x, y], [x + vx * scale, y + vy * scale], 4);
    }
  }
  ctx.stroke();
}
