#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan, build-fuzz/) and fuzzes one target or all.
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      (default: all, 60 seconds per target)
# Seeds: tests/fuzz/corpus/<target>/ (read only); new inputs go to build-fuzz/corpus/<target>/;
# crashes, timeouts and out-of-memory inputs to build-fuzz/artifacts/<target>/, the log to
# build-fuzz/<target>.log. A finding fails the script. BUILD_JOBS (default 2) compile jobs;
# FUZZ_BUILD=0 skips the build (for several fuzz.sh running side by side on one build).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
targets=(fuzz_safetensors fuzz_unpickler fuzz_pytorch_bin fuzz_model_config fuzz_wordpiece_vocab
         fuzz_bpe_files fuzz_wordpiece_encode fuzz_bpe_encode fuzz_text_corpus fuzz_idx_images
         fuzz_preprocessor_config fuzz_workspace)
declare -A dictionary=([fuzz_safetensors]=safetensors [fuzz_unpickler]=pickle [fuzz_pytorch_bin]=pickle
                       [fuzz_model_config]=json [fuzz_wordpiece_vocab]=wordpiece [fuzz_bpe_files]=bpe
                       [fuzz_wordpiece_encode]=wordpiece [fuzz_bpe_encode]=bpe [fuzz_text_corpus]=text
                       [fuzz_idx_images]=idx [fuzz_preprocessor_config]=json [fuzz_workspace]=workspace)
if [[ $target != all ]]; then
  [[ -n ${dictionary[$target]:-} ]] || { echo "unknown target '$target' (one of: ${targets[*]})" >&2; exit 2; }
  targets=("$target")
fi

if [[ ${FUZZ_BUILD:-1} != 0 ]]; then
  bash scripts/configure_fuzz.sh
  cmake --build build-fuzz -j"${BUILD_JOBS:-2}" --target "${targets[@]}"
fi

source scripts/sanitizer_options.sh
status=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t artifacts=build-fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  log=build-fuzz/$t.log
  echo "== $t: ${seconds}s"
  if ! build-fuzz/tests/fuzz/$t "$work" tests/fuzz/corpus/$t -dict=tests/fuzz/dict/${dictionary[$t]}.dict \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        > "$log" 2>&1; then
    echo "   FINDING: see $log and $artifacts/"
    status=1
  fi
  # libFuzzer's own summary lines: executions, coverage, features, corpus.
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" \
    | sed 's/^/   /' || true
done
exit $status
