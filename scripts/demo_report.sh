#!/usr/bin/env bash
# Renders the report of the bundled demo set (resources/demo/*, see scripts/export_demo.sh) into
# docs/demo-report.html and docs/demo-report.pdf, and its first page as docs/images/demo-report-page1.png
# (pdftoppm, from poppler-utils). Evaluated on the demo's held-out text as scripts/demo_table.py
# does (HOPSCOPE_DEMO_EVAL / HOPSCOPE_DEMO_CALIB; without them the bundled Moby-Dick chapters).
# The ViT variants get a report of their own (docs/demo-report-vit.{html,pdf}) on Fashion-MNIST.
# HOPSCOPE_DEMO_REPORTS="text vit" (default) says which reports to write.
#   bash scripts/demo_report.sh [--samples N]
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${HOPSCOPE_CLI:-build/gui/cli/hopscope-cli}
MODELS=${HOPSCOPE_DEMO_MODELS:-resources/demo}
OUT=${HOPSCOPE_DEMO_REPORT_DIR:-docs}
EVAL=${HOPSCOPE_DEMO_EVAL:-build/demo-data/sotu-eval.txt}
REPORTS=${HOPSCOPE_DEMO_REPORTS:-text vit}
CALIB=${HOPSCOPE_DEMO_CALIB:-build/demo-data/sotu-train.txt}
[ -x "$CLI" ] || { echo "build hopscope first (bash scripts/build.sh)" >&2; exit 1; }
data=()
[ -f "$EVAL" ] && data+=(--data "$EVAL")
[ -f "$CALIB" ] && data+=(--calib "$CALIB")

# Vanilla softmax first in each family: the summary compares every variant against it. The gated
# variants are "mlp" in BERT and "linear" in OPT (scripts/train_demo.sh); same order as
# scripts/demo_table.py.
models=()
for family in bert opt; do
  for variant in softmax-none clipped-none softmax-mlp softmax-linear softmax1-none softmax1-mlp softmax1-linear; do
    [ -d "$MODELS/$family-$variant" ] && models+=("$MODELS/$family-$variant")
  done
done
[ ${#models[@]} -gt 0 ] || { echo "no demo models in $MODELS (scripts/export_demo.sh)" >&2; exit 1; }

mkdir -p "$OUT/images"
if [[ " $REPORTS " == *" text "* ]]; then
  "$CLI" report "${models[@]}" "${data[@]}" --seq-len 128 "$@" --title "hopscope demo set: BERT and OPT attention variants" \
    --html "$OUT/demo-report.html" --pdf "$OUT/demo-report.pdf"
  pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$OUT/demo-report.pdf" "$OUT/images/demo-report-page1"
  echo "wrote $OUT/demo-report.html, $OUT/demo-report.pdf, $OUT/images/demo-report-page1.png"
fi

# ViT: its own report (a report holds text or image models), on the first 2,000 Fashion-MNIST test
# images as scripts/demo_table.py evaluates them, calibrated on training images.
vits=()
for variant in softmax-none clipped-none softmax-linear softmax1-none softmax1-linear; do
  [ -d "$MODELS/vit-$variant" ] && vits+=("$MODELS/vit-$variant")
done
FASHION=/usr/share/datasets/fashion-mnist
if [[ " $REPORTS " == *" vit "* && ${#vits[@]} -gt 0 && -f $FASHION/t10k-images-idx3-ubyte.gz ]]; then
  "$CLI" report "${vits[@]}" --images "$FASHION/t10k-images-idx3-ubyte.gz" --samples 2000 \
    --calib-images "$FASHION/train-images-idx3-ubyte.gz" --title "hopscope demo set: ViT attention variants on Fashion-MNIST" \
    --html "$OUT/demo-report-vit.html" --pdf "$OUT/demo-report-vit.pdf"
  echo "wrote $OUT/demo-report-vit.html, $OUT/demo-report-vit.pdf"
fi
