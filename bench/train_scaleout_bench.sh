#!/usr/bin/env bash
# Seconds per optimizer step of `hopscope-cli train` at the demo BERT's size (4 layers x 128,
# 128 tokens, global batch 32) as 1 process x P threads versus P data-parallel ranks x 1 thread
# on localhost (c10d Gloo: the step's agreement and the gradient all-reduce included), each the
# median step time the CLI reports over STEPS steps; the layouts alternate REPEATS times. Not a
# test: numbers depend on the machine and its load, so it prints `uptime` before and after.
#   bench/train_scaleout_bench.sh [CLI] [STEPS] [REPEATS] [PROCESSES]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cli="${1:-$here/build/gui/cli/hopscope-cli}"
steps="${2:-40}"
repeats="${3:-3}"
processes="${4:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/rank_bench_helpers.sh"
options=(train --family bert --data "$here/resources/corpora/moby-dick-train.txt"
         --eval-data "$here/resources/corpora/moby-dick-eval.txt" --tokenizer "$here/resources/demo/bert-softmax-none"
         --layers 4 --hidden 128 --heads 4 --ffn 512 --seq-len 128 --batch 32 --steps "$steps" --warmup 10
         --eval-every "$steps" --eval-samples 32)
seconds_per_step() { sed -n 's/.*(\([0-9.e-]*\) s\/step median).*/\1/p'; }

one_process() {
  rm -rf "$work/one"
  "$cli" --threads "$processes" "${options[@]}" --out "$work/one" | seconds_per_step
}
ranks() {
  local port rank pids=()
  rm -rf "$work/ranks"
  port=$(free_port)
  for ((rank = 1; rank < processes; ++rank)); do
    "$cli" --threads 1 "${options[@]}" --out "$work/ranks" --rank "$rank" --world-size "$processes" \
      --master "127.0.0.1:$port" > /dev/null &
    pids+=($!)
  done
  "$cli" --threads 1 "${options[@]}" --out "$work/ranks" --rank 0 --world-size "$processes" \
    --master "127.0.0.1:$port" | seconds_per_step
  for pid in "${pids[@]}"; do wait "$pid"; done
}

echo "load before: $(uptime)"
one=() many=()
for ((i = 0; i < repeats; ++i)); do
  one+=("$(one_process)")
  many+=("$(ranks)")
done
printf '1 process x %d threads:  %s s/step median (runs: %s)\n' "$processes" "$(printf '%s\n' "${one[@]}" | median)" "${one[*]}"
printf '%d ranks x 1 thread:      %s s/step median (runs: %s)\n' "$processes" "$(printf '%s\n' "${many[@]}" | median)" "${many[*]}"
echo "load after:  $(uptime)"
