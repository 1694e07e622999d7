#!/usr/bin/env bash
# Train paper 000's autoencoders on a lent GPU machine and bring the weights back.
#
# The GPU machine (the `device` tool of this workplace: one H100 or H200, JAX's CUDA PJRT plugin,
# no Go, no network) runs a copy of the working tree plus up to 64 MiB in all, and returns at most
# 8 files of 16 MiB from $OUT. The repository alone is about 25 MB, so the binary (xz) and one
# dataset travel per call: MNIST and Fashion-MNIST go in two calls back to back; the first
# call's binary stays on the warm machine, and the trainings run detached (setsid) across calls.
#
# Here (2 CPU cores), once:
#   scripts/device-train.sh pack                 # builds .device/ (ignored): binary + both datasets
# On the device machine (the run tool; `carry` as printed by pack):
#   bash scripts/device-train.sh start mnist 8          # call 1, carry .device/bin .device/data/mnist
#   bash scripts/device-train.sh start fashion-mnist 6  # call 2 at once (a machine idle 30 s goes
#   bash scripts/device-train.sh collect 7              #   back), carry .device/data/fashion-mnist;
#                                                       #   collect waits ≤ 7 min, packs $OUT
# About 11 of the 15 device minutes a session gets: the start (1–2 min), call 1 (1 min), call 2 (8).
# Back here, with the files the run tool copied (files_at):
#   scripts/device-train.sh unpack DIR           # → $SPARSELAB_RUNS/device/<ds>-<agg>.ckpt, then
#   sparselab aae eval --dataset D --aggregation A --weights $SPARSELAB_RUNS/device/D-A.ckpt
#   and, where it beats the shipped weights, copy it and its history into models/aae/weights/.
#
# start MODE (third argument): "continue" (default) goes on from the shipped weights at Adam 1e-4
# (the paper's rate; fresh moments), "scratch" trains the paper's recipe from the initial weights
# (--seed 0). Both keep the shipped seed, split and batch size, validate every 5 epochs and keep
# the best checkpoint. "snapshot" instead resumes the run carried in models/aae/experiments that
# trains the paper's recipe from scratch (mnist-max-lr1e-4-scratch-seed0, Adam moments and all,
# validating every epoch as it always has); it can run beside "continue" (call 1:
# `... start mnist 8 && bash scripts/device-train.sh start mnist 8 snapshot`), and collect brings
# it back as a snapshot: `unpack` leaves it in $SPARSELAB_RUNS/device/snapshots/<name>, for
# `sparselab aae info --weights .../last.ckpt` and a copy into models/aae/experiments/<name>. Set DEVICE_BACKEND to override the backend (default: XLA CUDA through the
# JAX plugin; `DEVICE_BACKEND=onnx` rehearses the whole flow on a CPU machine).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dev=.device
state=/tmp/sparselab-device

die() { echo "device-train: $*" >&2; exit 1; }

models_of() { echo ae sum max; }

pack() {
    command -v xz >/dev/null || die "xz is missing: apt-get install -y xz-utils"
    local data=${SPARSELAB_DATA:-$HOME/.cache/sparselab/data}
    mkdir -p "$dev/bin"
    echo "building the binary (CGO for the XLA plugin, stripped)"
    CGO_ENABLED=1 GOEXPERIMENT=simd go build -trimpath -ldflags='-s -w' -o "$dev/bin/sparselab" ./cmd/sparselab
    rm -f "$dev/bin/sparselab.xz"
    xz -T0 -9 "$dev/bin/sparselab"
    for ds in mnist fashion-mnist; do
        go run ./cmd/sparselab data fetch "$ds" >/dev/null || die "cannot fetch $ds (see sparselab data fetch $ds)"
        mkdir -p "$dev/data/$ds"
        for f in "$data/$ds"/*-ubyte.gz; do
            # The raw IDX bytes compress better with xz; the device re-gzips them, and the
            # datasets' content checksums accept any gzip of the original bytes.
            out="$dev/data/$ds/$(basename "$f" .gz).xz"
            if [ ! -s "$out" ]; then
                zcat "$f" | xz -T0 -9 >"$out.tmp" && mv "$out.tmp" "$out"
            fi
        done
    done
    du -sh "$dev/bin" "$dev/data"/* | sed 's/^/  /'
    echo "repository (tracked files): $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes"
    echo 'call 1: carry [".device/bin", ".device/data/mnist"], command "bash scripts/device-train.sh start mnist 8"'
    echo '  (to go on with the carried from-scratch run too: "... start mnist 8 && bash scripts/device-train.sh start mnist 8 snapshot")'
    echo 'call 2 (at once): carry [".device/data/fashion-mnist"], command "bash scripts/device-train.sh start fashion-mnist 6 && bash scripts/device-train.sh collect 7", timeout_s 590'
}

# setup_env unpacks the binary and sets the environment; with "backend" it also finds the backend.
setup_env() {
    mkdir -p "$state/bin" "$state/runs" "$state/data" "$state/autotune"
    if [ ! -x "$state/bin/sparselab" ]; then
        [ -s "$dev/bin/sparselab.xz" ] || die "no $dev/bin/sparselab.xz: run scripts/device-train.sh pack here and carry .device/bin"
        xz -dc "$dev/bin/sparselab.xz" >"$state/bin/sparselab"
        chmod +x "$state/bin/sparselab"
    fi
    export SPARSELAB_DATA=$state/data SPARSELAB_RUNS=$state/runs GOMLX_NO_AUTO_INSTALL=1
    if [ "${1:-}" = backend ] && [ -z "${DEVICE_BACKEND:-}" ]; then
        local sp
        sp=$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null) || die "no python3 to locate the JAX CUDA plugin; set DEVICE_BACKEND"
        local plugin
        plugin=$(compgen -G "$sp/jax_plugins/xla_cuda*/xla_cuda_plugin.so" | head -1) || true
        [ -n "$plugin" ] || die "no jax_plugins/xla_cuda*/xla_cuda_plugin.so under $sp; set DEVICE_BACKEND"
        export LD_LIBRARY_PATH=$sp/nvidia/cu13/lib:$sp/nvidia/cudnn/lib:$sp/nvidia/nccl/lib:$sp/nvidia/nvshmem/lib:${LD_LIBRARY_PATH:-}
        export XLA_FLAGS="--xla_gpu_per_fusion_autotune_cache_dir=$state/autotune ${XLA_FLAGS:-}"
        DEVICE_BACKEND="xla:$plugin,preallocate=false"
    fi
    export DEVICE_BACKEND=${DEVICE_BACKEND:-}
}

# alive says whether the training whose pid file is $1 still runs (a zombie does not).
alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    local st
    st=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
    [[ $st != Z* ]]
}

start() {
    local ds=${1:?dataset}; local minutes=${2:?minutes}; local mode=${3:-continue}
    case $ds in mnist | fashion-mnist) ;; *) die "dataset $ds: want mnist or fashion-mnist" ;; esac
    setup_env backend
    [ -d "$dev/data/$ds" ] || die "no $dev/data/$ds: carry it (scripts/device-train.sh pack makes it)"
    mkdir -p "$state/data/$ds"
    for f in "$dev/data/$ds"/*.xz; do
        xz -dc "$f" | gzip -1 >"$state/data/$ds/$(basename "$f" .xz).gz"
    done
    local from=true
    case $mode in
    continue) ;;
    scratch) from=false ;;
    snapshot) start_snapshot "$ds" "$minutes"; return ;;
    *) die "mode $mode: want continue, scratch or snapshot" ;;
    esac
    for agg in $(models_of); do
        local run=$state/runs/$ds-$agg
        if alive "$run/pid"; then
            die "$run is still training (pid $(cat "$run/pid")): wait for it, or collect"
        fi
        if [ "$mode" = scratch ] && [ -e "$run/last.ckpt" ]; then
            die "$run already holds a run (last.ckpt): scratch would resume it; remove the folder first"
        fi
        mkdir -p "$run"
        # --steps is a bound far beyond the time budget (it counts the shipped steps too).
        # The shipped AEs predate the paper's decoder activation: continuing them keeps their
        # architecture; resuming a run folder keeps the one its checkpoint records.
        local arch=()
        if [ "$agg" = ae ] && [ "$mode" = continue ]; then
            local act=false
            if [ -e "$run/last.ckpt" ] && "$state/bin/sparselab" aae info --weights "$run/last.ckpt" | grep -q '"ae_decoder_activation": true'; then
                act=true
            fi
            arch=(--ae_decoder_activation=$act)
        fi
        setsid nohup "$state/bin/sparselab" aae train --dataset "$ds" --aggregation "$agg" --run_dir "$run" "${arch[@]}" \
            --from_shipped=$from --learning_rate 1e-4 --steps 100000000 --eval_every 1875 \
            --time_budget "${minutes}m" --backend "$DEVICE_BACKEND" >"$run/train.log" 2>&1 </dev/null &
        echo "$!" >"$run/pid"
        echo "started $ds $agg ($mode, ${minutes} min, $DEVICE_BACKEND): $run"
    done
    sleep 20
    for agg in $(models_of); do tail -n 2 "$state/runs/$ds-$agg/train.log" | sed "s/^/  $ds $agg: /"; done
}

# snapshots are the carried runs "start DATASET MINUTES snapshot" resumes: name, dataset, aggregation.
snapshots() { echo "mnist-max-lr1e-4-scratch-seed0 mnist max"; }

start_snapshot() {
    local ds=$1 minutes=$2 started=0
    while read -r name sds agg; do
        [ "$sds" = "$ds" ] || continue
        local src=models/aae/experiments/$name run=$state/snapshots/$name
        [ -s "$src/last.ckpt" ] || die "no $src/last.ckpt in this checkout"
        if alive "$run/pid"; then
            die "$run is still training (pid $(cat "$run/pid")): wait for it, or collect"
        fi
        mkdir -p "$run"
        # A folder left by an earlier call goes on from where it stopped; a new one starts from the
        # carried snapshot.
        [ -e "$run/last.ckpt" ] || cp "$src/last.ckpt" "$src/last.ckpt.history.json" "$run/"
        setsid nohup "$state/bin/sparselab" aae train --dataset "$ds" --aggregation "$agg" --run_dir "$run" \
            --from_shipped=false --learning_rate 1e-4 --steps 100000000 --eval_every 375 \
            --time_budget "${minutes}m" --backend "$DEVICE_BACKEND" >"$run/train.log" 2>&1 </dev/null &
        echo "$!" >"$run/pid"
        echo "resumed the snapshot $name ($ds $agg, ${minutes} min, $DEVICE_BACKEND): $run"
        started=$((started + 1))
    done < <(snapshots)
    [ "$started" -gt 0 ] || die "no carried run of $ds to resume (snapshots: $(snapshots | cut -d' ' -f1 | tr '\n' ' '))"
    sleep 20
    while read -r name sds _; do
        [ "$sds" = "$ds" ] && tail -n 2 "$state/snapshots/$name/train.log" | sed "s/^/  $name: /"
    done < <(snapshots)
    return 0
}

collect() {
    local wait_min=${1:-0}
    setup_env
    local deadline=$(($(date +%s) + wait_min * 60))
    while :; do
        local running=0
        for p in "$state"/runs/*/pid "$state"/snapshots/*/pid; do
            if [ -e "$p" ] && alive "$p"; then
                running=$((running + 1))
            else
                rm -f "$p"
            fi
        done
        [ "$running" -eq 0 ] && break
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$running training(s) still running at the deadline: stopping them (they checkpoint on SIGINT)"
            for p in "$state"/runs/*/pid "$state"/snapshots/*/pid; do
                if alive "$p"; then kill -INT "$(cat "$p")" 2>/dev/null || true; fi
            done
            sleep 15
            break
        fi
        sleep 10
    done
    local out=${OUT:-$state/out}
    mkdir -p "$out"
    : >"$out/device-train.log"
    for run in "$state"/runs/*; do
        [ -d "$run" ] || continue
        local name ds agg
        name=$(basename "$run"); ds=${name%-*}; agg=${name##*-}
        {
            echo "== $name"
            tail -n 5 "$run/train.log"
        } >>"$out/device-train.log"
        local stage=$state/stage/$name
        rm -rf "$stage"; mkdir -p "$stage"
        if "$state/bin/sparselab" aae export --dataset "$ds" --aggregation "$agg" --run_dir "$run" --to "$stage" >>"$out/device-train.log" 2>&1; then
            cp "$run/train.log" "$stage/$name.train.log"
            tar -C "$stage" -czf "$out/$name.tar.gz" .
        fi
    done
    for run in "$state"/snapshots/*; do
        [ -d "$run" ] || continue
        local name
        name=$(basename "$run")
        {
            echo "== snapshot $name"
            tail -n 5 "$run/train.log"
        } >>"$out/device-train.log"
        local stage=$state/stage/snapshot-$name
        rm -rf "$stage"; mkdir -p "$stage"
        if "$state/bin/sparselab" aae snapshot --run_dir "$run" --to "$stage" >>"$out/device-train.log" 2>&1; then
            cp "$run/train.log" "$stage/train.log"
            tar -C "$stage" -czf "$out/snapshot-$name.tar.gz" .
        fi
    done
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.used --format=csv >>"$out/device-train.log" 2>&1 || true
    fi
    cat "$out/device-train.log"
    ls -la "$out"
}

unpack() {
    local from=${1:?folder with the <ds>-<agg>.tar.gz files}
    local runs=${SPARSELAB_RUNS:-$HOME/.cache/sparselab/runs}/device
    mkdir -p "$runs"
    for t in "$from"/snapshot-*.tar.gz; do
        [ -e "$t" ] || continue
        local name
        name=$(basename "$t" .tar.gz); name=${name#snapshot-}
        rm -rf "$runs/snapshots/$name"; mkdir -p "$runs/snapshots/$name"
        tar -C "$runs/snapshots/$name" -xzf "$t"
        echo "snapshot $name: $runs/snapshots/$name (copy last.ckpt and its history into models/aae/experiments/$name to carry it on)"
        go run ./cmd/sparselab aae info --weights "$runs/snapshots/$name/last.ckpt" | grep -E '^(validation PSNR: best|trend:)'
    done
    for t in "$from"/*.tar.gz; do
        case $(basename "$t") in snapshot-*) continue ;; esac
        tar -C "$runs" -xzf "$t"
        local name ds agg
        name=$(basename "$t" .tar.gz); ds=${name%-*}; agg=${name##*-}
        # The validation PSNR each run recorded, beside the shipped weights' (same split).
        echo "$name: device $(go run ./cmd/sparselab aae info --dataset "$ds" --aggregation "$agg" --weights "$runs/$name.ckpt" | grep -o '"val_psnr": [0-9.]*'), shipped $(go run ./cmd/sparselab aae info --dataset "$ds" --aggregation "$agg" | grep -o '"val_psnr": [0-9.]*')"
    done
    echo "weights in $runs; evaluate with: go run ./cmd/sparselab aae eval --dataset D --aggregation A --weights $runs/D-A.ckpt"
}

case ${1:-} in
pack) pack ;;
start) shift; start "$@" ;;
collect) shift; collect "$@" ;;
unpack) shift; unpack "$@" ;;
*) die "usage: $0 pack | start DATASET MINUTES [continue|scratch|snapshot] | collect [WAIT_MINUTES] | unpack DIR" ;;
esac
