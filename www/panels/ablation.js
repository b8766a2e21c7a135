// The ablation's panels: a small plot a variant (data, trajectories and end points, with its
// critic φ beside), its readout or why it stopped, and the diagnostics that tell the variants
// apart, a line a variant on shared axes.

import { drawCritic } from './critic.js';
import { CURVES, drawRuns } from './curves.js';
import { drawTrajectories } from './trajectories.js';

/** A variant's colour in the shared charts and on its plot's border, in the variants' order. */
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd'];

/** The diagnostics the ablation compares (curves.js keys). */
const COMPARED = ['kinetic_energy', 'straightness', 'divergence', 'terminal_residual', 'w2', 'extra_rms'];
const COMPARED_CURVES = CURVES.filter((curve) => COMPARED.includes(curve.key));

const LAYERS = new Set(['data', 'trajectories', 'particles']);

/** What each variant is, for its caption. */
function describe({ w1_proximal: w1, w2_proximal: w2 }) {
  if (w1 && w2) return 'both proximals: straight paths to the shape';
  if (w1) return 'no kinetic-energy penalty: the paths may bend';
  if (w2) return 'no Lipschitz bound on the critic φ';
  return 'neither proximal';
}

/** Builds a figure a variant of `variants` (Rust config::ablation::VARIANTS) into `grid`. */
export function buildAblationPanels(grid, variants) {
  grid.replaceChildren(...variants.map((variant, i) => {
    const figure = document.createElement('figure');
    figure.className = 'variant';
    figure.dataset.testid = `variant-${i}`;
    figure.style.borderColor = COLORS[i];
    figure.innerHTML = `<figcaption><strong></strong> <span class="explain"></span></figcaption>
      <div class="variant-plots"><canvas class="variant-paths" data-testid="variant-paths-${i}" width="280" height="280"></canvas>
      <canvas class="variant-critic" width="96" height="96" title="the critic φ"></canvas></div>
      <p class="variant-status" data-testid="variant-status">starting…</p>`;
    figure.querySelector('strong').textContent = variant.name;
    figure.querySelector('.explain').textContent = describe(variant);
    return figure;
  }));
}

/** Draws `run` (ablation.js) into the `index`th figure of `grid`, in `plot`'s window. */
export function drawVariant(grid, index, run, plot) {
  const figure = grid.children[index];
  const status = figure.querySelector('.variant-status');
  figure.dataset.status = run.status;
  const metrics = run.latest;
  if (run.status === 'diverged' || run.status === 'failed') {
    status.textContent = `${run.status === 'diverged' ? 'stopped' : 'failed'}: ${run.message}; the others go on`;
  } else if (metrics) {
    const rate = run.iterationsPerSecond === null ? '–' : run.iterationsPerSecond.toFixed(1);
    const extra = Number.isFinite(metrics.extra_rms) ? ` · extra RMS ${metrics.extra_rms.toPrecision(2)}` : '';
    status.textContent = `iteration ${metrics.iteration} · ${rate} it/s · W2 ${metrics.w2.toPrecision(3)}${extra}`;
  }
  if (!run.arrays) return;
  drawTrajectories(figure.querySelector('.variant-paths'), {
    data: plot.data, trajectories: run.arrays.trajectories, velocity: new Float32Array(0), predictedLines: new Float32Array(0),
    steps: metrics.steps, window: plot.window, velocityGrid: 0, time: metrics.t_final, tFinal: metrics.t_final, layers: LAYERS,
  });
  drawCritic(figure.querySelector('.variant-critic'), run.arrays.critic, plot.criticGrid);
}

/** The shared charts: a line a variant of `runs`. */
export function drawAblationCurves(container, runs) {
  drawRuns(container, COMPARED_CURVES, runs.map((run, i) => ({ label: run.name, color: COLORS[i], history: run.history })));
}
