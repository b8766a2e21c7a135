// Every panel drawn from one snapshot: the curves and speeds, then either the image panels
// (MNIST: the grid, the paths and the digit score) or the plane's panels (trajectories, critic or OT potential, cells, manifold).

import { drawCritic } from './critic.js';
import { drawCurves } from './curves.js';
import { describeDigitScore, drawDigitHistogram } from './digits.js';
import { drawImageGrid, drawImagePaths } from './images.js';
import { drawManifold, drawSpeeds } from './teaching.js';
import { drawStage } from './walkthrough.js';
import { drawTrajectories } from './trajectories.js';
import { drawBarycentreArrows, drawCells, drawSmoothing } from './transport.js';

const $ = (id) => document.getElementById(id);

/**
 * Draws `snapshot` (the worker's arrays) with its `metrics`; `plot` holds what the page chose:
 * data, window, time, layers, the curves' history, the walk-through's stage and the grids'
 * sizes the view asked for.
 */
export function drawPanels(snapshot, metrics, plot) {
  const images = Boolean(metrics.image_side);
  // What the run has decides which panels apply (style.css): images or points in the plane, a
  // flow's paths or a generator's samples alone, a critic to walk through, extra coordinates.
  document.body.toggleAttribute('data-images', images);
  document.body.toggleAttribute('data-generator', metrics.mode === 'generator');
  document.body.toggleAttribute('data-critic-flow', metrics.mode === 'flow' && metrics.terminal === 'critic');
  document.body.toggleAttribute('data-plane', metrics.dim === 2);
  $('image-panel').hidden = !images;
  drawCurves($('curves'), plot.history);
  drawSpeeds($('speeds'), metrics);
  if (images) {
    $('fine-factor').textContent = String(metrics.fine_factor);
    drawImageGrid($('sample-grid'), snapshot.images, metrics.image_side);
    drawImagePaths($('image-paths'), snapshot.image_paths, snapshot.fine_images, metrics.steps, metrics.image_side);
    $('digit-score').textContent = describeDigitScore(metrics);
    drawDigitHistogram($('digit-classes'), metrics);
    return;
  }
  const main = $('trajectories');
  drawTrajectories(main, {
    data: plot.data, trajectories: snapshot.trajectories, velocity: snapshot.velocity, predictedLines: snapshot.predicted_lines,
    steps: metrics.steps, window: plot.window, velocityGrid: plot.velocityGrid, time: plot.time, tFinal: metrics.t_final, layers: plot.layers,
  });
  if (plot.layers.has('barycentres') && snapshot.barycentres.length) drawBarycentreArrows(main, snapshot.barycentres, plot.window);
  if (plot.stage) drawStage(main, plot.stage, plot.window);
  describeSampledPotential($('sampled-from'), metrics.potential_average, metrics.terminal === 'ot' ? 'ψ' : 'φ');
  drawCritic($('critic'), snapshot.critic, plot.criticGrid);
  const ot = snapshot.cells.length > 0;
  $('critic-title').textContent = ot ? 'OT potential ψ^{c,λ} (the terminal potential)' : 'critic φ';
  $('ot-panel').hidden = !ot;
  if (ot) {
    drawCells($('cells'), snapshot.cells, plot.criticGrid, metrics.groups);
    drawSmoothing($('smoothing'), metrics.ot_lambda);
  }
  drawManifold($('manifold'), snapshot.extra_rms_by_time, metrics.t_final);
}

/**
 * Says, when the run averages U's weights (β > 0), that the paths shown are those of the average;
 * `terminal` is the other player's symbol.
 */
function describeSampledPotential(caption, beta, terminal) {
  caption.hidden = !(beta > 0);
  if (caption.hidden) return;
  caption.textContent = `The paths are U's with its weights averaged over about the last ${Math.round(1 / (1 - beta))} steps `
    + `(θ̄ ← βθ̄ + (1 − β)θ, β = ${beta}): training moves U's own weights, which wander in their game with ${terminal}.`;
}
