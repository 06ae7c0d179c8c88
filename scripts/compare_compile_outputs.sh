#!/usr/bin/env bash
# Regenerates the bcnn-compile projects and the bcnn-eval --fixed logits of the MLP configs with
# the tools of BUILD_DIR into OUT_DIR, and, when BASELINE_DIR is given, compares them byte for byte
# with `diff -r` (exit status 1 on any difference). It is the proof that a refactoring of the
# compiler (quant/, hls/, hw/, fpga/templates) changes no output bit.
#
# Usage: scripts/compare_compile_outputs.sh BUILD_DIR OUT_DIR [BASELINE_DIR]
#   MODELS_DIR (default /tmp/hw_models): mnist_mlp_bc.h5, mnist_mlp_dense.h5, mnist_mlp_bc16.h5;
#              a missing model is copied from $BC_MODEL (mnist_mlp_bc only, default
#              /tmp/io_mnist_run/best.h5) or trained here first (one epoch of batch 256 on one
#              thread: reproducible; --max-steps alone stops before the first epoch, whose end
#              writes best.h5 with its calibration ranges).
#   DATA_DIR   (default /tmp/mnist): the MNIST IDX files.
#
# No generated file is filtered: the projects are generated from inside OUT_DIR with a relative -o
# and the tools on PATH, so the command line that the README and the reports quote
# ("bcnn-compile MODEL -o NAME ...") is the same in every run, and no file holds a timestamp. Of
# bcnn-compile's printed output (NAME.log) only the closing "wrote /ABSOLUTE/PATH: ..." line is
# ignored (it names OUT_DIR); of bcnn-eval's only the .npy logits are compared (its report prints
# timings).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR [BASELINE_DIR]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
out=$2
baseline=${3:-}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
models=${MODELS_DIR:-/tmp/hw_models}
data=${DATA_DIR:-/tmp/mnist}
export PATH="$build/apps:$PATH"

mkdir -p "$models"
models=$(cd "$models" && pwd)
for name in mnist_mlp_bc mnist_mlp_dense mnist_mlp_bc16; do
  if [ ! -f "$models/$name.h5" ] && [ "$name" = mnist_mlp_bc ] && [ -f "${BC_MODEL:-/tmp/io_mnist_run/best.h5}" ]; then
    cp "${BC_MODEL:-/tmp/io_mnist_run/best.h5}" "$models/$name.h5"
  fi
  if [ ! -f "$models/$name.h5" ]; then
    echo "training $name (one epoch) into $models/$name"
    bcnn-train "$repo/configs/$name.json" --data "$data" --out "$models/$name" --threads 1 --epochs 1 --batch 256 \
      --force --quiet
    cp "$models/$name/best.h5" "$models/$name.h5"
  fi
done

rm -rf "$out"
mkdir -p "$out"
cd "$out"

# name, then the options of each variant (one compile per variant).
compile() {
  local model=$1 project=$2
  shift 2
  bcnn-compile "$models/$model.h5" -o "$project" --data "$data" --tb-images 200 "$@" > "$project.log"
}

for model in mnist_mlp_bc mnist_mlp_dense mnist_mlp_bc16; do
  echo "== $model"
  compile "$model" "${model}_default"
  compile "$model" "${model}_axis" --interface axis
  compile "$model" "${model}_target" --target-images-per-s 50000
  compile "$model" "${model}_precision" --precision 12 --weight-precision 16
  compile "$model" "${model}_layer_precision" \
    --layer-precision "relu1.out=ap_fixed<14, 3, AP_RND, AP_SAT>" \
    --layer-precision "fc3.acc=ap_fixed<48, 12>" --layer-precision "fc3.out=ap_fixed<12, 6, AP_RND_CONV, AP_SAT_SYM>"
  compile "$model" "${model}_units" --parallelism fc1=2 --parallelism fc3=8
  if [ "$model" = mnist_mlp_dense ]; then
    compile "$model" "${model}_parallel" --reuse fc1=16 --reuse fc3=4
  else
    compile "$model" "${model}_parallel" --block-rows fc1=2 --bins fc2=3 --reuse fc3=4 \
      --layer-precision "fc1.spec=ap_fixed<22, 3, AP_RND_ZERO, AP_WRAP>"
  fi
  bcnn-eval "$models/$model.h5" --data "$data" --threads 1 --fixed --logits "${model}_fixed.npy" \
    --latency-samples 0 > "${model}_fixed.log"
  bcnn-eval "$models/$model.h5" --data "$data" --threads 1 --fixed --precision 12 \
    --layer-precision "relu1.out=ap_fixed<14, 3, AP_RND, AP_SAT>" --logits "${model}_fixed_precision.npy" \
    --latency-samples 0 > "${model}_fixed_precision.log"
done

if [ -n "$baseline" ]; then
  skip=(-x '*_fixed.log' -x '*_fixed_precision.log' -I '^wrote   /')
  if diff -r "${skip[@]}" "$baseline" "$out" > "$out.diff"; then
    echo "identical: every generated file, bcnn-compile output and --fixed logits file" \
      "($(find "$out" -type f ! -name '*_fixed.log' ! -name '*_fixed_precision.log' | wc -l) files)"
  else
    echo "DIFFERENT: see $out.diff"
    diff -rq "${skip[@]}" "$baseline" "$out" | head -50
    exit 1
  fi
fi
