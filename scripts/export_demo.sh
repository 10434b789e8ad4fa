#!/usr/bin/env bash
# Copies the finished demo runs (scripts/train_demo.sh) into resources/demo/: for each variant its
# config.json (with the training settings and data hashes), model.safetensors (float16),
# tokenizer files (ViT: preprocessor_config.json) and training_log.jsonl. Refuses unfinished runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${HOPSCOPE_DEMO_RUNS:-$HOME/.cache/hopscope/demo-runs}
DEST=resources/demo
mkdir -p "$DEST"
for run in "$RUNS"/*/; do
  name=$(basename "$run")
  steps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['hopscope']['training']['steps'])" "$run/config.json")
  if ! grep -q "\"step\":$steps[,}]" "$run/training_log.jsonl"; then
    echo "$name: not finished (no record of step $steps); skipped" >&2
    continue
  fi
  rm -rf "$DEST/$name.tmp" && mkdir -p "$DEST/$name.tmp"
  for file in config.json model.safetensors training_log.jsonl vocab.txt tokenizer_config.json vocab.json merges.txt preprocessor_config.json; do
    [ -f "$run/$file" ] && cp "$run/$file" "$DEST/$name.tmp/"
  done
  rm -rf "$DEST/$name" && mv "$DEST/$name.tmp" "$DEST/$name"
  echo "$name: $(du -sh "$DEST/$name" | cut -f1)"
done
du -sh resources
