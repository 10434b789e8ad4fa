#!/usr/bin/env bash
# What merging costs `hopscope-cli analyze` on rank 0 as the number of ranks grows: with
# HOPSCOPE_DIST_TIMING=1 rank 0 prints, per model, the seconds it waited for the other ranks to hand
# in, the seconds the gather moved the bytes, the bytes received and the seconds decoding and merging
# the parts took. Ranks on localhost (c10d Gloo), 1 thread each, few blocks so that the analysis is
# short and the merge shows; median of REPEATS runs. Not a test: numbers depend on the machine and
# its load, so it prints `uptime` before and after.
#   bench/merge_cost_bench.sh [CLI] [MODEL] [SAMPLES] [REPEATS] [RANKS...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cli="${1:-$here/build/gui/cli/hopscope-cli}"
model="${2:-$here/resources/demo/bert-softmax-none}"
samples="${3:-16}"
repeats="${4:-3}"
worlds=("${@:5}")
[ ${#worlds[@]} -eq 0 ] && worlds=(1 2 4 8)
data="$here/resources/corpora/moby-dick.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

source "$(dirname "$0")/rank_bench_helpers.sh"

# One run of WORLD ranks; prints "wall wait transfer bytes merge" (rank 0's timing line).
run() {
  local world=$1 start end port pids=() rank line
  port=$(free_port)
  start=$(now)
  for ((rank = 0; rank < world; ++rank)); do
    HOPSCOPE_DIST_TIMING=1 "$cli" --threads 1 analyze "$model" --data "$data" --samples "$samples" --seq-len 128 \
      --batch 2 --json "$work/out.json" --rank "$rank" --world-size "$world" --master "127.0.0.1:$port" \
      > /dev/null 2> "$work/err$rank" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  end=$(now)
  # "hopscope: MODEL: gather of 2 parts: waited 0.012 s, moved 1234 bytes in 0.001 s, decoded and merged in 0.002 s"
  line=$(grep -m 1 'gather of' "$work/err0" || echo "waited 0 s, moved 0 bytes in 0 s, decoded and merged in 0 s")
  echo "$(echo "$end - $start" | bc -l) $(echo "$line" | sed -E 's/.*waited ([0-9.e+-]+) s, moved ([0-9]+) bytes in ([0-9.e+-]+) s, decoded and merged in ([0-9.e+-]+) s.*/\1 \3 \2 \4/')"
}

echo "load before: $(uptime)"
echo "model $model, $samples blocks x 128 tokens, batches of 2, 1 thread per rank, median of $repeats"
printf '%-6s %9s %10s %12s %12s %14s\n' ranks "wall s" "wait s" "transfer s" "bytes" "decode+merge s"
for world in "${worlds[@]}"; do
  runs=()
  for ((i = 0; i < repeats; ++i)); do runs+=("$(run "$world")"); done
  column() { printf '%s\n' "${runs[@]}" | awk -v c="$1" '{print $c}' | median; }
  printf '%-6s %9.2f %10.4f %12.5f %12d %14.5f\n' "$world" "$(column 1)" "$(column 2)" "$(column 3)" "$(column 4)" \
    "$(column 5)"
done
echo "load after:  $(uptime)"
