#!/usr/bin/env bash
# Configures and builds everything (engine, hopscope, hopscope-cli, tests) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Each LibTorch translation unit needs ~1.5 GiB to compile: one job per core is safe on 24 GiB.
cmake --build build -j"$(nproc)"
