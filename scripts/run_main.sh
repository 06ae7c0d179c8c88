#!/usr/bin/env bash
# The main job on a fresh Debian machine: install dependencies and build, fetch MNIST, train the
# default block-circulant MLP, evaluate it, compile it into an HLS project and run the project's C
# simulation over the test set (bit-exact against the fixed-point emulation).
# Usage: scripts/run_main.sh [OUT_DIR]   (default runs/mnist_mlp_bc)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/mnist_mlp_bc}

scripts/setup.sh
datasets/fetch_mnist.sh datasets/mnist
build/apps/bcnn-train configs/mnist_mlp_bc.json --data datasets/mnist --out "$out" --force
build/apps/bcnn-eval "$out/best.h5" --data datasets/mnist --fixed
build/apps/bcnn-compile "$out/best.h5" -o "$out/hls" --data datasets/mnist --force
build/apps/bcnn-eval "$out/best.h5" --data datasets/mnist --hls "$out/hls" --latency-samples 100
