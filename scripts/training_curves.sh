#!/usr/bin/env bash
# docs/images/training-curves.png: the GUI's Training view on the demo set's runs of one family
# (resources/demo/FAMILY-*/training_log.jsonl, linked into one folder so the other families stay
# out), showing PLOT (default kurtosis; loss or inf-norm), rendered offscreen.
#
#   bash scripts/training_curves.sh [PLOT] [OUT.png] [FAMILY]      (FAMILY: bert (default), opt, vit)
set -euo pipefail
cd "$(dirname "$0")/.."
PLOT=${1:-kurtosis}
OUT=${2:-docs/images/training-curves.png}
FAMILY=${3:-bert}
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT
mkdir "$RUNS/$FAMILY-demo"
for run in resources/demo/"$FAMILY"-*/; do ln -s "$PWD/$run" "$RUNS/$FAMILY-demo/$(basename "$run")"; done
mkdir -p "$(dirname "$OUT")"
QT_QPA_PLATFORM=offscreen build/gui/app/hopscope --training-folder "$RUNS/$FAMILY-demo" --training-plot "$PLOT" \
  --screenshot "$OUT"
echo "wrote $OUT"
