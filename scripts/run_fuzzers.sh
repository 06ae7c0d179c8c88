#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/, clang + AddressSanitizer + UndefinedBehaviorSanitizer)
# into build-fuzz/, seeds their corpora with small valid inputs and fuzzes each harness in turn.
# Usage: scripts/run_fuzzers.sh [SECONDS] [-runs=N] [-LIBFUZZER_OPTION=VALUE ...] [HARNESS ...]
#   SECONDS  time per harness (default 60 when no limit is given); -runs=N: at most N executions per
#            harness; both together: whichever comes first; other -options go to libFuzzer as they are
#   HARNESS  idx, cifar, network_json, model_file (default: all four)
# Every crashing input is written to tests/fuzz/regressions/<harness>/, where the normal suite's
# "fuzz regressions" test replays it through the same entry function: commit it with its fix.
# Corpora grow in build-fuzz/corpus/<harness>/ and are reused by the next run; logs go to
# build-fuzz/logs/. Exit status 1 when any harness found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

limit=()
while [ $# -gt 0 ]; do
  case "$1" in
    -*) limit+=("$1"); shift ;;
    ''|*[!0-9]*) break ;;
    *) limit+=(-max_total_time="$1"); shift ;;
  esac
done
((${#limit[@]})) || limit=(-max_total_time=60)
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(idx cifar network_json model_file)

scripts/setup.sh --no-build
# shellcheck source=scripts/apt_packages.sh
source scripts/apt_packages.sh
install_missing run_fuzzers clang-14 libclang-rt-14-dev

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DBCNN_FUZZ=ON -DBCNN_SANITIZE=address,undefined \
  -DBCNN_BUILD_TESTS=OFF -DBCNN_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
targets=(fuzz_seeds)
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

# Seeds: small valid files written by the library's own writers, and every shipped config.
seeds=build-fuzz/seeds
rm -rf "$seeds"
build-fuzz/tests/fuzz/fuzz_seeds "$seeds"
mkdir -p "$seeds/network_json"
cp configs/*.json "$seeds/network_json/"

mkdir -p build-fuzz/logs
# allocator_may_return_null: a request that cannot be met returns null, as glibc's malloc does
# outside the sanitizer; HDF5 checks for it, and C++'s new throws std::bad_alloc, which the
# harness reports as a finding (it is not a bcnn::Error).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
failed=()
printf '%-14s %12s %10s %8s %8s %s\n' harness executions exec/s cov ft result
for h in "${harnesses[@]}"; do
  corpus=build-fuzz/corpus/$h
  regressions=tests/fuzz/regressions/$h
  mkdir -p "$corpus" "$regressions"
  log=build-fuzz/logs/$h.log
  # Inputs a little larger than the largest seed. Longer kept regression inputs are read cut to the
  # limit here; the normal suite's test replays them whole.
  case $h in
    idx) max_len=4096 ;; cifar) max_len=8192 ;; network_json) max_len=4096 ;; model_file) max_len=32768 ;;
  esac
  status=0
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: 2 GB is far beyond any seed's need.
  "build-fuzz/tests/fuzz/fuzz_$h" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -max_len=$max_len \
    -artifact_prefix="$regressions/" "$corpus" "$seeds/$h" "$regressions" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  # -fork=N prints no final stats; its progress lines read "#N: cov: C ft: F ... exec/s E ...".
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
  [ -n "$rate" ] || rate=$(sed -n 's/.* exec\/s \([0-9]*\).*/\1/p' <<<"$last")
  crashes=$(sed -n 's/.*oom\/timeout\/crash: \([0-9/]*\).*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  if [ -n "$crashes" ] && [ "$crashes" != "0/0/0" ]; then
    result="FOUND oom/timeout/crash $crashes (-fork): see $log; inputs kept in $regressions/"
    failed+=("$h")
  elif [ "$status" -ne 0 ]; then
    result="FOUND A CRASH (status $status): see $log; input kept in $regressions/"
    failed+=("$h")
  fi
  printf '%-14s %12s %10s %8s %8s %s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
if ((${#failed[@]})); then
  echo "run_fuzzers: crashes in ${failed[*]}"
  exit 1
fi
