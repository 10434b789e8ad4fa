#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (engine, CLI, GUI offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j"$(nproc)"
