#!/usr/bin/env bash
# Runs every benchmark against the Release build made by scripts/setup.sh (this script builds
# nothing) and summarizes bcnn against its baselines: the dense layer, and PyTorch on the same
# network configs. Results go to OUT_DIR as JSON, one file per run.
#
# Usage: bench/run_benchmarks.sh [OUT_DIR]            (default OUT_DIR: build/bench-results)
# Environment: BUILD_DIR (build), CONFIG_DIR (configs), PYTHON (/usr/bin/python3, needs torch),
#              THREADS (2), BATCH (128), STEPS (200), ROUNDS (3)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
config_dir=${CONFIG_DIR:-configs}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
batch=${BATCH:-128}
steps=${STEPS:-200}
rounds=${ROUNDS:-3}
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
rm -f "$out_dir"/layers.json "$out_dir"/bcnn_*.json "$out_dir"/torch*_*.json

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
# Each config's runs go back to back so that they see the same machine conditions, and the whole
# sequence runs ROUNDS times; every variant is summarized by its best round, because the host of
# these machines has slow phases that last seconds and would otherwise hit one side only.
# PyTorch runs three ways: 2 intra-op threads as Debian ships it (its OpenBLAS starts 2 threads of
# its own per matrix product, oversubscribing the 2 cores), 1 intra-op thread, and 2 intra-op threads
# with OPENBLAS_NUM_THREADS=1 (no oversubscription). The verdict compares with the fastest.
"$python" bench/torch_mlp.py --check >"$out_dir/torch_check.txt" ||
  fail "bench/torch_mlp.py --check failed: BlockCirculantLinear disagrees with its dense matrix (see $out_dir/torch_check.txt)"
echo "BlockCirculantLinear self-check against the explicit dense matrix: ok"
for round in $(seq "$rounds"); do
  for name in "${configs[@]}"; do
    "$build_dir/bench/bench_train" "$config_dir/$name.json" --threads "$threads" --batch "$batch" \
      --steps "$steps" --json "$out_dir/bcnn_${name}_r$round.json" | tail -n 1
    "$python" bench/torch_mlp.py "$config_dir/$name.json" --threads "$threads" --batch "$batch" \
      --steps "$steps" --json "$out_dir/torch_${name}_r$round.json"
    "$python" bench/torch_mlp.py "$config_dir/$name.json" --threads 1 --batch "$batch" \
      --steps "$steps" --json "$out_dir/torch1_${name}_r$round.json"
    OPENBLAS_NUM_THREADS=1 "$python" bench/torch_mlp.py "$config_dir/$name.json" --threads "$threads" \
      --batch "$batch" --steps "$steps" --json "$out_dir/torchob1_${name}_r$round.json"
  done
done

echo
echo "== summary"
"$python" - "$out_dir" "$rounds" "${configs[@]}" <<'EOF'
import glob, json, sys
out_dir, rounds, names = sys.argv[1], sys.argv[2], sys.argv[3:]
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

def best(prefix, name, how):
    """The best round of one variant (images/s), or None when it did not run."""
    values = []
    for path in sorted(glob.glob(f"{out_dir}/{prefix}_{name}_r*.json")):
        values.append(images_per_s(json.load(open(path)), how))
    return max(values) if values else None

for how, meaning in (("wall", "images over the wall time of all timed steps"),
                     ("median", "batch / median step time")):
    print()
    print(f"training throughput, images/s by {how} ({meaning}), best of {rounds} rounds; ratio = bcnn / PyTorch")
    print(f"{'config':<18} {'bcnn':>8} {'torch 2t':>9} {'ratio':>6} {'torch 1t':>9} {'ratio':>6} "
          f"{'2t+ob1':>8} {'ratio':>6} {'vs best':>8}")
    for name in names:
        ours = best("bcnn", name, how)
        variants = [best(p, name, how) for p in ("torch", "torch1", "torchob1")]
        fastest = max(v for v in variants if v)
        cells = "".join(f" {v:9.0f} {ours / v:5.2f}x" for v in variants)
        print(f"{name:<18} {ours:8.0f}{cells} {ours / fastest:7.2f}x")
        if name == "mnist_mlp_bc":
            verdict = "met" if ours / fastest >= 5 else "NOT met"
            print(f"{'':<18} target bcnn >= 5x PyTorch (fastest of its three settings): {verdict}")
EOF
