#!/usr/bin/env bash
# Tokens per second of `hopscope-cli analyze` as 1 process x T threads versus P processes x 1
# thread on this machine (ranks on localhost, c10d Gloo), wall time of the whole command (loading,
# tokenizing, analysing, merging, writing), median of REPEATS runs. Not a test: numbers depend on
# the machine and its load, so it prints `uptime` before and after.
#   bench/scaleout_bench.sh [CLI] [MODEL] [SAMPLES] [REPEATS] [PROCESSES]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cli="${1:-$here/build/gui/cli/hopscope-cli}"
model="${2:-$here/resources/demo/bert-softmax-none}"
samples="${3:-256}"
repeats="${4:-3}"
processes="${5:-2}"
seq_len=128
data="$here/resources/corpora/moby-dick.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/rank_bench_helpers.sh"

one_process() {
  local start end
  start=$(now)
  "$cli" --threads "$processes" analyze "$model" --data "$data" --samples "$samples" --seq-len "$seq_len" \
    --json "$work/one.json" > /dev/null
  end=$(now)
  echo "$end - $start" | bc -l
}

ranks() {
  local start end port pids=() rank
  port=$(free_port)
  start=$(now)
  for ((rank = 0; rank < processes; ++rank)); do
    "$cli" --threads 1 analyze "$model" --data "$data" --samples "$samples" --seq-len "$seq_len" \
      --json "$work/ranks.json" --rank "$rank" --world-size "$processes" --master "127.0.0.1:$port" > /dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  end=$(now)
  echo "$end - $start" | bc -l
}

echo "load before: $(uptime)"
tokens=$((samples * seq_len))
for mode in one_process ranks; do
  times=()
  for ((i = 0; i < repeats; ++i)); do times+=("$($mode)"); done
  t=$(printf '%s\n' "${times[@]}" | median)
  label=$([ "$mode" = one_process ] && echo "1 process x $processes threads" || echo "$processes processes x 1 thread")
  printf '%-26s %8.2f s  %8.0f tokens/s  (runs: %s)\n' "$label" "$t" "$(echo "$tokens / $t" | bc -l)" "${times[*]}"
done
echo "load after:  $(uptime)"
