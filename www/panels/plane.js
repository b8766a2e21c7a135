// The mapping between the plane's window and a canvas.

export function planeTransform(canvas, window) {
  const [xMin, xMax, yMin, yMax] = window;
  const sx = canvas.width / (xMax - xMin);
  const sy = canvas.height / (yMax - yMin);
  return {
    x: (x) => (x - xMin) * sx,
    y: (y) => canvas.height - (y - yMin) * sy,
  };
}

/** The window holding the data and the bulk of the source N(0, I), with a margin. */
export function windowFor(data) {
  let [xMin, xMax, yMin, yMax] = [-3, 3, -3, 3];
  for (let i = 0; i < data.length; i += 2) {
    xMin = Math.min(xMin, data[i]);
    xMax = Math.max(xMax, data[i]);
    yMin = Math.min(yMin, data[i + 1]);
    yMax = Math.max(yMax, data[i + 1]);
  }
  const half = 1.1 * Math.max(xMax - xMin, yMax - yMin) / 2;
  const [cx, cy] = [(xMin + xMax) / 2, (yMin + yMax) / 2];
  return [cx - half, cx + half, cy - half, cy + half];
}

/** Adds an arrow from plane point (x, y) to (ex, ey), with a head of `head` pixels, to the path. */
export function addArrow(ctx, t, [x, y], [ex, ey], head) {
  ctx.moveTo(t.x(x), t.y(y));
  ctx.lineTo(t.x(ex), t.y(ey));
  const angle = Math.atan2(t.y(ey) - t.y(y), t.x(ex) - t.x(x));
  for (const side of [-0.5, 0.5]) {
    ctx.moveTo(t.x(ex), t.y(ey));
    ctx.lineTo(t.x(ex) - head * Math.cos(angle + side), t.y(ey) - head * Math.sin(angle + side));
  }
}
