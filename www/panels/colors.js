// Colour scales shared by the panels.

/** A perceptually ordered scale (dark blue → teal → yellow) at u ∈ [0, 1], as an [r, g, b]. */
export function timeColor(u) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((c, j) => Math.round(c + f * (stops[i + 1][j] - c)));
}

/** A diverging scale (blue, white, red) at u ∈ [−1, 1]. */
export function divergingColor(u) {
  const v = Math.min(1, Math.max(-1, u));
  return v < 0
    ? [Math.round(255 * (1 + v)), Math.round(255 * (1 + v)), 255]
    : [255, Math.round(255 * (1 - v)), Math.round(255 * (1 - v))];
}

export const rgb = ([r, g, b], alpha = 1) => `rgba(${r},${g},${b},${alpha})`;
