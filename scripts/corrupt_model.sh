#!/usr/bin/env bash
# Damages one byte of a model file at a time and classifies what bcnn-eval does with each copy:
#   same     exit 0, logits byte-identical to the undamaged model's
#   error    exit 1 with a "bcnn-eval: error:" message
#   crash    killed by a signal or exit 134/139
#   hang     still running after the time limit
#   silent   exit 0 with other logits
#   other    any other exit status
# Positions are deterministic: a quarter spread over the first 4 KiB (superblock, root object
# header with the configuration and the other attributes), the rest spread over the whole file;
# the byte is XORed with a value cycling through 1..255.
#
# usage: scripts/corrupt_model.sh MODEL DATA_DIR [COUNT=1000] [TIMEOUT_S=60]
# env:   BCNN_EVAL (default build/apps/bcnn-eval), WORK (default a fresh temporary directory)
# Prints one line per damaged byte that was not "same" or "error", then the counts; exits 1 when
# any crash, hang, silent change or other status was seen.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
model=$1
data=$2
count=${3:-1000}
limit=${4:-60}
eval_exe=${BCNN_EVAL:-build/apps/bcnn-eval}
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/corrupt_model.XXXXXX")}
mkdir -p "$work"
eval_args=(--data "$data" --threads 1 --latency-samples 0)

"$eval_exe" "$model" "${eval_args[@]}" --logits "$work/reference.npy" > /dev/null 2> "$work/reference.err" || {
  echo "corrupt_model: the undamaged model does not evaluate:" >&2
  cat "$work/reference.err" >&2
  exit 1
}

size=$(stat -c %s "$model")
head_span=$((size < 4096 ? size : 4096))
head_count=$((count / 4))
declare -A seen=([same]=0 [error]=0 [crash]=0 [hang]=0 [silent]=0 [other]=0)
damaged="$work/damaged.h5"
for ((i = 0; i < count; i++)); do
  if ((i < head_count)); then
    pos=$((i * head_span / head_count))
  else
    pos=$(((i - head_count) * size / (count - head_count)))
  fi
  value=$((1 + i % 255))
  cp "$model" "$damaged"
  old=$(od -An -tu1 -j "$pos" -N1 "$model" | tr -d ' ')
  printf "$(printf '\\%03o' $((old ^ value)))" | dd of="$damaged" bs=1 seek="$pos" count=1 conv=notrunc status=none
  rm -f "$work/out.npy"
  set +e
  timeout -s KILL "$limit" "$eval_exe" "$damaged" "${eval_args[@]}" --logits "$work/out.npy" \
    > /dev/null 2> "$work/err"
  status=$?
  set -e
  if ((status == 0)); then
    if cmp -s "$work/out.npy" "$work/reference.npy"; then kind=same; else kind=silent; fi
  elif ((status == 1)) && grep -q '^bcnn-eval: error: ' "$work/err"; then
    kind=error
  elif ((status == 137)); then
    kind=hang
  elif ((status > 128 || status == 134 || status == 139)); then
    kind=crash
  else
    kind=other
  fi
  seen[$kind]=$((${seen[$kind]} + 1))
  if [[ $kind != same && $kind != error ]]; then
    echo "offset $pos xor $value: $kind (status $status): $(head -c 300 "$work/err")"
  fi
done
echo "corrupt_model: $count damaged copies of $model ($size bytes): same ${seen[same]}, clear error ${seen[error]}," \
  "crash ${seen[crash]}, hang ${seen[hang]}, silent change ${seen[silent]}, other ${seen[other]}"
[[ -z ${WORK:-} ]] && rm -rf "$work"
((seen[crash] + seen[hang] + seen[silent] + seen[other] == 0))
