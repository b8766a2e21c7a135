// Diagnostic curves against iteration, one small plot each, log scale where values span decades.

export const CURVES = [
  { key: 'critic_loss', label: 'critic loss L_D' },
  { key: 'generator_loss', label: 'generator loss L_G' },
  { key: 'kinetic_energy', label: 'kinetic energy', log: true },
  { key: 'hj_residual', label: 'HJ residual', log: true },
  { key: 'terminal_residual', label: 'terminal residual', log: true },
  { key: 'straightness', label: 'straightness' },
  { key: 'divergence', label: 'divergence estimate' },
  { key: 'sinkhorn', label: 'Sinkhorn (held-out)', log: true },
  { key: 'w2', label: 'exact W2 (held-out)', log: true },
];

export function drawCurves(canvas, history) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const columns = 3;
  const rows = Math.ceil(CURVES.length / columns);
  const w = canvas.width / columns;
  const h = canvas.height / rows;
  ctx.font = '11px system-ui, sans-serif';
  CURVES.forEach((curve, index) => {
    const left = (index % columns) * w;
    const top = Math.floor(index / columns) * h;
    const points = history.filter((m) => Number.isFinite(m[curve.key]) && (!curve.log || m[curve.key] > 0));
    const last = points.length ? points[points.length - 1][curve.key] : NaN;
    ctx.fillStyle = '#333';
    ctx.fillText(`${curve.label}: ${Number.isFinite(last) ? last.toPrecision(3) : '–'}`, left + 6, top + 13);
    if (points.length < 2) return;
    const f = curve.log ? Math.log10 : (v) => v;
    const xs = points.map((m) => m.iteration);
    const ys = points.map((m) => f(m[curve.key]));
    const [x0, x1] = [xs[0], xs[xs.length - 1] || 1];
    const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const px = (x) => left + 6 + ((x - x0) / Math.max(1e-9, x1 - x0)) * (w - 12);
    const py = (y) => top + h - 6 - ((y - y0) / Math.max(1e-12, y1 - y0)) * (h - 26);
    ctx.strokeStyle = '#1f77b4';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    xs.forEach((x, i) => (i ? ctx.lineTo(px(x), py(ys[i])) : ctx.moveTo(px(x), py(ys[i]))));
    ctx.stroke();
  });
}
