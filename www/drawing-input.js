// The user's own target: points drawn on the main plot or read from a CSV file. While drawing,
// the plot shows only the points drawn so far; 'use these points' hands them to the page.

import { parsePoints } from './config-client.js';
import { planeTransform } from './panels/plane.js';

const MAX_CSV_BYTES = 20e6;
const STROKE_POINTS = 3; // points each pointer event adds, jittered by 5% of the window
const $ = (id) => document.getElementById(id);

/**
 * Wires the drawing controls. `page` holds `window` (the plotted [x_min, x_max, y_min, y_max]);
 * `on` has pause(), redraw() (the normal plot), use(points, origin), clear() (forget the user's
 * points and restart when a run used them) and problem(text).
 */
export function wireDrawingInput(page, on) {
  const canvas = $('trajectories');
  const input = { drawing: false, drawn: [] };
  const toPlane = (event) => {
    const rect = canvas.getBoundingClientRect();
    const [xMin, xMax, yMin, yMax] = page.window;
    const u = (event.clientX - rect.left) / rect.width;
    const v = (event.clientY - rect.top) / rect.height;
    return [xMin + u * (xMax - xMin), yMax - v * (yMax - yMin)];
  };
  const show = () => drawDrawnPoints(canvas, page.window, input.drawn);
  const setDrawing = (drawing) => {
    input.drawing = drawing;
    $('draw').textContent = drawing ? 'stop drawing' : 'draw points';
  };
  let down = false;
  const add = (event) => {
    if (!input.drawing || !down) return;
    const [x, y] = toPlane(event);
    const spread = 0.05 * (page.window[1] - page.window[0]);
    for (let i = 0; i < STROKE_POINTS; i++) input.drawn.push([x + spread * (Math.random() - 0.5), y + spread * (Math.random() - 0.5)]);
    show();
  };
  canvas.addEventListener('pointerdown', (event) => { down = true; add(event); });
  canvas.addEventListener('pointermove', add);
  window.addEventListener('pointerup', () => { down = false; });
  $('draw').addEventListener('click', () => {
    setDrawing(!input.drawing);
    if (input.drawing) {
      on.pause();
      show();
    } else {
      on.redraw();
    }
  });
  $('clear-points').addEventListener('click', () => {
    input.drawn = [];
    $('points-status').textContent = '';
    if (input.drawing) show();
    on.clear();
  });
  const use = async (points, origin) => {
    if (await on.use(points, origin)) {
      setDrawing(false);
      $('points-status').textContent = `training on ${points.length} points ${origin}`;
    }
  };
  $('use-points').addEventListener('click', () => use(input.drawn.slice(), 'drawn'));
  $('upload').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (!file) return;
    try {
      if (file.size > MAX_CSV_BYTES) throw new Error(`the file is ${(file.size / 1e6).toFixed(0)} MB; at most ${MAX_CSV_BYTES / 1e6} MB`);
      await use(await parsePoints(await file.text()), `from ${file.name}`);
    } catch (error) {
      on.problem(`${file.name} is not a CSV of 2-D points: ${error.message}`);
    }
  });
  return input;
}

/** The drawing mode's plot: the points drawn so far. */
function drawDrawnPoints(canvas, window, drawn) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const t = planeTransform(canvas, window);
  ctx.fillStyle = '#d62728';
  for (const [x, y] of drawn) ctx.fillRect(t.x(x) - 2, t.y(y) - 2, 4, 4);
  $('points-status').textContent = `${drawn.length} points drawn: click and drag on the plot`;
  $('use-points').disabled = drawn.length < 2;
}
