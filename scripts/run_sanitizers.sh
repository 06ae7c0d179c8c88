#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer):
# installs the dependencies, builds into build-asan/ (-O1 with debug info, no benchmarks) and runs
# every CTest test. A finding ends the process that hit it with a report, which fails its test; the
# tools the end-to-end tests start are sanitized builds too.
# Usage: scripts/run_sanitizers.sh [extra ctest arguments, e.g. -R idx]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh --no-build

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DBCNN_SANITIZE=address,undefined -DBCNN_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-asan -j"$(nproc)"

# halt_on_error: the first report ends the process (UBSan's too: the build adds
# -fno-sanitize-recover). Leaks are reported; tests/sanitizers/lsan.supp names the leaks inside
# uninstrumented libraries that bcnn cannot free, and why.
# allocator_may_return_null: a request that cannot be met returns null as glibc's malloc does; HDF5
# asks for impossible sizes on some corrupt files (tests/fuzz/regressions/model_file/) and checks.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
ASAN_OPTIONS+=":allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
start=$(date +%s)
status=0
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" "$@" || status=$?
echo "run_sanitizers: ctest finished in $(( $(date +%s) - start )) s with status $status"
exit $status
