#!/usr/bin/env bash
# The installed tree end to end (registered in tests/CMakeLists.txt): `cmake --install` of the build
# into a temporary prefix, then what docs/install.md promises. Every tool is in bin/, answers
# --version and has a man page; share/ holds the HLS library, the templates, the docs and the
# configs; and the installed bcnn-train, bcnn-compile and bcnn-eval, found through PATH alone and
# run from a directory outside the source and build trees, train the installed MNIST MLP config
# (shrunk) on a generated dataset, compile it into an HLS project and C-simulate that project.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR VERSION MAN_PAGES(0|1) TOOL...
# BCNN_KEEP_TEST_DIR=1 keeps the temporary directory (prefix and run) for a look.
set -euo pipefail
build_dir=$1 source_dir=$2 version=$3 man_pages=$4
shift 4
tools=("$@")

fail() {
  echo "test_install: FAIL: $*" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/bcnn-install-test-XXXXXX")
trap '[ -n "${BCNN_KEEP_TEST_DIR:-}" ] || rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install failed"; }

# Every program the build put in apps/ is a tool to install, whatever the build's list says.
built=()
for file in "$build_dir"/apps/*; do
  [ -f "$file" ] && [ -x "$file" ] && built+=("$(basename "$file")")
done
for tool in bcnn-train bcnn-eval bcnn-compile "${built[@]}" "${tools[@]}"; do
  [ -x "$prefix/bin/$tool" ] || fail "bin/$tool is not installed"
  line=$("$prefix/bin/$tool" --version) || fail "$tool --version exited with $?"
  [ "$line" = "$tool (bcnn) $version" ] || fail "$tool --version printed '$line'"
  if [ "$man_pages" = 1 ]; then
    page=$prefix/share/man/man1/$tool.1.gz
    [ -s "$page" ] || fail "share/man/man1/$tool.1.gz is missing or empty"
    text=$(zcat "$page") || fail "$page is not gzip"
    [[ $text == *".SH NAME"* ]] || fail "$page has no NAME section"
  fi
done
[ "$man_pages" = 1 ] || echo "test_install: no help2man at configure time: man pages not checked"

# share/: the same files as the repository's fpga/ and documentation.
share=$prefix/share/bcnn doc=$prefix/share/doc/bcnn
diff -r "$source_dir/fpga/include" "$share/include" || fail "share/bcnn/include differs"
diff -r "$source_dir/fpga/templates" "$share/templates" || fail "share/bcnn/templates differs"
for file in "$source_dir"/README.md "$source_dir"/docs/*.md "$source_dir"/configs/*.json; do
  relative=${file#"$source_dir/"}
  cmp "$file" "$doc/$relative" || fail "share/doc/bcnn/$relative"
done

# The end-to-end run: only the prefix's bin and the system's on PATH, in a directory of its own.
run=$work/run
mkdir -p "$run"
cd "$run"
export PATH="$prefix/bin:/usr/bin:/bin"
found=$(command -v bcnn-train)
[ "$found" = "$prefix/bin/bcnn-train" ] || fail "PATH finds $found"

# 600 training and 200 test images of MNIST's layout, each a bright 6x6 square placed by its label
# on noise (as in tests/cli.cpp's write_mnist_fixture), and the installed MLP config, shrunk.
python3 - "$doc/configs/mnist_mlp_bc.json" <<'PYTHON'
import json, os, struct, sys
import numpy as np

rng = np.random.default_rng(7)
os.makedirs("data")
for prefix, count in (("train", 600), ("t10k", 200)):
    labels = rng.integers(0, 10, count).astype(np.uint8)
    images = rng.integers(0, 48, (count, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        row = 3 + (label // 5) * 13 + rng.integers(-1, 2)
        col = 1 + (label % 5) * 5 + rng.integers(-1, 2)
        image[row:row + 6, col:col + 6] = rng.integers(200, 256, (6, 6))
    with open(f"data/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, count, 28, 28) + images.tobytes())
    with open(f"data/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, count) + labels.tobytes())

config = json.load(open(sys.argv[1]))
for layer in config["layers"]:
    if layer["type"] == "bc_dense":
        layer.update(units=64, block=16)
config["train"].update(data="data", validation=100, batch=32, threads=1, calibration_images=100)
json.dump(config, open("mlp.json", "w"), indent=2)
PYTHON

# run LOG COMMAND...: runs a tool with its output in LOG, which is shown if the tool fails.
run() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "$* exited with a failure"; }
}
run train.log bcnn-train mlp.json --epochs 3 --out model
[ -s model/best.h5 ] || fail "bcnn-train wrote no model/best.h5"
run compile.log bcnn-compile model/best.h5 -o hls --data data
for file in CMakeLists.txt build_prj.tcl firmware/bcnn_top.cpp tb/bcnn_tb.cpp report.json; do
  [ -s "hls/$file" ] || fail "bcnn-compile wrote no hls/$file"
done
# --hls builds the project's C simulation with cmake and g++ (the package's Recommends) and runs it.
bcnn-eval model/best.h5 --data data --hls hls --json --latency-samples 0 >eval.json 2>eval.log ||
  { cat eval.log >&2; fail "bcnn-eval exited with a failure"; }
# Three epochs on these images reach about 96% (chance is 10%); the tools' own tests check figures.
python3 - <<'PYTHON' || fail "bcnn-eval: $(cat eval.json)"
import json, sys
result = json.load(open("eval.json"))
csim = result["hls"]
print(f"test_install: accuracy {result['accuracy']:.2f}; C simulation of {csim['images']} images "
      f"bit-identical to the fixed-point emulation: {csim['bit_identical']}")
sys.exit(0 if result["accuracy"] > 0.6 and csim["bit_identical"] else 1)
PYTHON
echo "test_install: ${#tools[@]} tools installed in a temporary prefix, run from outside the tree"
