#!/usr/bin/env bash
# Paper 000 with the authors' own trained models, through sparselab's code.
#
#   scripts/reference.sh MODEL_DIR [OUT_DIR]
#
# MODEL_DIR holds the six TorchScript models the authors released with their code
# (AAE_MNIST_max.pt, AAE_MNIST_sum.pt, AAE_MNIST_simple.pt and the same for FMNIST: the
# Model_AAE folder of https://github.com/GRETSI-2025/GRETSI25_Label-Argent_Auto-encodeurs-atomiques-parcimonie-max-et-application-aux-problemes-inverses).
# For each it exports the weights (scripts/reference_weights.py, PyTorch), converts them to a
# sparselab checkpoint (`sparselab aae import`, which checks sparselab's output against PyTorch's),
# and then measures, with sparselab's evaluation, Table 1 (`aae eval`), the activated atoms
# (`aae atoms`) and Table 2 (`aae superres`, the paper's x2 and the x4 / noisy variants).
# Results go to OUT_DIR (default out/reference): the checkpoints, one JSON per measurement, and
# summary.txt. The authors' weights are not part of sparselab (their repository states no
# licence); this script reads them where you put them.
#
# Needs PyTorch (scripts/setup.sh torch) and the datasets (scripts/setup.sh data).
# BACKEND=onnx picks the backend (default: the best available); COUNT=N evaluates test images
# 0..N-1 (default 600, the paper's; COUNT=10 checks the script in a minute or two).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODELS=${1:?usage: scripts/reference.sh MODEL_DIR [OUT_DIR]}
OUT=${2:-$ROOT/out/reference}
PY=${PYTHON:-/usr/bin/python3}
mkdir -p "$OUT"
SL="$OUT/sparselab"
(cd "$ROOT" && go build -o "$SL" ./cmd/sparselab)
backend=(--test_count "${COUNT:-600}")
if [[ -n "${BACKEND:-}" ]]; then backend+=(--backend "$BACKEND"); fi
"$PY" -c "import torch" 2>/dev/null || { echo "reference.sh: PyTorch is missing for $PY: run scripts/setup.sh torch" >&2; exit 1; }
for f in MNIST_max MNIST_sum MNIST_simple FMNIST_max FMNIST_sum FMNIST_simple; do
  [[ -f "$MODELS/AAE_$f.pt" ]] || { echo "reference.sh: $MODELS/AAE_$f.pt is missing (MODEL_DIR must hold the six .pt files)" >&2; exit 1; }
done
log="$OUT/log.txt"   # the commands' own messages (figures written, errors)
: > "$log"
trap 'echo "reference.sh: a step failed; the end of $log:" >&2; tail -n 5 "$log" >&2' ERR

summary="$OUT/summary.txt"
: > "$summary"
declare -A DS=([MNIST]=mnist [FMNIST]=fashion-mnist)
declare -A AGG=([simple]=ae [sum]=sum [max]=max)
for d in MNIST FMNIST; do
  weights=()
  for a in simple sum max; do
    pt="$MODELS/AAE_${d}_${a}.pt"
    base="$OUT/${DS[$d]}-${AGG[$a]}"
    "$PY" "$ROOT/scripts/reference_weights.py" export "$pt" "$base.npz" 2>>"$log"
    "$SL" aae import "${backend[@]}" --dataset "${DS[$d]}" --from "$base.npz" --ckpt "$base.ckpt" 2>>"$log" | tee -a "$summary"
    "$SL" aae eval "${backend[@]}" --dataset "${DS[$d]}" --aggregation "${AGG[$a]}" --weights "$base.ckpt" --json > "$base-eval.json" 2>>"$log"
    "$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))
print("%s %s: PSNR %.2f ± %.2f dB over test images %d-%d" % (e["dataset"], e["aggregation"], e["psnr_mean"], e["psnr_std"], e["test_offset"], e["test_offset"]+e["test_count"]-1))' "$base-eval.json" | tee -a "$summary"
    if [[ $a != simple ]]; then
      "$SL" aae atoms "${backend[@]}" --dataset "${DS[$d]}" --aggregation "${AGG[$a]}" --weights "$base.ckpt" --out "$OUT/figures" 2>>"$log" | tee -a "$summary"
    fi
    weights+=("$base.ckpt")
  done
  w=$(IFS=,; echo "${weights[*]}")
  declare -A MEAS=([x2]="" [x4]="--sr_factor 4" [noise]="--sr_noise 0.05")
  for tag in x2 x4 noise; do
    # shellcheck disable=SC2086
    "$SL" aae superres "${backend[@]}" --dataset "${DS[$d]}" --weights "$w" ${MEAS[$tag]} --out "$OUT/figures" --json \
      > "$OUT/${DS[$d]}-superres-$tag.json" 2>>"$log"
    echo "${DS[$d]} super-resolution ($tag), authors' weights:" >> "$summary"
    "$PY" -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]: print("  %-18s %.2f ± %.2f" % (r["method"], r["psnr_mean"], r["psnr_std"]))' "$OUT/${DS[$d]}-superres-$tag.json" | tee -a "$summary"
  done
done
echo "summary: $summary"
