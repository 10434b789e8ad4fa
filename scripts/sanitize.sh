#!/usr/bin/env bash
# The engine and CLI tests under AddressSanitizer and UndefinedBehaviorSanitizer (build-fuzz/,
# configured by configure_fuzz.sh with -DHOPSCOPE_SANITIZE=address,undefined). Not part of CI:
# building the instrumented tree takes longer than CI's time allows on 2 cores (README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/configure_fuzz.sh
cmake --build build-fuzz -j"${BUILD_JOBS:-2}" --target engine_tests cli_tests hopscope-cli
source scripts/sanitizer_options.sh
ctest --test-dir build-fuzz -L 'engine|cli' --output-on-failure -j"${TEST_JOBS:-2}"
