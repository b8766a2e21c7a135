#!/bin/bash
# Trains the paper's released code (POT_Flow_GAN.py) on 12-D pinwheel, W1⊕W2, with the
# README's command, and scores its samples every 500 iterations with `w1w2 score`.
#
#   results/official-code/run.sh OFFICIAL_CHECKOUT SEED [WIDTH]
#
# OFFICIAL_CHECKOUT: a clone of github.com/HyeminGu/Wasserstein-1_Wasserstein-2_generative_flow.
# SEED: its --Rep (3 in the README). WIDTH: the hidden widths (48, as the released checkpoints,
# by default; the README's command says 64). Writes seed<SEED>-w<WIDTH>.jsonl beside this script.
# Needs python3 with venv; installs tensorflow-cpu, scikit-learn, scipy and matplotlib from PyPI
# into a virtual environment under ~/.cache/w1w2-flow.
set -euo pipefail
checkout=$(realpath "$1"); seed=$2; width=${3:-48}
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
venv=~/.cache/w1w2-flow/official-code-venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q tensorflow-cpu scikit-learn scipy matplotlib; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp "$checkout/POT_Flow_GAN.py" "$checkout/data_generator.py" "$work/"
cp "$here/plot_result.py" "$work/"   # the stand-in that saves samples instead of plotting
mkdir "$work/samples"
(cd "$work" && SAMPLES_DIR="$work/samples" "$venv/bin/python" POT_Flow_GAN.py --total_dim 12 -submnfld_dim 2 \
    --example Pinwheel --Rep "$seed" --alpha1 0.1 --iterations 25000 --lamda 0.01 -L 1.0 \
    --gen_dims $width $width $width $width $width --disc_dims $width $width $width > "$work/log.txt")
out="$here/seed$seed-w$width.jsonl"; : > "$out"
for samples in "$work"/samples/train-*.csv; do
    iteration=$((10#$(basename "$samples" .csv | sed 's/train-//')))
    score=$(cd "$repo" && cargo run --release --quiet --bin w1w2 -- score "$samples" --seed "$seed")
    echo "{\"iteration\":$iteration,${score#\{}" >> "$out"
done
echo "wrote $out"
