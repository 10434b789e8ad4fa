#!/usr/bin/env bash
# Installs what is needed, builds, and opens the GUI on the bundled demo set (resources/demo: BERT
# variants trained by scripts/train_demo.sh) with a sample sentence, so the first screen is a
# comparison; without a demo set, on the fixture models. Extra arguments are passed on to hopscope.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
models=()
for folder in resources/demo/bert-*/; do
  [ -f "$folder/config.json" ] && models+=("${folder%/}")
done
if [ ${#models[@]} -eq 0 ]; then
  models=(tests/fixtures/models/bert-tiny tests/fixtures/models/bert-tiny@softmax1 tests/fixtures/models/opt-tiny)
fi
exec build/gui/app/hopscope "${models[@]}" \
  --text "The state of the Union is strong [MASK] our economy is growing." "$@"
