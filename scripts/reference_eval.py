#!/usr/bin/env python3
"""Rebuild a bcnn model with only h5py and numpy, following docs/model-format.md, and check
that it reproduces bcnn-eval's logits.

    bcnn-eval MODEL.h5 --logits logits.npy
    /usr/bin/python3 scripts/reference_eval.py MODEL.h5 --data datasets/mnist --logits logits.npy

Every layer type is handled: dense, bc_dense, conv2d, bc_conv2d (through its explicit dense
weight), maxpool2d, avgpool2d, global_avgpool, batchnorm (running statistics), relu, dropout,
flatten.

Prints the accuracy and the largest difference from bcnn-eval's logits; exits 1 when that
difference exceeds --tolerance.
"""
import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    sys.exit(f"{directory}: no {name}[.gz]")


def read_test_split(dataset, directory):
    """The test images as float64 byte / 255 (N, ...) and their labels."""
    if dataset == "cifar10":
        path = os.path.join(directory, "test_batch.bin")
        if not os.path.exists(path):
            sys.exit(f"{directory}: no test_batch.bin")
        records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
        return records[:, 1:].astype(np.float64) / 255.0, records[:, 0].astype(np.int64)
    images = read_idx(find(directory, "t10k-images-idx3-ubyte")).astype(np.float64) / 255.0
    labels = read_idx(find(directory, "t10k-labels-idx1-ubyte")).astype(np.int64)
    return images, labels


def normalize(config, x):
    """train.normalize of the stored config (docs/model-format.md), in float32 as bcnn does."""
    spec = config["train"].get("normalize")
    if spec is None:
        return x
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = np.asarray(spec["mean"], np.float32).reshape(shape)
    std = np.asarray(spec["std"], np.float32).reshape(shape)
    return ((x.astype(np.float32) - mean) / std).astype(np.float64)


def bc_dense(x, w, b):
    """Block-circulant product: block (i, j) is circulant with first column w[i, j]."""
    p, q, k = w.shape
    n, m = x.shape[1], b.shape[0]
    xp = np.zeros((x.shape[0], q * k), dtype=np.float64)
    xp[:, :n] = x
    X = np.fft.rfft(xp.reshape(-1, q, k), axis=2)            # (batch, q, bins)
    W = np.fft.rfft(w.astype(np.float64), axis=2)           # (p, q, bins)
    Y = np.einsum("bjf,ijf->bif", X, W)                     # sum over input blocks j
    y = np.fft.irfft(Y, n=k, axis=2).reshape(x.shape[0], p * k)
    return y[:, :m] + b


def padding_of(layer, height, width):
    """(top, bottom, left, right) zero padding of a conv layer (docs/model-format.md)."""
    (kh, kw), (sh, sw), padding = layer["kernel"], layer["stride"], layer["padding"]
    if padding != "same":
        return padding, padding, padding, padding
    sides = []
    for size, kernel, stride in ((height, kh, sh), (width, kw, sw)):
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        sides += [total // 2, total - total // 2]
    return tuple(sides)


def conv2d(x, weight, bias, layer):
    """Cross-correlation with the dense weight (C_out, C_in, kh, kw)."""
    c_out, c_in, kh, kw = weight.shape
    sh, sw = layer["stride"]
    top, bottom, left, right = padding_of(layer, x.shape[2], x.shape[3])
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out_h = (xp.shape[2] - kh) // sh + 1
    out_w = (xp.shape[3] - kw) // sw + 1
    cols = np.stack([xp[:, :, a:a + sh * out_h:sh, b:b + sw * out_w:sw] for a in range(kh) for b in range(kw)],
                    axis=2)
    w = weight.astype(np.float64).reshape(c_out, c_in, kh * kw)
    return np.einsum("ncthw,oct->nohw", cols, w, optimize=True) + bias[:, None, None]


def bc_conv2d_dense_weight(weight, c_out, c_in):
    """W[co, ci, a, b] = weight[co // k, ci // k, a, b, (co % k - ci % k) % k]."""
    k = weight.shape[4]
    co, ci = np.arange(c_out)[:, None], np.arange(c_in)[None, :]
    return weight[co // k, ci // k, :, :, (co % k - ci % k) % k]


def pool(x, layer, reduce):
    (kh, kw), (sh, sw) = layer["size"], layer["stride"]
    out_h = (x.shape[2] - kh) // sh + 1
    out_w = (x.shape[3] - kw) // sw + 1
    windows = np.stack([x[:, :, a:a + sh * out_h:sh, b:b + sw * out_w:sw] for a in range(kh) for b in range(kw)])
    return reduce(windows, axis=0)


def batchnorm(x, g, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = g["running_mean"][()].reshape(shape), g["running_var"][()].reshape(shape)
    gamma, beta = g["gamma"][()].reshape(shape), g["beta"][()].reshape(shape)
    return (x - mean) / np.sqrt(var.astype(np.float64) + eps) * gamma + beta


def forward(model, config, x):
    for layer in config["layers"]:
        kind, name = layer["type"], layer["name"]
        if kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "dropout":
            pass  # identity at inference
        elif kind == "dense":
            g = model["layers"][name]
            x = x @ g["weight"][()].astype(np.float64).T + g["bias"][()]
        elif kind == "bc_dense":
            g = model["layers"][name]
            x = bc_dense(x, g["weight"][()], g["bias"][()])
        elif kind == "conv2d":
            g = model["layers"][name]
            x = conv2d(x, g["weight"][()], g["bias"][()], layer)
        elif kind == "bc_conv2d":
            g = model["layers"][name]
            weight = bc_conv2d_dense_weight(g["weight"][()], layer["filters"], x.shape[1])
            x = conv2d(x, weight, g["bias"][()], layer)
        elif kind == "maxpool2d":
            x = pool(x, layer, np.max)
        elif kind == "avgpool2d":
            x = pool(x, layer, np.mean)
        elif kind == "global_avgpool":
            x = x.mean(axis=(2, 3))
        elif kind == "batchnorm":
            x = batchnorm(x, model["layers"][name], layer["eps"])
        else:
            sys.exit(f"layer type {kind} is not handled by this script")
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--data", default=None, help="dataset directory (default: the model's train.data)")
    parser.add_argument("--logits", help="bcnn-eval --logits output to compare with")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()

    with h5py.File(args.model, "r") as model:
        fmt = model.attrs["format"]
        fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
        if fmt != "bcnn-model":
            sys.exit(f"{args.model}: not a bcnn model (format {fmt!r})")
        config = json.loads(model.attrs["config"])
        data_dir = args.data or config["train"]["data"]
        images, labels = read_test_split(config["train"].get("dataset", "mnist"), data_dir)
        x = normalize(config, images.reshape([images.shape[0]] + config["input"]))
        chunk = 1000 if len(config["input"]) == 1 else 100
        logits = np.concatenate([forward(model, config, x[i:i + chunk]) for i in range(0, len(x), chunk)])

    accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
    print(f"reference accuracy {100 * accuracy:.2f}% on {len(labels)} images")
    if args.logits:
        theirs = np.load(args.logits)
        diff = float(np.max(np.abs(theirs - logits)))
        agree = float(np.mean(np.argmax(theirs, axis=1) == np.argmax(logits, axis=1)))
        print(f"max |bcnn-eval - reference| = {diff:.3g}; argmax agreement {100 * agree:.2f}%")
        if diff > args.tolerance:
            sys.exit(1)


if __name__ == "__main__":
    main()
