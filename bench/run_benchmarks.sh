#!/usr/bin/env bash
# Runs every benchmark against the Release build made by scripts/setup.sh (this script builds
# nothing) and summarizes bcnn against its baselines: the dense layer of the same shape, and
# PyTorch training the same network configs. Results go to OUT_DIR as JSON, one file per run.
#
# Usage: bench/run_benchmarks.sh [OUT_DIR]            (default OUT_DIR: build/bench-results)
# Environment: BUILD_DIR (build), CONFIG_DIR (configs), PYTHON (/usr/bin/python3, needs torch),
#              THREADS (2), BATCH (128), STEPS (200), ROUNDS (3) for the MLP configs,
#              CNN_STEPS (15), CNN_ROUNDS (2) for the CIFAR-10 configs (0 rounds skip a group),
#              CORETYPE (auto: OpenBLAS chooses its kernels from the CPU, OPENBLAS_CORETYPE unset;
#              keep: OPENBLAS_CORETYPE as it is)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
config_dir=${CONFIG_DIR:-configs}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
batch=${BATCH:-128}
steps=${STEPS:-200}
rounds=${ROUNDS:-3}
cnn_steps=${CNN_STEPS:-15}
cnn_rounds=${CNN_ROUNDS:-2}
coretype=${CORETYPE:-auto}
out_dir=${1:-$build_dir/bench-results}
mlp_configs=(mnist_mlp_dense mnist_mlp_bc mnist_mlp_bc16)
cnn_configs=(cifar10_cnn_dense cifar10_cnn_bc)

fail() { echo "run_benchmarks: $*" >&2; exit 1; }

for tool in bench_layers bench_conv bench_train; do
  [ -x "$build_dir/bench/$tool" ] || fail "$build_dir/bench/$tool not found: build first (scripts/setup.sh)"
done
for name in "${mlp_configs[@]}" "${cnn_configs[@]}"; do
  [ -f "$config_dir/$name.json" ] || fail "$config_dir/$name.json not found (set CONFIG_DIR to the configs' folder)"
done
"$python" -c "import torch" 2>/dev/null || fail "$python cannot import torch (apt-get install python3-torch)"
mkdir -p "$out_dir"
# Results of an earlier run must not mix into this run's summary.
rm -f "$out_dir"/layers.json "$out_dir"/conv.json "$out_dir"/bcnn_*.json "$out_dir"/torch*_*.json

# OpenBLAS kernels: the same for bcnn and PyTorch, chosen by OpenBLAS from the CPU. PyTorch's
# convolutions run on oneDNN, which uses AVX-512 whenever the CPU has it; an OPENBLAS_CORETYPE=Haswell
# in the environment (as on the machines these figures come from) would hold OpenBLAS, and so bcnn,
# to AVX2 at about half the speed.
if [ "$coretype" = auto ]; then
  unset OPENBLAS_CORETYPE
elif [ "$coretype" != keep ]; then
  fail "CORETYPE must be auto or keep, found \"$coretype\""
fi
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset: OpenBLAS chooses from the CPU)} for bcnn and PyTorch"

# Two cores shared with anything else give timings that mean nothing: say so up front.
"$python" - <<'EOF'
import time
def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)
b0, t0 = busy(); time.sleep(1.0); b1, t1 = busy()
load = (b1 - b0) / max(1, t1 - t0)
if load > 0.10:
    print(f"run_benchmarks: warning: the CPUs were {100 * load:.0f}% busy before starting; "
          "other processes will distort these figures")
EOF

echo "== 1. bc_dense vs dense (bench_layers)"
"$build_dir/bench/bench_layers" --threads "$threads" --batch "$batch" --json "$out_dir/layers.json"

echo
echo "== 2. bc_conv2d vs conv2d (bench_conv, batch 64)"
"$build_dir/bench/bench_conv" --threads "$threads" --batch 64 --json "$out_dir/conv.json"

echo
echo "== 3. training throughput: bench_train (bcnn), then bench/torch_net.py (PyTorch), per config"
# Each config's runs go back to back so that they see the same machine conditions, and the whole
# sequence runs ROUNDS times; every variant is summarized by its best round, because the host of
# these machines has slow phases that last seconds and would otherwise hit one side only.
# PyTorch runs three ways: 2 intra-op threads as Debian ships it (its OpenBLAS starts 2 threads of
# its own per matrix product, oversubscribing the 2 cores), 1 intra-op thread, and 2 intra-op threads
# with OPENBLAS_NUM_THREADS=1 (no oversubscription); networks with block-circulant layers run each
# way twice, with the layers computed by FFT and by their explicit dense weight. The verdict
# compares with the fastest of all.
"$python" bench/torch_net.py --check >"$out_dir/torch_check.txt" ||
  fail "bench/torch_net.py --check failed: a block-circulant layer disagrees with its dense weight (see $out_dir/torch_check.txt)"
echo "PyTorch block-circulant layers (FFT) checked against their explicit dense weights: ok"

run_config() {  # name steps warmup round
  local name=$1 n=$2 w=$3 r=$4 config="$config_dir/$1.json" impls=(fft)
  grep -q '"bc_' "$config" && impls=(fft dense)
  "$build_dir/bench/bench_train" "$config" --threads "$threads" --batch "$batch" --steps "$n" --warmup "$w" \
    --json "$out_dir/bcnn_${name}_r$r.json" | tail -n 1
  for impl in "${impls[@]}"; do
    local args=("$config" --batch "$batch" --steps "$n" --warmup "$w" --bc-impl "$impl")
    "$python" bench/torch_net.py "${args[@]}" --threads "$threads" --json "$out_dir/torch-$impl-2t_${name}_r$r.json"
    "$python" bench/torch_net.py "${args[@]}" --threads 1 --json "$out_dir/torch-$impl-1t_${name}_r$r.json"
    OPENBLAS_NUM_THREADS=1 "$python" bench/torch_net.py "${args[@]}" --threads "$threads" \
      --json "$out_dir/torch-$impl-ob1_${name}_r$r.json"
  done
}
for round in $(seq "$rounds"); do
  for name in "${mlp_configs[@]}"; do run_config "$name" "$steps" 20 "$round"; done
done
for round in $(seq "$cnn_rounds"); do
  for name in "${cnn_configs[@]}"; do run_config "$name" "$cnn_steps" 3 "$round"; done
done

echo
echo "== summary"
"$python" - "$out_dir" "$rounds" "$cnn_rounds" "${mlp_configs[@]}" "${cnn_configs[@]}" <<'EOF'
import glob, json, sys
out_dir, rounds, cnn_rounds, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

layers = json.load(open(f"{out_dir}/layers.json"))
print(f"bc_dense vs dense, batch {layers['batch']}, {layers['threads']} threads (ratio = dense time / bc time):")
print(f"{'n':>6} {'k':>5} {'forward':>9} {'fwd+bwd':>9}")
for r in layers["results"]:
    print(f"{r['n']:6d} {r['k']:5d} {r['forward_speedup']:8.1f}x {r['forward_backward_speedup']:8.1f}x")
for r in layers["results"]:
    if (r["n"], r["k"]) == (4096, 64):
        verdict = "met" if r["forward_backward_speedup"] >= 8 else "NOT met"
        print(f"target fwd+bwd at n=4096, k=64 >= 8x: {r['forward_backward_speedup']:.1f}x ({verdict})")

conv = json.load(open(f"{out_dir}/conv.json"))
print()
print(f"bc_conv2d vs conv2d, 3x3 same, batch {conv['batch']}, {conv['threads']} threads (ratio = conv2d time / bc time):")
print(f"{'C':>5} {'S':>4} {'k':>4} {'forward':>9} {'fwd+bwd':>9}")
for r in conv["results"]:
    print(f"{r['channels']:5d} {r['size']:4d} {r['k']:4d} {r['forward_speedup']:8.1f}x {r['forward_backward_speedup']:8.1f}x")
for r in conv["results"]:
    if (r["channels"], r["size"], r["k"]) == (256, 16, 16):
        verdict = "met" if r["forward_backward_speedup"] >= 4 else "NOT met"
        print(f"target fwd+bwd at 256->256, 16x16, k=16 >= 4x: {r['forward_backward_speedup']:.1f}x ({verdict})")

def images_per_s(result, how):
    return result["images_per_s"] if how == "wall" else result["batch"] * 1e3 / result["median_step_ms"]

def best(prefix, name, how):
    """The best round of one variant (images/s), or None when it did not run."""
    values = [images_per_s(json.load(open(path)), how)
              for path in sorted(glob.glob(f"{out_dir}/{prefix}_{name}_r*.json"))]
    return max(values) if values else None

variants = [f"torch-{impl}-{way}" for impl in ("fft", "dense") for way in ("2t", "1t", "ob1")]
targets = {"mnist_mlp_bc": 5, "cifar10_cnn_bc": 3}
for how, meaning in (("wall", "images over the wall time of all timed steps"),
                     ("median", "batch / median step time")):
    print()
    print(f"training throughput, images/s by {how} ({meaning}), best of {rounds} (MLP) or {cnn_rounds} (CNN) "
          "rounds; ratio = bcnn / PyTorch")
    print("PyTorch variants: bc layers by fft or by dense weight; 2t = 2 threads, 1t = 1 thread, "
          "ob1 = 2 threads with OPENBLAS_NUM_THREADS=1")
    print(f"{'config':<18} {'bcnn':>8} " + " ".join(f"{v[6:]:>10}" for v in variants) + f" {'best':>8} {'ratio':>6}")
    for name in names:
        ours = best("bcnn", name, how)
        theirs = [best(v, name, how) for v in variants]
        if ours is None or not any(theirs):
            print(f"{name:<18} not run (ROUNDS or CNN_ROUNDS is 0)")
            continue
        fastest = max(v for v in theirs if v)
        cells = " ".join(f"{v:10.0f}" if v else f"{'-':>10}" for v in theirs)
        print(f"{name:<18} {ours:8.0f} {cells} {fastest:8.0f} {ours / fastest:5.2f}x")
        if name in targets:
            verdict = "met" if ours / fastest >= targets[name] else "NOT met"
            print(f"{'':<18} target bcnn >= {targets[name]}x PyTorch (fastest variant): {verdict}")
EOF
