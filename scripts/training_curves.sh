#!/usr/bin/env bash
# docs/images/training-curves.png: the GUI's Training view on the demo set's BERT runs
# (resources/demo/bert-*/training_log.jsonl, linked into one folder so the OPT runs stay out),
# showing PLOT (default kurtosis; loss or inf-norm), rendered offscreen.
#
#   bash scripts/training_curves.sh [PLOT] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
PLOT=${1:-kurtosis}
OUT=${2:-docs/images/training-curves.png}
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT
mkdir "$RUNS/bert-demo"
for run in resources/demo/bert-*/; do ln -s "$PWD/$run" "$RUNS/bert-demo/$(basename "$run")"; done
mkdir -p "$(dirname "$OUT")"
QT_QPA_PLATFORM=offscreen build/gui/app/hopscope --training-folder "$RUNS/bert-demo" --training-plot "$PLOT" \
  --screenshot "$OUT"
echo "wrote $OUT"
