// Diagnostic curves against iteration, drawn by uPlot (served from www/vendor): one small chart
// a quantity, with axes, ticks and the value under the cursor in its legend. Quantities that span
// decades take a log scale; those that may cross zero (losses, Sinkhorn) an arcsinh scale. The
// held-out metrics are evaluated on a fixed batch and drawn as markers.

import uPlot from '../vendor/node_modules/uplot/dist/uPlot.esm.js';

/**
 * scale: 'linear' | 'log' (positive, spans decades) | 'asinh' (spans decades, may be ≤ 0); paths:
 * a quantity of a flow's paths, which a generator has not (its chart is hidden there); embedded:
 * a quantity of the coordinates beyond the plane (hidden in 2-D).
 */
export const CURVES = [
  { key: 'critic_loss', label: 'critic loss L_D', scale: 'asinh' },
  { key: 'generator_loss', label: 'generator loss L_G', scale: 'asinh' },
  { key: 'kinetic_energy', label: 'kinetic energy', scale: 'log', paths: true },
  { key: 'hj_residual', label: 'HJ residual', scale: 'log', paths: true },
  { key: 'terminal_residual', label: 'terminal residual', scale: 'log', paths: true },
  { key: 'straightness', label: 'straightness', scale: 'linear', paths: true },
  { key: 'divergence', label: 'divergence estimate', scale: 'asinh' },
  { key: 'sinkhorn', label: 'Sinkhorn (held-out)', scale: 'asinh', heldOut: true },
  { key: 'w2', label: 'exact W2 (held-out)', scale: 'log', heldOut: true },
  { key: 'extra_rms', label: 'extra-coordinate RMS (held-out)', scale: 'log', heldOut: true, embedded: true },
];

const DISTRIBUTION = { linear: 1, log: 3, asinh: 4 };
const HEIGHT = 150;
const charts = new WeakMap(); // container → its uPlot charts, in the order of its curves

/** A curve's values: null where a value is missing, or not positive on a log scale. */
function column(history, { key, scale }) {
  return history.map((m) => {
    const v = m[key];
    return Number.isFinite(v) && (scale !== 'log' || v > 0) ? v : null;
  });
}

/** A y tick's label at two significant digits; uPlot leaves out a log axis's crowded ticks (null). */
const tickLabel = (t) => (t == null ? '' : t === 0 ? '0' : String(Number(t.toPrecision(2))));

/**
 * A legend entry: the value under the cursor, or with the cursor off the chart (idx null) the
 * latest recorded one.
 */
function shown(chart, series, value, idx, format) {
  let v = value;
  if (idx == null) {
    const values = chart.data[series];
    for (let i = values.length - 1; i >= 0 && v == null; i--) v = values[i];
  }
  return v == null ? '–' : format(v);
}

/**
 * One chart a curve in `container`, each with a line a run of `runs` ({label, color}): a single
 * run without a label takes the curve's own colour (held-out figures red).
 */
function create(container, curves, runs) {
  const made = curves.map((curve) => {
    const cell = document.createElement('div');
    cell.className = ['curve', curve.paths && 'flow-only', curve.embedded && 'embedded-only'].filter(Boolean).join(' ');
    cell.dataset.testid = `curve-${curve.key}`;
    container.append(cell);
    const width = Math.max(200, cell.clientWidth || 260);
    return new uPlot({
      title: curve.label,
      width,
      height: HEIGHT,
      scales: { x: { time: false }, y: { distr: DISTRIBUTION[curve.scale], asinh: 1e-3 } },
      axes: [
        { label: 'iteration', labelSize: 18, size: 32, font: '11px system-ui, sans-serif', labelFont: '11px system-ui, sans-serif' },
        { size: 56, font: '11px system-ui, sans-serif', values: (_, ticks) => ticks.map(tickLabel) },
      ],
      series: [
        { label: 'iteration', value: (chart, v, _, idx) => shown(chart, 0, v, idx, String) },
        ...runs.map((run, i) => ({
          label: run.label ?? curve.key,
          stroke: run.color ?? (curve.heldOut ? '#d62728' : '#1f77b4'),
          width: 1.4,
          spanGaps: true,
          points: curve.heldOut ? { show: true, size: 5 } : {},
          value: (chart, v, _, idx) => shown(chart, i + 1, v, idx, (x) => x.toPrecision(4)),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    }, [[], ...runs.map(() => [])], cell);
  });
  new ResizeObserver(() => {
    for (const chart of made) {
      const width = Math.max(200, chart.root.parentElement.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
    }
  }).observe(container);
  return made;
}

/** Draws `history` (snapshot metrics, oldest first) into the charts of `container`. */
export function drawCurves(container, history) {
  drawRuns(container, CURVES, [{ history }]);
}

/**
 * Draws `runs` ([{label, color, history}], each history oldest first) into one chart a curve of
 * `curves` in `container`, a line a run on shared axes; iterations a run has no record at are
 * gaps, bridged.
 */
export function drawRuns(container, curves, runs) {
  if (!charts.has(container)) charts.set(container, create(container, curves, runs));
  const iterations = [...new Set(runs.flatMap((run) => run.history.map((m) => m.iteration)))].sort((a, b) => a - b);
  const columns = curves.map((curve) => runs.map((run) => {
    const recorded = column(run.history, curve);
    const values = new Map(run.history.map((m, i) => [m.iteration, recorded[i]]));
    return iterations.map((iteration) => values.get(iteration) ?? null);
  }));
  charts.get(container).forEach((chart, i) => chart.setData([iterations, ...columns[i]]));
}
