#!/usr/bin/python3
"""Writes the PyTorch fixtures of tests/onnx: small networks of every operator bcnn-import reads,
with random weights and random batchnorm statistics, exported to ONNX (opset 13) by
torch.onnx.export, and their logits on random images computed by PyTorch.

Usage: /usr/bin/python3 tests/onnx/make_torch_fixtures.py OUT_DIR
Writes OUT_DIR/inputs.f32 (16 x 1 x 28 x 28 float32, little-endian) and, per network NAME,
OUT_DIR/NAME.onnx and OUT_DIR/NAME.f32 (16 x 10 logits). Exit status 3 when torch is missing
(Debian: apt-get install python3-torch python3-onnx).
"""
import sys

try:
    import torch
    from torch import nn
except ImportError:
    print("make_torch_fixtures: PyTorch is missing: apt-get install python3-torch", file=sys.stderr)
    sys.exit(3)


def randomize_batchnorm(model, generator):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.2)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)


def networks():
    return {
        # Linear layers on the flattened image, with a dropout (the identity at inference).
        "mlp": nn.Sequential(nn.Flatten(), nn.Linear(784, 48), nn.ReLU(), nn.Dropout(0.2), nn.Linear(48, 10)),
        # Convolutions with padding and stride, batchnorm after a convolution and after a linear
        # layer, both pools, and a final softmax (which bcnn-import leaves out).
        "cnn": nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(144, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10),
            nn.Softmax(dim=1)),
        # A global average pool before the classifier.
        "gap": nn.Sequential(
            nn.Conv2d(1, 12, 5), nn.ReLU(), nn.Conv2d(12, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)),
    }


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    images = torch.rand(16, 1, 28, 28, generator=generator)
    images.numpy().astype("<f4").tofile(f"{out}/inputs.f32")
    for name, model in networks().items():
        randomize_batchnorm(model, generator)
        model.eval()
        with torch.no_grad():
            logits = model(images)
            if isinstance(model[-1], nn.Softmax):
                logits = model[:-1](images)
        logits.numpy().astype("<f4").tofile(f"{out}/{name}.f32")
        torch.onnx.export(model, images, f"{out}/{name}.onnx", input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=13)


if __name__ == "__main__":
    main()
