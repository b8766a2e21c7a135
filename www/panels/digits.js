// The digit score beside the grid (src/digits/): the share of samples a small digit classifier
// reads confidently, the classes they cover, the Fréchet distance of its features to held-out
// digits, and a histogram of the confident samples by class.

/** The score's figures in words, or a dash where the snapshot has none. */
export function describeDigitScore(metrics) {
  if (!Number.isFinite(metrics.digits_confident)) return '–';
  return `${Math.round(100 * metrics.digits_confident)}% confidently digits · ${metrics.digits_classes} of 10 classes · Fréchet distance ${metrics.digit_fid.toPrecision(3)}`;
}

/**
 * Bars of the share of samples confidently of each class 0–9, with the share from which a class
 * counts as covered (`metrics.digit_class_share`) dashed.
 */
export function drawDigitHistogram(canvas, metrics) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  const shares = metrics.digits_by_class;
  const covered = metrics.digit_class_share;
  if (!shares) {
    ctx.fillStyle = '#333';
    ctx.fillText('no digit score', 10, 20);
    return;
  }
  const top = Math.max(0.2, ...shares) * 1.1;
  const base = canvas.height - 16;
  const y = (v) => base - (v / top) * (base - 6);
  const width = (canvas.width - 20) / shares.length;
  shares.forEach((share, digit) => {
    ctx.fillStyle = share >= covered ? '#1f77b4' : '#aec7e8';
    ctx.fillRect(10 + digit * width + 2, y(share), width - 4, base - y(share));
    ctx.fillStyle = '#333';
    ctx.fillText(String(digit), 10 + digit * width + width / 2 - 3, canvas.height - 3);
  });
  ctx.strokeStyle = '#d62728';
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(10, y(covered));
  ctx.lineTo(canvas.width - 10, y(covered));
  ctx.stroke();
  ctx.setLineDash([]);
}
