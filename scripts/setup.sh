#!/usr/bin/env bash
# setup.sh installs everything sparselab needs on a fresh Debian machine that has Go, apt and npm.
# It is idempotent: each step checks whether its result is already there and skips it.
#
#   scripts/setup.sh [all|jupyter|tools|onnx|data|torch]   (default: all but torch)
#
# Where things go (override with the environment):
#   SPARSELAB_CACHE  default $HOME/.cache/sparselab — ONNX Runtime library, datasets, built tools.
#   GOBIN            default $(go env GOPATH)/bin — gonb and goimports.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SPARSELAB_CACHE:-$HOME/.cache/sparselab}
ORT_VERSION=1.30.0
ORT_NPM_SHA256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
GOBIN=${GOBIN:-$(go env GOPATH)/bin}
export GOBIN
mkdir -p "$CACHE" "$GOBIN"

say() { printf '[setup] %s\n' "$*"; }
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
APT_UPDATED=0
apt_install() {
  local missing=()
  for p in "$@"; do have_deb "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if [ $APT_UPDATED = 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

step_jupyter() {
  apt_install jupyter-nbconvert jupyter-client jupyter-notebook python3-ipykernel
  say "jupyter: $(command -v jupyter) ($(/usr/bin/jupyter --version 2>/dev/null | grep -m1 nbconvert | tr -s ' '))"
}

step_tools() {
  # GoNB and goimports are built from pinned versions through a small tools module
  # (go install gonb@version is refused by the module proxy's version list).
  if [ -x "$GOBIN/gonb" ] && [ -x "$GOBIN/goimports" ] && \
     [ "$(cat "$CACHE/tools.stamp" 2>/dev/null)" = "$(sha256sum "$ROOT/scripts/tools/go.mod" | cut -d' ' -f1)" ]; then
    say "gonb and goimports already built in $GOBIN"
  else
    say "building gonb and goimports from scripts/tools/go.mod"
    (cd "$ROOT/scripts/tools" && go install github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
    sha256sum "$ROOT/scripts/tools/go.mod" | cut -d' ' -f1 > "$CACHE/tools.stamp"
  fi
  # The GoNB kernelspec, with this repo as a go.work member so notebooks import its packages.
  local kdir=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb
  if [ -f "$kdir/kernel.json" ] && grep -q -- "go_work=$ROOT\"" "$kdir/kernel.json" 2>/dev/null; then
    say "gonb kernelspec already installed at $kdir"
  else
    say "installing the gonb kernelspec (go.work -> $ROOT)"
    # gopls is optional (auto-complete only); --force_deps installs without it. gonb then logs a
    # misleading "goimports and/or gopls are not installed" note, so its output is shown only
    # when the install fails.
    local log
    log=$(PATH="$GOBIN:$PATH" "$GOBIN/gonb" --install --raw_error --force_deps --go_work="$ROOT" 2>&1) || true
    if [ ! -f "$kdir/kernel.json" ]; then
      printf '%s\n' "$log" >&2
      echo "setup: gonb did not write $kdir/kernel.json" >&2
      return 1
    fi
    PATH="$GOBIN:$PATH" command -v gopls >/dev/null || \
      say "gopls not found (optional: only Jupyter auto-complete uses it; go install golang.org/x/tools/gopls@latest)"
  fi
}

step_onnx() {
  local lib="$CACHE/onnxruntime/libonnxruntime.so.1"
  if [ -f "$lib" ]; then say "ONNX Runtime $ORT_VERSION already at $lib"; return 0; fi
  say "fetching ONNX Runtime $ORT_VERSION (npm package onnxruntime-node)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  local tgz="$tmp/onnxruntime-node-$ORT_VERSION.tgz"
  local got; got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$ORT_NPM_SHA256" ]; then
    echo "setup: onnxruntime-node-$ORT_VERSION.tgz has SHA-256 $got, expected $ORT_NPM_SHA256; refusing to install it" >&2
    rm -rf "$tmp"; return 1
  fi
  mkdir -p "$CACHE/onnxruntime"
  tar -xzf "$tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$lib.tmp" && mv "$lib.tmp" "$lib"
  ln -sf libonnxruntime.so.1 "$CACHE/onnxruntime/libonnxruntime.so"
  rm -rf "$tmp"
  say "ONNX Runtime installed at $lib"
}

step_data() {
  apt_install dataset-fashion-mnist
  # MNIST's original IDX files come inside a Go module; the sparselab CLI copies and checks them.
  (cd "$ROOT" && go run ./cmd/sparselab data fetch mnist fashion-mnist)
}

step_torch() {
  apt_install python3-torch python3-numpy
}

what=${1:-all}
case "$what" in
  all) step_jupyter; step_tools; step_onnx; step_data ;;
  jupyter) step_jupyter ;;
  tools) step_tools ;;
  onnx) step_onnx ;;
  data) step_data ;;
  torch) step_torch ;;
  *) echo "setup: unknown step '$what' (want all, jupyter, tools, onnx, data or torch)" >&2; exit 2 ;;
esac
