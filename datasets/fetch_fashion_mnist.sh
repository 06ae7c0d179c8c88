#!/usr/bin/env bash
# Gets Fashion-MNIST (the four upstream .gz IDX files) from Debian's dataset-fashion-mnist package
# and verifies them against datasets/fashion-mnist.md5.
# Usage: datasets/fetch_fashion_mnist.sh [DIR]   (DIR defaults to datasets/fashion-mnist in the repository)
# The checksums are of the uncompressed files: Debian rewrites the gzip headers (drops the file
# name, resets the time stamp), so the .gz files differ from upstream's byte for byte while the
# data inside is identical. Checking the data accepts either copy.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")
dir=${1:-$repo_root/datasets/fashion-mnist}
checksums=$script_dir/fashion-mnist.md5
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
package=dataset-fashion-mnist
package_dir=/usr/share/datasets/fashion-mnist

say() { echo "fetch_fashion_mnist: $*"; }
fail() { echo "fetch_fashion_mnist: error: $*" >&2; exit 1; }

[ -r "$checksums" ] || fail "checksum list $checksums is missing"
command -v md5sum >/dev/null || fail "md5sum not found (Debian package coreutils)"

expected_md5() { awk -v f="$1" '$2 == f { print $1 }' "$checksums"; }

# Verifies the data inside the four .gz files in $1 with md5sum -c (the list entry is rewritten to
# name stdin); prints one line per bad or missing file and returns non-zero when there is any.
verify() {
  local where=$1 f status=0
  for f in "${files[@]}"; do
    if [ ! -f "$where/$f.gz" ]; then
      echo "  $f.gz: missing"
      status=1
    elif ! gunzip -c "$where/$f.gz" 2>/dev/null |
        md5sum -c --status <(echo "$(expected_md5 "$f")  -"); then
      echo "  $f.gz: uncompressed md5 $(gunzip -c "$where/$f.gz" 2>/dev/null | md5sum | cut -c1-32), expected $(expected_md5 "$f")"
      status=1
    fi
  done
  return $status
}

if report=$(verify "$dir"); then
  say "all four files in $dir are present with the right md5; nothing to do"
  exit 0
fi
if [ -d "$dir" ]; then
  for f in "${files[@]}"; do
    if [ -f "$dir/$f.gz" ] && grep -q "^  $f.gz: uncompressed md5" <<<"$report"; then
      say "removing $dir/$f.gz: its md5 does not match"
      rm -f "$dir/$f.gz"
    fi
  done
fi

package_complete() {
  local f
  for f in "${files[@]}"; do [ -f "$package_dir/$f.gz" ] || return 1; done
}

if ! package_complete; then
  command -v apt-get >/dev/null || fail "$package_dir is missing and apt-get is not available; install Debian's $package or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist into $dir"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "$package_dir is missing; run as root: apt-get update && apt-get install -y $package"
    sudo_cmd=(sudo)
  fi
  say "installing the Debian package $package"
  "${sudo_cmd[@]}" apt-get update -qq || fail "apt-get update failed"
  # env passes the variable through sudo, which would otherwise drop it.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null ||
    fail "apt-get install $package failed"
  package_complete || fail "$package is installed but $package_dir does not hold the four .gz files"
else
  say "using the installed Debian package $package ($package_dir)"
fi

# shellcheck source=datasets/common.sh
source "$script_dir/common.sh"
stage_into "$dir" fetch_fashion_mnist

for f in "${files[@]}"; do cp "$package_dir/$f.gz" "$work/$f.gz"; done
if ! report=$(verify "$work"); then
  echo "fetch_fashion_mnist: error: the files in $package_dir do not match $checksums:" >&2
  echo "$report" >&2
  echo "fetch_fashion_mnist: deleted the copies; nothing was written to $dir" >&2
  exit 1
fi
say "verified md5 of the data in the four files"

for f in "${files[@]}"; do
  chmod 644 "$work/$f.gz"
  mv -f "$work/$f.gz" "$dir/$f.gz"
  say "wrote $dir/$f.gz ($(stat -c %s "$dir/$f.gz") bytes)"
done
