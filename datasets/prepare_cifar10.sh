#!/usr/bin/env bash
# Builds CIFAR-10 in the official binary layout (data_batch_1.bin .. data_batch_5.bin, test_batch.bin,
# batches.meta.txt) in DIR, from the JPEG copy cifar10-jpeg.tar.gz or, with --download, from the
# official cifar-10-binary.tar.gz.
#
# Usage: datasets/prepare_cifar10.sh [--jpeg-tarball PATH] [--download] [DIR]
#   DIR                  defaults to datasets/cifar-10 in the repository
#   --jpeg-tarball PATH  the JPEG copy (sha256 58c58e3a...); without it ../shared/datasets/cifar10-jpeg.tar.gz
#                        relative to the repository root. Decoded with Debian's python3-pil (installed with
#                        apt-get when missing); the result is checked against datasets/cifar10-jpeg-binary.sha256.
#   --download           fetch the official cifar-10-binary.tar.gz (md5 c32a1d4a...) from BCNN_CIFAR10_URL
#                        (default https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz) into datasets/.cache
#                        and unpack it; a cached archive with the right md5 is used again without downloading.
#   --record-checksums   (maintainers) write datasets/cifar10-jpeg-binary.sha256 from this build instead of
#                        checking against it.
# The JPEG copy lost the interleaving of classes; records are written round-robin over the classes (see
# datasets/cifar10_binary.py and datasets/README.md). Quote results on it as "CIFAR-10 (JPEG copy)".
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname "$script_dir")
checksums=$script_dir/cifar10-jpeg-binary.sha256
converter=$script_dir/cifar10_binary.py
python=/usr/bin/python3
jpeg_sha256=58c58e3af3ec7ed2054f439f35ad3c83dc1ab019f4af6037f60612ea098c8fa1
default_tarball=$(realpath -m "$repo_root/../shared/datasets/cifar10-jpeg.tar.gz")
official_url=${BCNN_CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
official_md5=c32a1d4ab5d03f1284b67883e8d87530
official_cache=$repo_root/datasets/.cache/cifar-10-binary.tar.gz
files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin
       batches.meta.txt)

# A signal ends the script through exit, so that the EXIT trap removes temporary files.
trap 'exit 130' INT TERM HUP PIPE

say() { echo "prepare_cifar10: $*"; }
fail() { echo "prepare_cifar10: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

tarball=
download=0
record=0
dir=
while [ $# -gt 0 ]; do
  case $1 in
    --jpeg-tarball)
      [ $# -ge 2 ] || fail "--jpeg-tarball needs a path"
      tarball=$2
      shift 2
      ;;
    --jpeg-tarball=*) tarball=${1#*=}; shift ;;
    --download) download=1; shift ;;
    --record-checksums) record=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *)
      [ -z "$dir" ] || fail "more than one directory given: $dir and $1"
      dir=$1
      shift
      ;;
  esac
done
dir=${dir:-$repo_root/datasets/cifar-10}
[ $download = 0 ] || [ -z "$tarball" ] || fail "--download and --jpeg-tarball exclude each other"
[ $download = 0 ] || [ $record = 0 ] || fail "--record-checksums applies to the JPEG build, not to --download"
command -v sha256sum >/dev/null || fail "sha256sum not found (Debian package coreutils)"

expected_sha256() { awk -v f="$1" '$1 !~ /^#/ && $2 == f { print $1 }' "$checksums"; }

# Compares the files in $1 with the recorded sha256 sums; prints one line per bad or missing file
# and returns non-zero when there is any.
verify_sums() {
  local where=$1 f want got status=0
  for f in "${files[@]}"; do
    want=$(expected_sha256 "$f")
    if [ -z "$want" ]; then
      echo "  $f: no sha256 recorded in $checksums"
      status=1
    elif [ ! -f "$where/$f" ]; then
      echo "  $f: missing"
      status=1
    else
      got=$(sha256sum <"$where/$f" | cut -c1-64)
      if [ "$got" != "$want" ]; then
        echo "  $f: sha256 $got, expected $want"
        status=1
      fi
    fi
  done
  return $status
}

need_python() {
  [ -x "$python" ] || fail "$python not found; install Debian's python3 (apt-get install python3)"
}

# Debian's python3-pil for $python (a pip-installed Pillow in another interpreter is not used).
need_pil() {
  need_python
  if "$python" -c 'import PIL.Image' 2>/dev/null; then return; fi
  command -v apt-get >/dev/null || fail "$python cannot import PIL and apt-get is not available; install Debian's python3-pil"
  local sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "$python cannot import PIL; run as root: apt-get update && apt-get install -y python3-pil"
    sudo_cmd=(sudo)
  fi
  say "installing the Debian package python3-pil"
  "${sudo_cmd[@]}" apt-get update -qq || fail "apt-get update failed"
  # env passes the variable through sudo, which would otherwise drop it.
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pil >/dev/null ||
    fail "apt-get install python3-pil failed"
  "$python" -c 'import PIL.Image' || fail "python3-pil is installed but $python cannot import PIL"
}

download() {
  local url=$1 out=$2
  if command -v curl >/dev/null; then
    curl -fL --retry 3 --connect-timeout 30 --progress-bar -o "$out" "$url"
  elif command -v wget >/dev/null; then
    wget -q --show-progress --tries=3 --timeout=30 -O "$out" "$url"
  else
    say "neither curl nor wget is installed"
    return 1
  fi
}

md5_of() { md5sum <"$1" | cut -c1-32; }

# --- Where the data comes from, checked before anything is written. ---
if [ $download = 1 ]; then
  need_python
  if [ -f "$official_cache" ] && [ "$(md5_of "$official_cache")" = "$official_md5" ]; then
    say "using the cached official archive $official_cache (md5 verified)"
  else
    mkdir -p "$(dirname "$official_cache")"
    part=$official_cache.part-$$
    trap 'rm -f "$part"' EXIT
    say "downloading $official_url (about 170 MB)"
    download "$official_url" "$part" || fail "download of $official_url failed (set BCNN_CIFAR10_URL to a mirror, or use the JPEG copy without --download)"
    got=$(md5_of "$part")
    [ "$got" = "$official_md5" ] ||
      fail "$official_url: md5 $got, expected $official_md5 (not the official cifar-10-binary.tar.gz); deleted the download"
    mv -f "$part" "$official_cache"
    trap - EXIT
    say "verified md5 of $official_cache"
  fi
else
  if [ $record = 0 ] && [ ! -r "$checksums" ]; then
    fail "checksum list $checksums is missing"
  fi
  if [ $record = 0 ]; then
    if report=$(verify_sums "$dir"); then
      say "all ${#files[@]} files in $dir are present with the recorded sha256; nothing to do"
      exit 0
    elif [ -d "$dir" ]; then
      say "$dir does not hold the recorded files; building them (existing files are replaced at the end):"
      echo "$report"
    fi
  fi
  if [ -n "$tarball" ]; then
    [ -f "$tarball" ] ||
      fail "--jpeg-tarball $tarball: no such file (without --jpeg-tarball the script looks for $default_tarball)"
  elif [ -f "$default_tarball" ]; then
    tarball=$default_tarball
  else
    fail "the JPEG copy of CIFAR-10 was not found: no --jpeg-tarball PATH given, and $default_tarball does not exist; pass --jpeg-tarball PATH to cifar10-jpeg.tar.gz, or use --download to fetch the official files"
  fi
  say "checking sha256 of $tarball"
  got=$(sha256sum <"$tarball" | cut -c1-64)
  [ "$got" = "$jpeg_sha256" ] || fail "$tarball: sha256 $got, expected $jpeg_sha256 (not the known JPEG copy of CIFAR-10)"
  need_pil
fi

# --- Build in a temporary directory inside DIR, verify, then rename into place. ---
# shellcheck source=datasets/common.sh
source "$script_dir/common.sh"
stage_into "$dir" prepare_cifar10
mkdir "$work/out"

start_ns=$(date +%s%N)
if [ $download = 1 ]; then
  members=()
  for f in "${files[@]}"; do members+=("cifar-10-batches-bin/$f"); done
  tar -xzf "$official_cache" -C "$work" --no-same-owner --no-same-permissions "${members[@]}" ||
    fail "$official_cache does not hold ${members[*]}"
  for f in "${files[@]}"; do mv "$work/cifar-10-batches-bin/$f" "$work/out/$f"; done
  source_name="the official archive $official_cache"
  made="unpacked"
else
  pil_version=$("$python" -c 'import PIL; print(PIL.__version__)')
  say "decoding 60,000 JPEG images with Pillow $pil_version ($python)"
  "$python" "$converter" build "$tarball" "$work/out" || fail "conversion of $tarball failed; nothing was written to $dir"
  source_name="the JPEG copy $tarball"
  made="built"
fi
elapsed_ds=$((($(date +%s%N) - start_ns) / 100000000))
say "$made the binary files from $source_name in $((elapsed_ds / 10)).$((elapsed_ds % 10)) s"

say "verifying sizes, labels and images per class"
"$python" "$converter" verify "$work/out" || fail "the files built from $source_name are not a valid CIFAR-10 set; nothing was written to $dir"

if [ $download = 0 ]; then
  if [ $record = 1 ]; then
    {
      echo "# sha256 of the CIFAR-10 binary files that datasets/prepare_cifar10.sh builds from the JPEG copy"
      echo "# cifar10-jpeg.tar.gz (sha256 $jpeg_sha256), decoded with Pillow $pil_version"
      echo "# and libjpeg-turbo $("$python" -c 'from PIL import features; print(features.version("libjpeg_turbo"))' 2>/dev/null || echo "(version unknown)")."
      (cd "$work/out" && sha256sum "${files[@]}")
    } >"$checksums.tmp-$$"
    mv -f "$checksums.tmp-$$" "$checksums"
    say "recorded the sha256 sums in $checksums"
  elif ! report=$(verify_sums "$work/out"); then
    echo "prepare_cifar10: error: the files built from $tarball do not match $checksums:" >&2
    echo "$report" >&2
    echo "prepare_cifar10: (the sums were recorded with the JPEG decoder named in that file; another libjpeg can" \
      "round some pixels differently; this build used Pillow $pil_version.) Nothing was written to $dir" >&2
    exit 1
  else
    say "verified sha256 of the ${#files[@]} files against $checksums"
  fi
fi

for f in "${files[@]}"; do
  chmod 644 "$work/out/$f"
  mv -f "$work/out/$f" "$dir/$f"
  say "wrote $dir/$f ($(stat -c %s "$dir/$f") bytes)"
done
