#!/usr/bin/env bash
# Configures build-fuzz/: clang-14, ASan + UBSan, libFuzzer coverage, no GUI. fuzz.sh builds the
# fuzz targets in it and sanitize.sh the engine and CLI tests: one instrumented engine for both,
# since compiling LibTorch code twice more costs half an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
      -DHOPSCOPE_FUZZ=ON -DHOPSCOPE_SANITIZE=address,undefined -DHOPSCOPE_BUILD_GUI=OFF > /dev/null
