#!/usr/bin/env bash
# Runs every benchmark against the Release build made by scripts/setup.sh (this script builds
# nothing) and summarizes bcnn against its baselines: the dense layer, and PyTorch on the same
# network configs. Results go to OUT_DIR as JSON, one file per run.
#
# Usage: bench/run_benchmarks.sh [OUT_DIR]            (default OUT_DIR: build/bench-results)
# Environment: BUILD_DIR (build), CONFIG_DIR (configs), PYTHON (/usr/bin/python3, needs torch),
#              THREADS (2), BATCH (128), STEPS (200)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
config_dir=${CONFIG_DIR:-configs}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
batch=${BATCH:-128}
steps=${STEPS:-200}
out_dir=${1:-$build_dir/bench-results}
configs=(mnist_mlp_dense mnist_mlp_bc mnist_mlp_bc16)

fail() { echo "run_benchmarks: $*" >&2; exit 1; }

for tool in bench_layers bench_train; do
  [ -x "$build_dir/bench/$tool" ] || fail "$build_dir/bench/$tool not found: build first (scripts/setup.sh)"
done
for name in "${configs[@]}"; do
  [ -f "$config_dir/$name.json" ] || fail "$config_dir/$name.json not found (set CONFIG_DIR to the configs' folder)"
done
"$python" -c "import torch" 2>/dev/null || fail "$python cannot import torch (apt-get install python3-torch)"
mkdir -p "$out_dir"
# Results of an earlier run must not mix into this run's summary.
rm -f "$out_dir"/layers.json "$out_dir"/bcnn_*.json "$out_dir"/torch_*.json "$out_dir"/torch1_*.json

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
echo "== 2+3. training throughput: bench_train (bcnn), then bench/torch_mlp.py (PyTorch), per config"
# Each config's runs go back to back so that they see the same machine conditions. PyTorch runs
# twice: with the same thread count as bcnn, and with one intra-op thread, because on two cores
# its OpenMP threads compete with OpenBLAS's own threads and one thread is often faster; the
# summary compares against the faster of the two as well.
"$python" bench/torch_mlp.py --check >"$out_dir/torch_check.txt" ||
  fail "bench/torch_mlp.py --check failed: BlockCirculantLinear disagrees with its dense matrix (see $out_dir/torch_check.txt)"
echo "BlockCirculantLinear self-check against the explicit dense matrix: ok"
for name in "${configs[@]}"; do
  "$build_dir/bench/bench_train" "$config_dir/$name.json" --threads "$threads" --batch "$batch" \
    --steps "$steps" --json "$out_dir/bcnn_$name.json" | tail -n 1
  "$python" bench/torch_mlp.py "$config_dir/$name.json" --threads "$threads" --batch "$batch" \
    --steps "$steps" --json "$out_dir/torch_$name.json"
  if [ "$threads" != 1 ]; then
    "$python" bench/torch_mlp.py "$config_dir/$name.json" --threads 1 --batch "$batch" \
      --steps "$steps" --json "$out_dir/torch1_$name.json"
  fi
done

echo
echo "== summary"
"$python" - "$out_dir" "${configs[@]}" <<'EOF'
import json, sys
out_dir, names = sys.argv[1], sys.argv[2:]
layers = json.load(open(f"{out_dir}/layers.json"))
print(f"bc_dense vs dense, batch {layers['batch']}, {layers['threads']} threads (ratio = dense time / bc time):")
print(f"{'n':>6} {'k':>5} {'forward':>9} {'fwd+bwd':>9}")
for r in layers["results"]:
    print(f"{r['n']:6d} {r['k']:5d} {r['forward_speedup']:8.1f}x {r['forward_backward_speedup']:8.1f}x")
for r in layers["results"]:
    if (r["n"], r["k"]) == (4096, 64):
        verdict = "met" if r["forward_backward_speedup"] >= 8 else "NOT met"
        print(f"target fwd+bwd at n=4096, k=64 >= 8x: {r['forward_backward_speedup']:.1f}x ({verdict})")

def images_per_s(result, how):
    return result["images_per_s"] if how == "wall" else result["batch"] * 1e3 / result["median_step_ms"]

def load(path):
    try:
        return json.load(open(path))
    except FileNotFoundError:
        return None

for how, meaning in (("wall", "images over the wall time of all timed steps"),
                     ("median", "batch / median step time, robust to interruptions by other processes")):
    print()
    print(f"training throughput, images/s by {how} ({meaning}); ratio = bcnn / PyTorch")
    print(f"{'config':<18} {'bcnn':>9} {'torch':>9} {'ratio':>7} {'torch 1t':>9} {'ratio':>7} {'vs best':>8}")
    for name in names:
        ours = images_per_s(load(f"{out_dir}/bcnn_{name}.json"), how)
        theirs = images_per_s(load(f"{out_dir}/torch_{name}.json"), how)
        one = load(f"{out_dir}/torch1_{name}.json")
        one = images_per_s(one, how) if one else float("nan")
        best = max(theirs, one) if one == one else theirs
        print(f"{name:<18} {ours:9.0f} {theirs:9.0f} {ours / theirs:6.2f}x {one:9.0f} {ours / one:6.2f}x "
              f"{ours / best:7.2f}x")
        if name == "mnist_mlp_bc":
            verdict = "met" if ours / best >= 5 else "NOT met"
            print(f"{'':<18} target bcnn >= 5x PyTorch (best of its thread settings): {verdict}")
EOF
