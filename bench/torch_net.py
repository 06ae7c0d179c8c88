#!/usr/bin/env python3
"""PyTorch CPU training throughput of a bcnn network config: the baseline for bench_train.

Builds the same network from the same JSON ("input" and "layers": dense, bc_dense, relu, dropout,
flatten), trains it with Adam on synthetic MNIST-like data (uniform pixels, uniform labels) at the
same batch size and thread count, and reports images/s after a warm-up.

bc_dense follows DESIGN.md section 2: weight (p, q, k), block (i, j) is the circulant matrix whose
first column is w[i, j]; y_i = irfft(sum_j rfft(w_ij) * rfft(x_j)); the input is zero-padded to
q*k and the output cut to m, then the bias is added.

Usage: /usr/bin/python3 bench/torch_mlp.py CONFIG.json [--threads 2] [--batch 128] [--steps 200]
                                           [--warmup 20] [--json FILE]
       /usr/bin/python3 bench/torch_mlp.py --check
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConfigError(Exception):
    pass


class BlockCirculantLinear(nn.Module):
    def __init__(self, in_features, out_features, block):
        super().__init__()
        if in_features < 1 or out_features < 1 or block < 1:
            raise ValueError(f"BlockCirculantLinear: sizes must be positive, found n={in_features}, "
                             f"m={out_features}, k={block}")
        self.n, self.m, self.k = in_features, out_features, block
        self.p = -(-out_features // block)
        self.q = -(-in_features // block)
        self.weight = nn.Parameter(torch.empty(self.p, self.q, block))
        self.bias = nn.Parameter(torch.zeros(out_features))
        # He uniform with fan-in n: every output sees all n inputs, one weight each (as bcnn's "he").
        bound = math.sqrt(6.0 / in_features)
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)

    def forward(self, x):
        batch = x.shape[0]
        if self.q * self.k != self.n:
            x = F.pad(x, (0, self.q * self.k - self.n))
        # Spectra laid out bin-major, so each frequency bin is one complex matrix product
        # (B x q) @ (q x p), batched over the k/2+1 bins.
        x_spectra = torch.fft.rfft(x.reshape(batch, self.q, self.k), dim=-1).permute(2, 0, 1)
        w_spectra = torch.fft.rfft(self.weight, dim=-1).permute(2, 1, 0)
        y_spectra = torch.bmm(x_spectra, w_spectra).permute(1, 2, 0)  # (B, p, bins)
        # torch's irfft carries the 1/k, so irfft(rfft(c) * rfft(x)) is the circular convolution.
        y = torch.fft.irfft(y_spectra, n=self.k, dim=-1).reshape(batch, self.p * self.k)
        return y[:, : self.m] + self.bias

    def dense_weight(self):
        """The (m x n) matrix W[r][c] = w[r // k][c // k][(r % k - c % k) mod k] (differentiable)."""
        r = torch.arange(self.m).unsqueeze(1)
        c = torch.arange(self.n).unsqueeze(0)
        return self.weight[r // self.k, c // self.k, (r % self.k - c % self.k) % self.k]


def layer_error(origin, pointer, expected, found):
    return ConfigError(f"{origin}: {pointer}: expected {expected}, found {json.dumps(found)}")


def positive_int(spec, key, origin, pointer):
    if key not in spec:
        raise ConfigError(f"{origin}: {pointer}/{key}: expected a positive integer, found nothing (missing key)")
    value = spec[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise layer_error(origin, f"{pointer}/{key}", "a positive integer", value)
    return value


def build_model(config, origin):
    """nn.Sequential equal in structure to bcnn's Network::build of the same description."""
    if not isinstance(config, dict):
        raise layer_error(origin, "", "a JSON object", config)
    shape = config.get("input")
    if (not isinstance(shape, list) or not 1 <= len(shape) <= 3
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in shape)):
        raise layer_error(origin, "/input", "a list of 1 to 3 positive integers", shape)
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise layer_error(origin, "/layers", "a non-empty array of layer objects", layers)

    known_keys = {"dense": {"units", "init"}, "bc_dense": {"units", "block", "init"}, "relu": set(),
                  "dropout": {"rate"}, "flatten": set()}
    modules = []
    current = list(shape)
    for i, spec in enumerate(layers):
        pointer = f"/layers/{i}"
        if not isinstance(spec, dict):
            raise layer_error(origin, pointer, "a layer object", spec)
        kind = spec.get("type")
        if kind not in known_keys:
            raise layer_error(origin, f"{pointer}/type", "one of " + ", ".join(sorted(known_keys)), kind)
        for key in spec:
            if key not in known_keys[kind] | {"type", "name"}:
                raise layer_error(origin, f"{pointer}/{key}",
                                  f"a key of a {kind} layer ({', '.join(sorted(known_keys[kind])) or 'none'})",
                                  key)
        if kind in ("dense", "bc_dense"):
            if len(current) != 1:
                raise layer_error(origin, pointer, f"a vector input for {kind} (add a flatten layer)",
                                  current)
            units = positive_int(spec, "units", origin, pointer)
            if kind == "dense":
                modules.append(nn.Linear(current[0], units))
            else:
                modules.append(BlockCirculantLinear(current[0], units,
                                                    positive_int(spec, "block", origin, pointer)))
            current = [units]
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "dropout":
            rate = spec.get("rate", 0.5)
            if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate < 1.0:
                raise layer_error(origin, f"{pointer}/rate", "a number in [0, 1)", rate)
            modules.append(nn.Dropout(rate))
        else:
            modules.append(nn.Flatten())
            current = [math.prod(current)]
    return nn.Sequential(*modules), list(shape), current


def self_check():
    """BlockCirculantLinear against the explicit dense matrix: outputs and all three gradients."""
    torch.manual_seed(0)
    worst = 0.0
    for n, m, k in [(7, 5, 1), (9, 6, 2), (10, 8, 3), (30, 17, 8), (64, 48, 16), (50, 70, 16),
                    (200, 130, 64), (784, 100, 64), (300, 520, 256)]:
        layer = BlockCirculantLinear(n, m, k).double()
        with torch.no_grad():
            layer.bias.uniform_(-0.2, 0.2)
        x = torch.rand(5, n, dtype=torch.float64, requires_grad=True)
        r = torch.rand(5, m, dtype=torch.float64)

        y = layer(x)
        (y * r).sum().backward()
        fft_grads = [x.grad.clone(), layer.weight.grad.clone(), layer.bias.grad.clone()]
        x.grad = None
        layer.zero_grad(set_to_none=True)

        y_dense = x @ layer.dense_weight().t() + layer.bias
        (y_dense * r).sum().backward()
        dense_grads = [x.grad, layer.weight.grad, layer.bias.grad]

        errors = [(y - y_dense).abs().max().item()]
        errors += [(a - b).abs().max().item() for a, b in zip(fft_grads, dense_grads)]
        status = "ok" if max(errors) < 1e-9 else "FAIL"
        print(f"check n={n:4d} m={m:4d} k={k:4d}: max |diff| y {errors[0]:.1e}, dx {errors[1]:.1e}, "
              f"dw {errors[2]:.1e}, db {errors[3]:.1e}  {status}")
        worst = max(worst, *errors)
    # The explicit matrix itself, against DESIGN.md's definition C[i][j] = c[(i - j) mod k].
    layer = BlockCirculantLinear(4, 4, 4)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    expected = torch.tensor([[1.0, 4.0, 3.0, 2.0], [2.0, 1.0, 4.0, 3.0], [3.0, 2.0, 1.0, 4.0],
                             [4.0, 3.0, 2.0, 1.0]])
    convention_ok = torch.equal(layer.dense_weight().detach(), expected)
    print(f"check first-column convention: {'ok' if convention_ok else 'FAIL'}")
    return worst < 1e-9 and convention_ok


def write_json_atomically(path, value):
    temporary = path + ".tmp"
    try:
        with open(temporary, "w") as out:
            json.dump(value, out, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except OSError as e:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise ConfigError(f"--json {path}: cannot write ({e.strerror})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", nargs="?", help="network config (JSON)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200, help="timed optimizer steps")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--check", action="store_true", help="verify BlockCirculantLinear and exit")
    args = parser.parse_args()

    if args.check:
        return 0 if self_check() else 1
    if args.config is None:
        parser.error("a CONFIG.json is required (or --check)")
    for name in ("threads", "batch", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, found {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be at least 0, found {args.warmup}")
    if args.json and not os.path.isdir(os.path.dirname(args.json) or "."):
        parser.error(f"--json {args.json}: folder {os.path.dirname(args.json)} does not exist")

    try:
        try:
            with open(args.config) as f:
                config = json.load(f)
        except OSError as e:
            raise ConfigError(f"{args.config}: cannot open the network config ({e.strerror})")
        except json.JSONDecodeError as e:
            raise ConfigError(f"{args.config}: not valid JSON ({e})")
        model, input_shape, output_shape = build_model(config, args.config)
        if len(output_shape) != 1 or output_shape[0] < 2:
            raise ConfigError(f"{args.config}: the network's output must hold at least 2 class logits, "
                              f"found {output_shape}")
    except ConfigError as e:
        print(f"torch_mlp: {e}", file=sys.stderr)
        return 1

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    classes = output_shape[0]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    # A few distinct batches, cycled, as bench_train does.
    images = [torch.rand(args.batch, *input_shape) for _ in range(8)]
    labels = [torch.randint(0, classes, (args.batch,)) for _ in range(8)]
    model.train()

    def train_step(i):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images[i % 8]), labels[i % 8])
        loss.backward()
        optimizer.step()
        return loss.item()

    for i in range(args.warmup):
        train_step(i)
    step_ms = []
    loss = float("nan")
    start = time.perf_counter()
    for i in range(args.steps):
        t0 = time.perf_counter()
        loss = train_step(args.warmup + i)
        step_ms.append((time.perf_counter() - t0) * 1e3)
    seconds = time.perf_counter() - start
    if not math.isfinite(loss):
        print(f"torch_mlp: {args.config}: loss became {loss}", file=sys.stderr)
        return 1
    images_per_s = args.batch * args.steps / seconds
    median_step_ms = statistics.median(step_ms)
    print(f"torch_mlp {args.config}: torch {torch.__version__}, batch {args.batch}, {args.threads} threads, "
          f"{args.steps} steps after {args.warmup} warm-up: {images_per_s:.0f} images/s "
          f"(median step {median_step_ms:.3f} ms, final loss {loss:.4f})")
    if args.json:
        try:
            write_json_atomically(args.json, {
                "benchmark": "torch_mlp", "framework": "pytorch", "torch_version": torch.__version__,
                "config": args.config, "batch": args.batch, "threads": torch.get_num_threads(),
                "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "steps": args.steps,
                "warmup": args.warmup, "parameters": sum(p.numel() for p in model.parameters()),
                "images_per_s": images_per_s, "median_step_ms": median_step_ms, "final_loss": loss})
        except ConfigError as e:
            print(f"torch_mlp: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
