"""Summarises the MNIST ablation runs (JSON lines of `w1w2 train --dataset mnist`) into a Markdown
table: where each run stopped, and the mean kinetic energy, HJ residual, terminal residual,
DV-KL estimate and straightness over the evaluations from iteration 100 to the last iteration
that both W1 runs reached (so that they are compared over the same iterations; a diverged run's
means stop at its last finite evaluation), and how far the divergence estimate and the terminal
residual moved between the first evaluation after iteration 0 and the last finite one."""
import json
import sys
from pathlib import Path

RUNS = [("unregularised", "no W1, no W2"), ("w2-only", "W2 only"), ("w1-only", "W1 only"), ("w1w2", "W1⊕W2"),
        ("unregularised-stable", "no W1, no W2, stable log-mean-exp"), ("w2-only-stable", "W2 only, stable log-mean-exp")]
KEYS = ["kinetic_energy", "hj_residual", "terminal_residual", "divergence", "straightness"]

here = Path(__file__).parent
loaded = {name: [json.loads(l) for l in (here / f"{name}.jsonl").read_text().splitlines() if l.strip()]
          for name, _ in RUNS if (here / f"{name}.jsonl").exists()}
finite_ends = [loaded[name][-1]["iteration"] for name in ("w1-only", "w1w2") if loaded.get(name)]
upper = min(finite_ends) if finite_ends else 0
print(f"| run | last iteration | outcome | divergence estimate, first evaluation → last | terminal residual, first evaluation → last | "
      + " | ".join(f"mean {k}, it. 100–{upper}" for k in KEYS) + " |")
print("|---" * (5 + len(KEYS)) + "|")
for name, title in RUNS:
    if name not in loaded:
        print(f"| {title} | – | not run | – | – | " + " | ".join("–" for _ in KEYS) + " |")
        continue
    records = loaded[name]
    diverged = [r for r in records if r.get("diverged")]
    kept = [r for r in records if not r.get("diverged") and 100 <= r["iteration"] <= upper]
    last = records[-1]["iteration"] if records else 0
    outcome = diverged[0]["message"] if diverged else "finite"
    means = [sum(r[k] for r in kept) / len(kept) if kept else float("nan") for k in KEYS]
    finite = [r for r in records if not r.get("diverged")]
    early = next(r for r in finite if r["iteration"] >= 25)
    moved = [f"{early[k]:.3g} → {finite[-1][k]:.3g}" for k in ("divergence", "terminal_residual")]
    print(f"| {title} | {last} | {outcome} | {moved[0]} | {moved[1]} | " + " | ".join(f"{m:.3g}" for m in means) + " |")
sys.stdout.flush()
