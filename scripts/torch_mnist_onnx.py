#!/usr/bin/python3
"""Trains a dense MLP and a small CNN on MNIST in PyTorch, exports both to ONNX and writes what
PyTorch computes on the test set, so that bcnn-import + bcnn-eval can be compared with it
(docs/onnx.md, scripts/onnx_roundtrip.sh).

Usage: /usr/bin/python3 scripts/torch_mnist_onnx.py MNIST_DIR OUT_DIR [EPOCHS]
Writes OUT_DIR/{mlp,cnn}.onnx, OUT_DIR/{mlp,cnn}_logits.npy (10,000 x 10, float32) and prints one
line per network: its PyTorch test accuracy. Images are scaled to [0, 1] and normalized with
MNIST's mean 0.1307 and std 0.3081 (import with --mean 0.1307 --std 0.3081).
"""
import struct
import sys

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.1307, 0.3081


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(mnist, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(f"{mnist}/{prefix}-images-idx3-ubyte").astype(np.float32) / 255.0
    labels = read_idx(f"{mnist}/{prefix}-labels-idx1-ubyte").astype(np.int64)
    x = (torch.from_numpy(images).unsqueeze(1) - MEAN) / STD
    return x, torch.from_numpy(labels)


def networks():
    return {
        "mlp": nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.1), nn.Linear(512, 512),
                             nn.ReLU(), nn.Linear(512, 10)),
        "cnn": nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10)),
    }


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mnist, out = sys.argv[1], sys.argv[2]
    epochs = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x_train, y_train = load(mnist, "train")
    x_test, y_test = load(mnist, "test")
    for name, model in networks().items():
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(epochs):
            model.train()
            order = torch.randperm(len(x_train))
            for begin in range(0, len(order), 128):
                batch = order[begin:begin + 128]
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(x_test[b:b + 1000]) for b in range(0, len(x_test), 1000)])
        accuracy = (logits.argmax(1) == y_test).float().mean().item()
        np.save(f"{out}/{name}_logits.npy", logits.numpy().astype(np.float32))
        torch.onnx.export(model, x_test[:1], f"{out}/{name}.onnx", input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13)
        print(f"{name}: PyTorch test accuracy {100 * accuracy:.2f}%")


if __name__ == "__main__":
    main()
