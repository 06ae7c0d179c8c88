#!/usr/bin/env bash
# Data-parallel training measured on this machine (docs/distributed.md). For each config, three
# runs of the same training: one process with 2 threads (the baseline), one process with 2 shards
# of 1 thread (train.shards), and `mpirun -np 2` with 1 thread per rank. Prints images/s (median
# over the epochs) and its ratio to the baseline, the communication per step of the MPI run (all of
# it, and what the steps waited for) against its step time, the test accuracy of each last.h5, and
# whether the MPI run's model has the bits of the 2-shard run's (every dataset of the model file).
#
# Usage: bench/mpi_scaling.sh [--epochs N] [--data DIR] [--out DIR] CONFIG...
# Needs the Release build with Open MPI (scripts/setup.sh) and the data (datasets/fetch_mnist.sh).
# Environment: BUILD_DIR (build), PYTHON (/usr/bin/python3, with h5py), MPI_BTL (tcp: TCP over
# loopback instead of shared memory).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
python=${PYTHON:-/usr/bin/python3}
epochs=()
data=()
out=build/mpi-scaling
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=(--epochs "$2"); shift 2 ;;
    --data) data=(--data "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    -*) echo "mpi_scaling: unknown option $1" >&2; exit 2 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || { echo "usage: bench/mpi_scaling.sh [--epochs N] [--data DIR] [--out DIR] CONFIG..." >&2; exit 2; }
train=$build_dir/apps/bcnn-train
command -v mpirun >/dev/null || { echo "mpi_scaling: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
# Open MPI's own choice of transport: shared memory between the ranks of one machine. MPI_BTL=tcp
# measures TCP over loopback instead (as the tests run).
mpirun_args=(--oversubscribe --bind-to none)
[ "${MPI_BTL:-}" = tcp ] && mpirun_args+=(--mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
[ "$(id -u)" -eq 0 ] && mpirun_args=(--allow-run-as-root "${mpirun_args[@]}")

mkdir -p "$out"
for config in "${configs[@]}"; do
  name=$(basename "$config" .json)
  dir=$out/$name
  rm -rf "$dir"
  mkdir -p "$dir"
  "$python" - "$config" "$dir/shards2.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["train"]["shards"] = 2
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
  echo "mpi_scaling: $name: 1 process x 2 threads" >&2
  "$train" "$config" "${epochs[@]}" "${data[@]}" --threads 2 --out "$dir/threads2" --quiet
  echo "mpi_scaling: $name: 1 process, 2 shards x 1 thread" >&2
  "$train" "$dir/shards2.json" "${epochs[@]}" "${data[@]}" --threads 2 --out "$dir/shards2" --quiet
  echo "mpi_scaling: $name: mpirun -np 2 x 1 thread" >&2
  mpirun "${mpirun_args[@]}" -np 2 "$train" "$config" "${epochs[@]}" "${data[@]}" --threads 1 --out "$dir/np2" --quiet
done

"$python" - "$out" "${configs[@]}" <<'EOF'
import json, os, statistics, sys
import h5py, numpy as np

out, configs = sys.argv[1], sys.argv[2:]

def rows(run):
    return [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl")) if l.strip()]

def test_accuracy(run):
    with h5py.File(os.path.join(run, "last.h5"), "r") as f:
        for key in ("training", "training_summary"):
            if key in f.attrs:
                return json.loads(f.attrs[key]).get("test_accuracy")
    return None

def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: found.__setitem__(n, np.array(o)) if isinstance(o, h5py.Dataset) else None)
    return found

def same_bits(a, b):
    da, db = datasets(a), datasets(b)
    return da.keys() == db.keys() and all(da[k].tobytes() == db[k].tobytes() for k in da)

print("| config | run | images/s (median epoch) | vs 1 process x 2 threads | step ms | communication ms/step (waited) | test accuracy (last.h5) |")
print("|---|---|---|---|---|---|---|")
for config in configs:
    name = os.path.splitext(os.path.basename(config))[0]
    base = None
    for run, label in (("threads2", "1 process x 2 threads"), ("shards2", "1 process, 2 shards x 1 thread"),
                       ("np2", "mpirun -np 2 x 1 thread")):
        r = rows(os.path.join(out, name, run))
        speed = statistics.median(x["images_per_s"] for x in r)
        base = base or speed
        steps = [x["step"] - (r[i - 1]["step"] if i else 0) for i, x in enumerate(r)]
        step_ms = statistics.median(1e3 * x["seconds"] / s for x, s in zip(r, steps))
        comm = "-"
        if "communication_seconds" in r[0]:
            total = statistics.median(1e3 * x["communication_seconds"] / s for x, s in zip(r, steps))
            waited = statistics.median(1e3 * x["communication_wait_seconds"] / s for x, s in zip(r, steps))
            comm = f"{total:.2f} ({waited:.2f})"
        acc = test_accuracy(os.path.join(out, name, run))
        acc_text = f"{100 * acc:.2f}%" if acc is not None else "-"
        print(f"| {name} | {label} | {speed:,.0f} | {speed / base:.2f}x | {step_ms:.2f} | {comm} | {acc_text} |")
    identical = same_bits(os.path.join(out, name, "np2", "last.h5"), os.path.join(out, name, "shards2", "last.h5"))
    print(f"| {name} | np 2 and 2 shards: every dataset of last.h5 bit-identical | {'yes' if identical else 'NO'} | | | | |")
EOF
