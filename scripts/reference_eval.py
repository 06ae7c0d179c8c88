#!/usr/bin/env python3
"""Rebuild a bcnn model with only h5py and numpy, following docs/model-format.md, and check
that it reproduces bcnn-eval's logits.

    bcnn-eval MODEL.h5 --logits logits.npy
    scripts/reference_eval.py MODEL.h5 --data datasets/mnist --logits logits.npy

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
        logits = np.concatenate([forward(model, config, x[i:i + 1000]) for i in range(0, len(x), 1000)])

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
