#!/usr/bin/env bash
# The ONNX round trips of docs/onnx.md on real MNIST: a dense MLP and CNN trained in PyTorch,
# exported by torch.onnx.export, imported by bcnn-import and evaluated by bcnn-eval (accuracy and
# the largest logit difference from PyTorch); and a bcnn model exported by bcnn-export and imported
# again (the largest logit difference from the original).
# Usage: scripts/onnx_roundtrip.sh MNIST_DIR OUT_DIR [BCNN_MODEL.h5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mnist=$1 out=$2 model=${3:-}
bin=$root/build/apps
mkdir -p "$out"
/usr/bin/python3 "$root/scripts/torch_mnist_onnx.py" "$mnist" "$out"
compare() {  # compare A.npy B.npy: largest absolute difference and argmax agreement
  /usr/bin/python3 -c "
import numpy as np, sys
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f'largest logit difference {np.abs(a - b).max():.3g}, same class on {100 * (a.argmax(1) == b.argmax(1)).mean():.2f}% of {len(a)} images')" "$1" "$2"
}
for name in mlp cnn; do
  "$bin/bcnn-import" "$out/$name.onnx" -o "$out/$name.h5" --mean 0.1307 --std 0.3081 --data "$mnist" 2>/dev/null
  echo -n "$name: bcnn-eval "
  "$bin/bcnn-eval" "$out/$name.h5" --latency-samples 0 --logits "$out/${name}_bcnn.npy" | grep '^accuracy'
  echo -n "$name: against PyTorch: "
  compare "$out/${name}_logits.npy" "$out/${name}_bcnn.npy"
done
if [ -n "$model" ]; then
  "$bin/bcnn-export" "$model" -o "$out/exported.onnx"
  "$bin/bcnn-import" "$out/exported.onnx" -o "$out/reimported.h5" --data "$mnist" 2>/dev/null
  "$bin/bcnn-eval" "$model" --data "$mnist" --latency-samples 0 --logits "$out/original.npy" | grep '^accuracy'
  "$bin/bcnn-eval" "$out/reimported.h5" --latency-samples 0 --logits "$out/reimported.npy" | grep '^accuracy'
  echo -n "export + import of $model: "
  compare "$out/original.npy" "$out/reimported.npy"
fi
