#!/usr/bin/env bash
# Installs what is needed, builds, and opens the GUI on the bundled fixture models
# (extra arguments are passed on to hopscope, e.g. more MODEL paths).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/gui/app/hopscope tests/fixtures/models/bert-tiny tests/fixtures/models/bert-tiny@softmax1 \
  tests/fixtures/models/opt-tiny "$@"
