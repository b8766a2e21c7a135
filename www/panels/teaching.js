// The teaching view of the mean-field-game result: mean speed per Euler step against the bound
// L/λ (optimal paths have constant speed at most L/λ), and the straightness of the paths.

export function drawSpeeds(canvas, metrics) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  if (!metrics.mean_speed) {
    ctx.fillStyle = '#333';
    ctx.fillText('a generator maps z to x directly: no paths', 10, 20);
    return;
  }
  const speeds = metrics.mean_speed;
  const bound = metrics.speed_bound;
  const top = Math.max(bound || 0, metrics.max_speed || 0, ...speeds) * 1.1 || 1;
  const base = canvas.height - 18;
  const y = (v) => base - (v / top) * (base - 16);
  const width = (canvas.width - 20) / Math.max(1, speeds.length);
  ctx.fillStyle = '#1f77b4';
  speeds.forEach((v, k) => ctx.fillRect(10 + k * width + 3, y(v), width - 6, base - y(v)));
  if (bound !== undefined) {
    ctx.strokeStyle = '#d62728';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(10, y(bound));
    ctx.lineTo(canvas.width - 10, y(bound));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#d62728';
    ctx.fillText(`bound L/λ = ${bound.toPrecision(3)}`, 12, y(bound) - 3);
  }
  ctx.fillStyle = '#333';
  ctx.fillText(`mean speed per step k = 0…${speeds.length - 1}; straightness ${metrics.straightness.toFixed(3)}`, 12, canvas.height - 4);
}

/** RMS of the extra coordinates 3..d against t: the manifold being found (d > 2). */
export function drawManifold(canvas, extraRmsByTime, tFinal) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#333';
  if (extraRmsByTime.length === 0) {
    ctx.fillText('d = 2: no extra coordinates', 10, 20);
    return;
  }
  const top = Math.max(...extraRmsByTime) * 1.1 || 1;
  const x = (k) => 30 + (k / (extraRmsByTime.length - 1)) * (canvas.width - 40);
  const y = (v) => canvas.height - 18 - (v / top) * (canvas.height - 34);
  ctx.strokeStyle = '#2ca02c';
  ctx.lineWidth = 2;
  ctx.beginPath();
  extraRmsByTime.forEach((v, k) => (k ? ctx.lineTo(x(k), y(v)) : ctx.moveTo(x(k), y(v))));
  ctx.stroke();
  ctx.fillText(`RMS of coordinates 3..d: ${extraRmsByTime[0].toFixed(2)} at t = 0 → ${extraRmsByTime[extraRmsByTime.length - 1].toFixed(3)} at t = ${tFinal}`, 10, 12);
}
