#!/usr/bin/env bash
# CI (.ci/run, after the main command): builds the Debian package from build/, installs it with
# apt-get (which brings its Depends and Recommends), runs the README's example with the installed
# tools (bcnn-train for one epoch, bcnn-eval --fixed, bcnn-compile) from a temporary directory with
# only the system's directories on PATH, and removes the package again, also when a step fails.
# Needs root (or password-less sudo) to install; otherwise it only builds the package.
# Usage: scripts/check_package.sh [MNIST_DIR [BUILD_DIR]]
#   (defaults: datasets/mnist, which the main command fetches, and build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mnist=$(realpath "${1:-datasets/mnist}")
build_dir=${2:-build}

die() {
  echo "check_package: $*" >&2
  exit 1
}

deb=$(scripts/package.sh "$build_dir")
echo "check_package: built $deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb --field "$deb" Depends Recommends

installed() { dpkg-query -W -f='${Status}' bcnn 2>/dev/null | grep -q "install ok installed"; }
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "check_package: not root and no password-less sudo: the package is not installed and run"
    exit 0
  fi
  sudo_cmd=(sudo -n)
fi
installed && die "a bcnn package is installed already; remove it first (apt-get remove bcnn)"

work=$(mktemp -d "${TMPDIR:-/tmp}/bcnn-check-package-XXXXXX")
# The build tree moves aside while the installed tools run, so that nothing of it can be used.
build_abs=$(realpath "$build_dir")
aside="$build_abs.aside-$$"
cleanup() {
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq bcnn >/dev/null || true
  rm -rf "$work"
  if [ -d "$aside" ]; then mv "$aside" "$build_abs"; fi
}
trap cleanup EXIT
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null

# The installed tools only: no build tree (moved aside), nothing of it on PATH, and a working
# directory outside the repository.
mv "$build_abs" "$aside"
export PATH=/usr/local/bin:/usr/bin:/bin
cd "$work"
for tool in bcnn-train bcnn-eval bcnn-compile; do
  found=$(command -v "$tool") || found=nothing
  [ "$found" = "/usr/bin/$tool" ] || die "PATH finds $found for $tool"
  [ -s "/usr/share/man/man1/$tool.1.gz" ] || die "no man page of $tool"
done
bcnn-train --version
bcnn-train /usr/share/doc/bcnn/configs/mnist_mlp_bc.json --data "$mnist" --epochs 1 --out run
bcnn-eval run/best.h5 --data "$mnist" --fixed --latency-samples 0
bcnn-compile run/best.h5 -o run/hls --data "$mnist"
[ -s run/hls/firmware/bcnn_top.cpp ] || die "no firmware in run/hls"

cd "$root"
cleanup
trap - EXIT
if installed || [ -e /usr/bin/bcnn-train ]; then die "bcnn is still installed after its removal"; fi
echo "check_package: installed, ran the example from /usr/bin and removed $(basename "$deb")"
