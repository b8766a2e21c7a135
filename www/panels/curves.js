// Diagnostic curves against iteration, drawn by uPlot (served from www/vendor): one small chart
// a quantity, with axes, ticks and the value under the cursor in its legend. Quantities that span
// decades take a log scale; those that may cross zero (losses, Sinkhorn) an arcsinh scale. The
// held-out metrics are evaluated on a fixed batch and drawn as markers.

import uPlot from '../vendor/node_modules/uplot/dist/uPlot.esm.js';

/**
 * scale: 'linear' | 'log' (positive, spans decades) | 'asinh' (spans decades, may be ≤ 0); paths:
 * a quantity of a flow's paths, which a generator has not (its chart is hidden there).
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
];

const DISTRIBUTION = { linear: 1, log: 3, asinh: 4 };
const HEIGHT = 150;
const charts = new WeakMap(); // container → its uPlot charts, in CURVES order

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

function create(container) {
  const made = CURVES.map((curve) => {
    const cell = document.createElement('div');
    cell.className = curve.paths ? 'curve flow-only' : 'curve';
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
        {
          label: curve.key,
          stroke: curve.heldOut ? '#d62728' : '#1f77b4',
          width: 1.4,
          spanGaps: true,
          points: curve.heldOut ? { show: true, size: 5 } : {},
          value: (chart, v, _, idx) => shown(chart, 1, v, idx, (x) => x.toPrecision(4)),
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    }, [[], []], cell);
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
  if (!charts.has(container)) charts.set(container, create(container));
  const iterations = history.map((m) => m.iteration);
  charts.get(container).forEach((chart, i) => chart.setData([iterations, column(history, CURVES[i])]));
}
