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
#              keep: OPENBLAS_CORETYPE as it is);
#              for the under-load group (4): LOAD_ROUNDS (2; 0 skips it), LOAD_STEPS (200) for the MLP,
#              LOAD_CNN_STEPS (10) for the CNN, LOAD_CONFIGS ("mnist_mlp_bc cifar10_cnn_bc"),
#              UNDER_LOAD_ONLY (1: run group 4 alone; an estimated 4 minutes on a quiet machine, 14.6
#              minutes for one round on a loaded one)
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
load_rounds=${LOAD_ROUNDS:-2}
load_steps=${LOAD_STEPS:-200}
load_cnn_steps=${LOAD_CNN_STEPS:-10}
read -r -a load_configs <<<"${LOAD_CONFIGS:-mnist_mlp_bc cifar10_cnn_bc}"
under_load_only=${UNDER_LOAD_ONLY:-0}
out_dir=${1:-$build_dir/bench-results}
mlp_configs=(mnist_mlp_dense mnist_mlp_bc mnist_mlp_bc16)
cnn_configs=(cifar10_cnn_dense cifar10_cnn_bc)

fail() { echo "run_benchmarks: $*" >&2; exit 1; }

for tool in bench_layers bench_conv bench_train; do
  [ -x "$build_dir/bench/$tool" ] || fail "$build_dir/bench/$tool not found: build first (scripts/setup.sh)"
done
for name in "${mlp_configs[@]}" "${cnn_configs[@]}" "${load_configs[@]}"; do
  [ -f "$config_dir/$name.json" ] || fail "$config_dir/$name.json not found (set CONFIG_DIR to the configs' folder)"
done
"$python" -c "import torch" 2>/dev/null || fail "$python cannot import torch (apt-get install python3-torch)"
mkdir -p "$out_dir"
# Results of an earlier run must not mix into this run's summary.
rm -f "$out_dir"/layers.json "$out_dir"/conv.json "$out_dir"/bcnn_*.json "$out_dir"/torch*_*.json "$out_dir"/load_*.json

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

if [ "$under_load_only" != 1 ]; then
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
fi  # UNDER_LOAD_ONLY

[ "$load_rounds" -gt 0 ] || exit 0
echo
echo "== 4. under load: one busy process beside bcnn and beside PyTorch, and the same runs on the quiet machine"
# Users share machines: one process spinning on one core (a Python busy loop) runs beside each
# training program. bcnn runs three ways: its default (the thread count follows the load,
# core/threads.h), the behaviour before that (BCNN_ADAPTIVE_THREADS=0: a fixed THREADS threads), and
# one thread. PyTorch runs its two fastest ways on these networks: 1 intra-op thread, and THREADS
# intra-op threads with OPENBLAS_NUM_THREADS=1; the bc layers by FFT for the MLP and by their
# dense weight for the CNN (its faster form there, see group 3). Every condition and variant runs
# back to back, LOAD_ROUNDS times, and the summary takes each variant's best round.
busy_pid=
stop_busy() {
  if [ -n "$busy_pid" ]; then
    kill "$busy_pid" 2>/dev/null || true
    wait "$busy_pid" 2>/dev/null || true
    busy_pid=
  fi
}
trap stop_busy EXIT
run_load_variants() {  # name steps warmup condition round
  local name=$1 n=$2 w=$3 cond=$4 r=$5 config="$config_dir/$1.json" impl=fft
  grep -q '"bc_conv2d"' "$config" && impl=dense
  local common=(--batch "$batch" --steps "$n" --warmup "$w") tag="${cond}_${name}_r$r"
  "$build_dir/bench/bench_train" "$config" --threads "$threads" "${common[@]}" \
    --json "$out_dir/load_bcnn-adaptive_$tag.json" | tail -n 1
  BCNN_ADAPTIVE_THREADS=0 "$build_dir/bench/bench_train" "$config" --threads "$threads" "${common[@]}" \
    --json "$out_dir/load_bcnn-fixed_$tag.json" | tail -n 1
  "$build_dir/bench/bench_train" "$config" --threads 1 "${common[@]}" \
    --json "$out_dir/load_bcnn-1t_$tag.json" | tail -n 1
  "$python" bench/torch_net.py "$config" "${common[@]}" --bc-impl "$impl" --threads 1 \
    --json "$out_dir/load_torch-1t_$tag.json"
  OPENBLAS_NUM_THREADS=1 "$python" bench/torch_net.py "$config" "${common[@]}" --bc-impl "$impl" --threads "$threads" \
    --json "$out_dir/load_torch-ob1_$tag.json"
}
for round in $(seq "$load_rounds"); do
  for name in "${load_configs[@]}"; do
    steps_here=$load_steps warmup_here=20
    if grep -q '"conv2d"\|"bc_conv2d"' "$config_dir/$name.json"; then steps_here=$load_cnn_steps warmup_here=3; fi
    echo "-- round $round, $name, quiet"
    run_load_variants "$name" "$steps_here" "$warmup_here" quiet "$round"
    echo "-- round $round, $name, beside one busy process"
    "$python" -c 'while True: pass' &
    busy_pid=$!
    sleep 0.5
    run_load_variants "$name" "$steps_here" "$warmup_here" loaded "$round"
    stop_busy
  done
done

echo
echo "== under-load summary"
"$python" - "$out_dir" "$load_rounds" "${load_configs[@]}" <<'EOF'
import glob, json, sys
out_dir, rounds, names = sys.argv[1], sys.argv[2], sys.argv[3:]

def best(variant, cond, name):
    runs = [json.load(open(p)) for p in sorted(glob.glob(f"{out_dir}/load_{variant}_{cond}_{name}_r*.json"))]
    return max(r["images_per_s"] for r in runs) if runs else None

variants = ["bcnn-adaptive", "bcnn-fixed", "bcnn-1t", "torch-1t", "torch-ob1"]
print(f"training images/s (wall), best of {rounds} rounds; bcnn-adaptive = the default (threads follow the load), "
      "bcnn-fixed = the behaviour before (BCNN_ADAPTIVE_THREADS=0), 1t = one thread, "
      "torch-ob1 = PyTorch, 2 threads with OPENBLAS_NUM_THREADS=1")
print(f"{'config':<16} {'condition':<9} " + " ".join(f"{v:>13}" for v in variants) +
      f" {'adapt/1t':>8} {'adapt/fixed':>11} {'adapt/torch':>11}")
summary = []
for name in names:
    for cond in ("quiet", "loaded"):
        v = {k: best(k, cond, name) for k in variants}
        if any(x is None for x in v.values()):
            continue
        torch_best = max(v["torch-1t"], v["torch-ob1"])
        row = {"config": name, "condition": cond, "images_per_s": v,
               "adaptive_over_1t": v["bcnn-adaptive"] / v["bcnn-1t"],
               "adaptive_over_fixed": v["bcnn-adaptive"] / v["bcnn-fixed"],
               "adaptive_over_torch": v["bcnn-adaptive"] / torch_best}
        summary.append(row)
        print(f"{name:<16} {cond:<9} " + " ".join(f"{v[k]:13.0f}" for k in variants) +
              f" {row['adaptive_over_1t']:7.2f}x {row['adaptive_over_fixed']:10.2f}x"
              f" {row['adaptive_over_torch']:10.2f}x")

def verdict(ratio, target):
    return "met" if ratio >= target else ("within 5%, the noise of a round" if ratio >= 0.95 * target else "NOT met")

for row in summary:
    name = row["config"]
    if row["condition"] == "loaded":
        a, t = row["adaptive_over_1t"], row["adaptive_over_torch"]
        print(f"{name}: beside a busy process, default threads >= --threads 1: {a:.2f}x ({verdict(a, 1)}); "
              f">= 3x PyTorch: {t:.2f}x ({verdict(t, 3)})")
    else:
        f = row["adaptive_over_fixed"]
        print(f"{name}: quiet, default threads against the fixed threads of before: {f:.2f}x ({verdict(f, 1)})")
with open(f"{out_dir}/load_summary.json", "w") as out:
    json.dump(summary, out, indent=2)
EOF
