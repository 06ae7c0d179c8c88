#!/usr/bin/env bash
# Builds the Debian package of bcnn (cmake/package.cmake, docs/install.md) and prints its path.
# Usage: scripts/package.sh [BUILD_DIR [OUT_DIR]]   (defaults: build, and OUT_DIR = BUILD_DIR)
# BUILD_DIR is configured (Release) when it is not yet, and brought up to date. Its Depends come
# from dpkg-shlibdeps (dpkg-dev, which build-essential brings).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
out_dir=${2:-$build_dir}

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt"; }
if [ -n "$(cache_value BCNN_SANITIZE)" ] || [ "$(cache_value BCNN_FUZZ)" = ON ]; then
  echo "package: $build_dir is a sanitizer or fuzzing build; package a Release build" >&2
  exit 1
fi
if [ "$(cache_value BCNN_NATIVE)" = ON ]; then
  echo "package: $build_dir is built with -march=native (BCNN_NATIVE): the package runs on this" \
    "machine's kind of CPU only; for others package a build configured with -DBCNN_NATIVE=OFF" >&2
fi

cmake --build "$build_dir" -j"$(nproc)" >/dev/null
# cpack stages the files in BUILD_DIR/_CPack_Packages and says
# "CPack: - package: /path/bcnn_0.1.0_amd64.deb generated."
log=$(cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$(realpath "$build_dir")" 2>&1) ||
  { echo "$log" >&2; exit 1; }
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' <<<"$log")
[ -f "$deb" ] || { echo "$log" >&2; echo "package: cpack wrote no .deb" >&2; exit 1; }
mkdir -p "$out_dir"
if [ "$(realpath "$out_dir")" != "$(dirname "$deb")" ]; then
  mv -f "$deb" "$out_dir/"
  deb=$(realpath "$out_dir/$(basename "$deb")")
fi
echo "$deb"
