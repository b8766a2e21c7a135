// The walk-through of one iteration (src/walkthrough.rs): what each stage is, in the papers'
// terms, and the samples it used, drawn over the plane.

import { planeTransform } from './plane.js';

const SAMPLES = '#ff7f0e';
const DATA = '#2ca02c';

/** The title and the sentence of where an iteration stands (a StageMessage). */
export function describeStage(stage) {
  const n = stage.critic_steps;
  if (stage.stage === 'critic') {
    const k = stage.step + 1;
    return {
      title: `critic step ${k} of ${n}: L_D = ${stage.loss === null ? '–' : stage.loss.toPrecision(3)}`,
      text: `The W1 proximal. With the flow frozen, the critic φ ascends the estimate of the divergence between where the particles end, x_K (orange), and a batch of data y (green), and the one-sided gradient penalty keeps |∇φ| ≤ L on points between them. The particles do not move; the critic's heatmap changes.`,
    };
  }
  if (stage.stage === 'generator') {
    return {
      title: `generator step: L_G = ${stage.loss === null ? '–' : stage.loss.toPrecision(3)}; iteration ${stage.iteration} done`,
      text: `The W2 proximal. The potential U descends L_G = mean φ(x_K) + λ·KE, back-propagated through all K Euler steps from these sources x₀ (orange): the particles move to where φ is low and pay the kinetic energy λ·½∫|v|², which keeps their paths straight at constant speed. At the optimum U solves the Hamilton–Jacobi equation −∂ₜU + |∇ₓU|²/2λ = 0 with the terminal condition U(·, T) = φ.`,
    };
  }
  return {
    title: `iteration ${stage.iteration + 1}: drawn, no stage taken`,
    text: `An iteration draws its batches: sources x₀ ~ N(0, I) for each of the ${n} critic steps (pushed by the frozen flow to their end points) and for the generator step, and a batch of data for each critic step. Step forward to take its stages.`,
  };
}

/** Shows the walk-through's title and sentence for `stage`, or its invitation when none is taken. */
export function showStageText(stage) {
  const title = document.getElementById('walk-stage');
  const text = document.getElementById('walk-text');
  if (!stage) {
    title.textContent = 'walk through one iteration, stage by stage';
    text.hidden = true;
    return;
  }
  const described = describeStage(stage);
  title.textContent = described.title;
  text.textContent = described.text;
  text.hidden = false;
}

/** Draws a just-taken stage's samples (orange) and data batch (green) over the plane. */
export function drawStage(canvas, stage, window) {
  const ctx = canvas.getContext('2d');
  const t = planeTransform(canvas, window);
  for (const [points, colour] of [[stage.data, DATA], [stage.samples, SAMPLES]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    for (let i = 0; i + 1 < points.length; i += 2) {
      ctx.beginPath();
      ctx.arc(t.x(points[i]), t.y(points[i + 1]), 3.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}
