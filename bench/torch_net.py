#!/usr/bin/env python3
"""PyTorch CPU training throughput of a bcnn network config: the baseline for bench_train.

Builds the same network from the same JSON ("input" and "layers": dense, bc_dense, conv2d,
bc_conv2d, maxpool2d, avgpool2d, global_avgpool, batchnorm, relu, dropout, flatten), trains it with
the config's optimizer (train.optimizer: sgd, adam or adamw; Adam with lr 1e-3 when absent) on
synthetic data of the input's shape (uniform pixels, uniform labels) at the same batch size and
thread count, and reports images/s after a warm-up.

The block-circulant layers follow DESIGN.md section 2 and come in two implementations (--bc-impl):
- fft: as in the paper. bc_dense: weight (p, q, k); y_i = irfft(sum_j rfft(w_ij) * rfft(x_j)),
  one complex matrix product per frequency bin. bc_conv2d: weight (p, q, kh, kw, k); rfft over the
  channel blocks of every pixel, im2col (unfold) of the spectra, one complex matrix product per bin
  over all taps and positions, irfft.
- dense: the explicit dense weight gathered from the circulant parameters on every step (a
  differentiable index), then PyTorch's own linear / conv2d kernels.
Inputs are zero-padded to q*k channels, outputs cut to C_out, then the bias is added.

Usage: /usr/bin/python3 bench/torch_net.py CONFIG.json [--threads 2] [--batch 128] [--steps 200]
                                           [--warmup 20] [--bc-impl fft|dense] [--json FILE]
       /usr/bin/python3 bench/torch_net.py --check
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


def circulant_index(rows, cols, k):
    """Block row, block column and circulant offset of every (row, col) of the dense matrix."""
    r = torch.arange(rows).unsqueeze(1).expand(rows, cols)
    c = torch.arange(cols).unsqueeze(0).expand(rows, cols)
    return torch.stack((r // k, c // k, (r % k - c % k) % k))


class BlockCirculantLinear(nn.Module):
    def __init__(self, in_features, out_features, block, impl="fft"):
        super().__init__()
        if in_features < 1 or out_features < 1 or block < 1:
            raise ValueError(f"BlockCirculantLinear: sizes must be positive, found n={in_features}, "
                             f"m={out_features}, k={block}")
        self.n, self.m, self.k, self.impl = in_features, out_features, block, impl
        self.p = -(-out_features // block)
        self.q = -(-in_features // block)
        self.weight = nn.Parameter(torch.empty(self.p, self.q, block))
        self.bias = nn.Parameter(torch.zeros(out_features))
        # He uniform with fan-in n: every output sees all n inputs, one weight each (as bcnn's "he").
        bound = math.sqrt(6.0 / in_features)
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
        self.register_buffer("index", circulant_index(out_features, in_features, block),
                             persistent=False)

    def forward(self, x):
        if self.impl == "dense":
            return F.linear(x, self.dense_weight(), self.bias)
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
        return self.weight[self.index[0], self.index[1], self.index[2]]


class BlockCirculantConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel, stride, padding, block, impl="fft"):
        super().__init__()
        self.c_in, self.c_out, self.k, self.impl = in_channels, out_channels, block, impl
        self.kernel, self.stride, self.padding = kernel, stride, padding  # padding: (left, right, top, bottom)
        self.p = -(-out_channels // block)
        self.q = -(-in_channels // block)
        self.weight = nn.Parameter(torch.empty(self.p, self.q, kernel[0], kernel[1], block))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        bound = math.sqrt(6.0 / (in_channels * kernel[0] * kernel[1]))
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
        self.register_buffer("index", circulant_index(out_channels, in_channels, block),
                             persistent=False)

    def dense_weight(self):
        """(C_out, C_in, kh, kw): W[co][ci][a][b] = w[co / k][ci / k][a][b][(co % k - ci % k) mod k]."""
        w = self.weight.permute(0, 1, 4, 2, 3)  # (p, q, k, kh, kw)
        return w[self.index[0], self.index[1], self.index[2]]

    def forward(self, x):
        x = F.pad(x, self.padding) if any(self.padding) else x
        if self.impl == "dense":
            return F.conv2d(x, self.dense_weight(), self.bias, stride=self.stride)
        batch, _, height, width = x.shape
        k, p, q = self.k, self.p, self.q
        bins = k // 2 + 1
        taps = self.kernel[0] * self.kernel[1]
        if q * k != self.c_in:
            x = F.pad(x, (0, 0, 0, 0, 0, q * k - self.c_in))
        # rfft over the channels of each block, once per pixel: (B, q, bins, H, W) complex.
        spectra = torch.fft.rfft(x.reshape(batch, q, k, height, width), dim=2)
        # im2col of the spectra: unfold works on real tensors, so real and imaginary parts travel
        # as channels ordered (bin, part, j); rows (bin, part, j, a, b).
        parts = torch.view_as_real(spectra).permute(0, 2, 5, 1, 3, 4).reshape(batch, bins * 2 * q, height, width)
        cols = F.unfold(parts, self.kernel, stride=self.stride)  # (B, bins*2*q*taps, L)
        positions = cols.shape[-1]
        cols = cols.reshape(batch, bins, 2, q * taps, positions)
        x_f = torch.complex(cols[:, :, 0], cols[:, :, 1]).permute(1, 2, 0, 3).reshape(bins, q * taps, batch * positions)
        w_f = torch.fft.rfft(self.weight, dim=-1).permute(4, 0, 1, 2, 3).reshape(bins, p, q * taps)
        y_f = torch.bmm(w_f, x_f)  # (bins, p, B*L)
        y = torch.fft.irfft(y_f.reshape(bins, p, batch, positions).permute(2, 1, 3, 0), n=k, dim=-1)  # (B, p, L, k)
        out_h = (height - self.kernel[0]) // self.stride[0] + 1
        out_w = (width - self.kernel[1]) // self.stride[1] + 1
        y = y.permute(0, 1, 3, 2).reshape(batch, p * k, out_h, out_w)[:, : self.c_out]
        return y + self.bias.view(1, -1, 1, 1)


def layer_error(origin, pointer, expected, found):
    return ConfigError(f"{origin}: {pointer}: expected {expected}, found {json.dumps(found)}")


def positive_int(spec, key, origin, pointer, default=None):
    if key not in spec:
        if default is not None:
            return default
        raise ConfigError(f"{origin}: {pointer}/{key}: expected a positive integer, found nothing (missing key)")
    value = spec[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise layer_error(origin, f"{pointer}/{key}", "a positive integer", value)
    return value


def int_pair(spec, key, origin, pointer, default=None):
    """An integer n (meaning (n, n)) or [h, w], as bcnn's read_int_pair."""
    if key not in spec:
        if default is not None:
            return default
        raise ConfigError(f"{origin}: {pointer}/{key}: expected a positive integer or [h, w], found nothing")
    value = spec[key]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return (value, value)
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)):
        return tuple(value)
    raise layer_error(origin, f"{pointer}/{key}", "a positive integer or [h, w]", value)


def window(spec, origin, pointer, shape, kernel, stride):
    """Zero padding (left, right, top, bottom) and output size, as bcnn's make_window."""
    padding = spec.get("padding", 0)
    sizes = []
    for extent, kern, step in zip(shape[1:], kernel, stride):
        if padding == "same":
            out = -(-extent // step)
            total = max((out - 1) * step + kern - extent, 0)
            before, after = total // 2, total - total // 2
        elif isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0:
            before = after = padding
        else:
            raise layer_error(origin, f"{pointer}/padding", "an integer >= 0 or \"same\"", padding)
        if extent + before + after < kern:
            raise layer_error(origin, f"{pointer}/kernel", "a window that fits the padded input", list(kernel))
        sizes.append((before, after, (extent + before + after - kern) // step + 1))
    (top, bottom, out_h), (left, right, out_w) = sizes
    return (left, right, top, bottom), out_h, out_w


KNOWN_KEYS = {"dense": {"units", "init"}, "bc_dense": {"units", "block", "init"},
              "conv2d": {"filters", "kernel", "stride", "padding", "init"},
              "bc_conv2d": {"filters", "kernel", "stride", "padding", "block", "init"},
              "maxpool2d": {"size", "stride"}, "avgpool2d": {"size", "stride"}, "global_avgpool": set(),
              "batchnorm": {"momentum", "eps"}, "relu": set(), "dropout": {"rate"}, "flatten": set()}


class Pad(nn.Module):
    def __init__(self, padding):
        super().__init__()
        self.padding = padding

    def forward(self, x):
        return F.pad(x, self.padding)


def build_model(config, origin, bc_impl="fft"):
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

    modules = []
    current = list(shape)
    for i, spec in enumerate(layers):
        pointer = f"/layers/{i}"
        if not isinstance(spec, dict):
            raise layer_error(origin, pointer, "a layer object", spec)
        kind = spec.get("type")
        if kind not in KNOWN_KEYS:
            raise layer_error(origin, f"{pointer}/type", "one of " + ", ".join(sorted(KNOWN_KEYS)), kind)
        for key in spec:
            if key not in KNOWN_KEYS[kind] | {"type", "name"}:
                raise layer_error(origin, f"{pointer}/{key}",
                                  f"a key of a {kind} layer ({', '.join(sorted(KNOWN_KEYS[kind])) or 'none'})",
                                  key)
        image_layer = kind in ("conv2d", "bc_conv2d", "maxpool2d", "avgpool2d", "global_avgpool")
        if image_layer and len(current) != 3:
            raise layer_error(origin, pointer, f"a (C, H, W) input for {kind}", current)
        if kind in ("dense", "bc_dense"):
            if len(current) != 1:
                raise layer_error(origin, pointer, f"a vector input for {kind} (add a flatten layer)",
                                  current)
            units = positive_int(spec, "units", origin, pointer)
            if kind == "dense":
                modules.append(nn.Linear(current[0], units))
            else:
                modules.append(BlockCirculantLinear(current[0], units,
                                                    positive_int(spec, "block", origin, pointer), bc_impl))
            current = [units]
        elif kind in ("conv2d", "bc_conv2d"):
            filters = positive_int(spec, "filters", origin, pointer)
            kernel = int_pair(spec, "kernel", origin, pointer)
            stride = int_pair(spec, "stride", origin, pointer, (1, 1))
            padding, out_h, out_w = window(spec, origin, pointer, current, kernel, stride)
            if kind == "conv2d":
                # nn.Conv2d pads symmetrically; "same" with an even total pads one more at the end.
                if padding[0] == padding[1] and padding[2] == padding[3]:
                    modules.append(nn.Conv2d(current[0], filters, kernel, stride, (padding[2], padding[0])))
                else:
                    modules += [Pad(padding), nn.Conv2d(current[0], filters, kernel, stride)]
            else:
                modules.append(BlockCirculantConv2d(current[0], filters, kernel, stride, padding,
                                                    positive_int(spec, "block", origin, pointer), bc_impl))
            current = [filters, out_h, out_w]
        elif kind in ("maxpool2d", "avgpool2d"):
            size = int_pair(spec, "size", origin, pointer)
            stride = int_pair(spec, "stride", origin, pointer, size)
            pool = nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d
            modules.append(pool(size, stride))
            current = [current[0], (current[1] - size[0]) // stride[0] + 1, (current[2] - size[1]) // stride[1] + 1]
        elif kind == "global_avgpool":
            modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            current = [current[0]]
        elif kind == "batchnorm":
            momentum = spec.get("momentum", 0.1)
            eps = spec.get("eps", 1e-5)
            norm = nn.BatchNorm2d if len(current) == 3 else nn.BatchNorm1d
            modules.append(norm(current[0], eps=eps, momentum=momentum))
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


def make_optimizer(model, config):
    """The config's train.optimizer (bcnn's defaults); weight decay on weights only, as bcnn."""
    spec = config.get("train", {}).get("optimizer", {})
    kind = spec.get("type", "adam")
    lr = spec.get("lr", 1e-3)
    decay = spec.get("weight_decay", 1e-2 if kind == "adamw" else 0.0)
    weights = [p for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d, BlockCirculantLinear,
                                                            BlockCirculantConv2d)) for p in [m.weight]]
    others = [p for p in model.parameters() if all(p is not w for w in weights)]
    groups = [{"params": weights, "weight_decay": decay}, {"params": others, "weight_decay": 0.0}]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=spec.get("momentum", 0.9),
                               nesterov=spec.get("nesterov", False))
    betas = (spec.get("beta1", 0.9), spec.get("beta2", 0.999))
    eps = spec.get("eps", 1e-8)
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    return torch.optim.Adam(groups, lr=lr, betas=betas, eps=eps)


def compare(name, fft_out, reference, tolerance=1e-9):
    errors = [(a - b).abs().max().item() for a, b in zip(fft_out, reference)]
    status = "ok" if max(errors) < tolerance else "FAIL"
    print(f"check {name}: max |diff| y {errors[0]:.1e}, dx {errors[1]:.1e}, dw {errors[2]:.1e}, "
          f"db {errors[3]:.1e}  {status}")
    return max(errors) < tolerance


def outputs_and_grads(layer, x, forward):
    """y, dx, dw, db of sum(y * r) with a fixed random r."""
    x = x.clone().requires_grad_(True)
    layer.zero_grad(set_to_none=True)
    y = forward(x)
    r = torch.rand(y.shape, dtype=y.dtype, generator=torch.Generator().manual_seed(7))
    (y * r).sum().backward()
    return [y.detach(), x.grad, layer.weight.grad.clone(), layer.bias.grad.clone()]


def self_check():
    """Both block-circulant layers, FFT path against the explicit dense weight (double precision)."""
    torch.manual_seed(0)
    ok = True
    for n, m, k in [(7, 5, 1), (9, 6, 2), (10, 8, 3), (30, 17, 8), (64, 48, 16), (50, 70, 16),
                    (200, 130, 64), (784, 100, 64), (300, 520, 256)]:
        layer = BlockCirculantLinear(n, m, k).double()
        with torch.no_grad():
            layer.bias.uniform_(-0.2, 0.2)
        x = torch.rand(5, n, dtype=torch.float64)
        fft = outputs_and_grads(layer, x, layer)
        dense = outputs_and_grads(layer, x, lambda v: v @ layer.dense_weight().t() + layer.bias)
        ok &= compare(f"bc_dense n={n} m={m} k={k}", fft, dense)
    for c_in, c_out, size, kernel, stride, padding, k in [
            (5, 7, 6, (3, 3), (1, 1), (1, 1, 1, 1), 4), (16, 16, 8, (3, 3), (1, 1), (1, 1, 1, 1), 8),
            (12, 20, 7, (3, 2), (2, 1), (0, 1, 1, 0), 8), (32, 24, 5, (1, 1), (1, 1), (0, 0, 0, 0), 16),
            (8, 8, 9, (5, 5), (2, 2), (2, 2, 2, 2), 3)]:
        layer = BlockCirculantConv2d(c_in, c_out, kernel, stride, padding, k).double()
        with torch.no_grad():
            layer.bias.uniform_(-0.2, 0.2)
        x = torch.rand(3, c_in, size, size, dtype=torch.float64)
        fft = outputs_and_grads(layer, x, layer)
        dense = outputs_and_grads(layer, x, lambda v: F.conv2d(F.pad(v, padding), layer.dense_weight(),
                                                               layer.bias, stride=stride))
        ok &= compare(f"bc_conv2d {c_in}->{c_out} {size}x{size} kernel {kernel} stride {stride} k={k}", fft, dense)
    # The explicit matrix itself, against DESIGN.md's definition C[i][j] = c[(i - j) mod k].
    layer = BlockCirculantLinear(4, 4, 4)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    expected = torch.tensor([[1.0, 4.0, 3.0, 2.0], [2.0, 1.0, 4.0, 3.0], [3.0, 2.0, 1.0, 4.0],
                             [4.0, 3.0, 2.0, 1.0]])
    convention_ok = torch.equal(layer.dense_weight().detach(), expected)
    print(f"check first-column convention: {'ok' if convention_ok else 'FAIL'}")
    return ok and convention_ok


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
    parser.add_argument("--bc-impl", choices=("fft", "dense"), default="fft",
                        help="block-circulant layers by FFT or by their explicit dense weight")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--check", action="store_true", help="verify the block-circulant layers and exit")
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
        model, input_shape, output_shape = build_model(config, args.config, args.bc_impl)
        if len(output_shape) != 1 or output_shape[0] < 2:
            raise ConfigError(f"{args.config}: the network's output must hold at least 2 class logits, "
                              f"found {output_shape}")
    except ConfigError as e:
        print(f"torch_net: {e}", file=sys.stderr)
        return 1

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    classes = output_shape[0]
    optimizer = make_optimizer(model, config)
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
        print(f"torch_net: {args.config}: loss became {loss}", file=sys.stderr)
        return 1
    images_per_s = args.batch * args.steps / seconds
    median_step_ms = statistics.median(step_ms)
    print(f"torch_net {args.config}: torch {torch.__version__}, bc {args.bc_impl}, batch {args.batch}, "
          f"{args.threads} threads, {args.steps} steps after {args.warmup} warm-up: {images_per_s:.0f} images/s "
          f"(median step {median_step_ms:.3f} ms, final loss {loss:.4f})")
    if args.json:
        try:
            write_json_atomically(args.json, {
                "benchmark": "torch_net", "framework": "pytorch", "torch_version": torch.__version__,
                "config": args.config, "bc_impl": args.bc_impl, "batch": args.batch,
                "threads": torch.get_num_threads(), "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
                "mkldnn": torch.backends.mkldnn.is_available(), "steps": args.steps, "warmup": args.warmup,
                "parameters": sum(p.numel() for p in model.parameters()),
                "images_per_s": images_per_s, "median_step_ms": median_step_ms, "final_loss": loss})
        except ConfigError as e:
            print(f"torch_net: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
