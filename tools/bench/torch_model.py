#!/usr/bin/env python3
"""PyTorch reference for `asc bench train`: the same architecture as the zoo's tfjs model
(an ArchSpec: stem, DSC / IRwLB modules, pools, GAP, dense) or MobileNet V2, trained with
Adam on random data; prints one JSON line with samples/s for training and inference.
`--device cuda` runs it on the GPU (eager mode, cuDNN on with its autotuner), the
reference of `asc bench train --device cuda`.

Run it with jemalloc preloaded (LD_PRELOAD=.../libjemalloc.so.2,
MALLOC_CONF=oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1): PyTorch's fastest
configuration on this kind of machine, the reference `asc bench train` compares against.
"""
import argparse
import json
import math
import sys
import time

import torch
from torch import nn

IRWLB_EXPANSION = 3
BN_EPS = 1e-5  # the zoo's BatchNormalization epsilon
BN_MOMENTUM = 0.1  # PyTorch's convention for the zoo's momentum 0.9


def bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class Dsc(nn.Module):
    def __init__(self, k, cin, cout):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False), bn(cin), nn.SiLU(),
            nn.Conv2d(cin, cout, 1, bias=False), bn(cout), nn.SiLU())

    def forward(self, x):
        return self.body(x)


class Irwlb(nn.Module):
    def __init__(self, k, cin, cout):
        super().__init__()
        e = IRWLB_EXPANSION * cin
        self.residual = cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, e, 1, bias=False), bn(e), nn.SiLU(),
            nn.Conv2d(e, e, k, padding=k // 2, groups=e, bias=False), bn(e), nn.SiLU(),
            nn.Conv2d(e, cout, 1, bias=False), bn(cout))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class Identity(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        if cin != cout:
            raise ValueError(f"the identity cannot map {cin} to {cout} channels")

    def forward(self, x):
        return x


# The zoo's module registry (packages/zoo/src/modules.ts), entry for entry: the id digit
# and a constructor (in channels, out channels). A kind added there is added here.
MODULE_KINDS = {
    0: Identity,
    1: lambda cin, cout: Dsc(3, cin, cout),
    2: lambda cin, cout: Dsc(5, cin, cout),
    3: lambda cin, cout: Irwlb(3, cin, cout),
    4: lambda cin, cout: Irwlb(5, cin, cout),
}


def module(module_id, cin, cout):
    if module_id not in MODULE_KINDS:
        raise ValueError(f"unknown module kind {module_id!r} (known: {sorted(MODULE_KINDS)})")
    return MODULE_KINDS[module_id](cin, cout)


def spec_model(spec, in_channels, classes):
    f = spec["stemFilters"]
    layers = [nn.Conv2d(in_channels, f, 3, stride=2, padding=1, bias=False), bn(f), nn.ReLU()]
    width = f
    for a, b, pool in spec["blocks"]:
        out = math.floor(spec["growth"] * width + 1e-9)
        for module_id, cout in ((a, width), (b, out)):
            layers.append(module(module_id, width, cout))
            width = cout
        layers.append(nn.AvgPool2d(2, 2) if pool == "avg" else nn.MaxPool2d(2, 2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, classes)]
    return nn.Sequential(*layers)


def mobilenet_v2(in_channels, classes):
    """Keras MobileNetV2, alpha 1.0 (as the zoo's baseline): ReLU6, last conv 1280."""
    def cbr(cin, cout, k, stride=1, groups=1):
        return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU6()]

    class Block(nn.Module):
        def __init__(self, cin, t, cout, stride):
            super().__init__()
            e = cin * t
            layers = cbr(cin, e, 1) if t != 1 else []
            layers += cbr(e, e, 3, stride, e)
            layers += [nn.Conv2d(e, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3)]
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            y = self.body(x)
            return x + y if self.residual else y

    stages = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
              (6, 160, 3, 2), (6, 320, 1, 1)]
    layers = cbr(in_channels, 32, 3, 2)
    c = 32
    for t, out, n, s in stages:
        for i in range(n):
            layers.append(Block(c, t, out, s if i == 0 else 1))
            c = out
    layers += cbr(c, 1280, 1)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, classes)]
    return nn.Sequential(*layers)


def timed(fn, steps, warmup, sync):
    """Wall seconds and process CPU seconds (all threads) per call; `sync` waits for the
    device, so that queued GPU work is inside the timed interval."""
    for _ in range(warmup):
        fn()
    sync()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        fn()
    sync()
    return (time.perf_counter() - start) / steps, (time.process_time() - cpu) / steps


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--spec", help="ArchSpec JSON")
    p.add_argument("--model", help="'mobilenet-v2' instead of a spec")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--height", type=int, default=128)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--classes", type=int, default=3)
    p.add_argument("--train-steps", type=int, default=5)
    p.add_argument("--infer-steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    a = p.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    if a.device == "cuda":
        if not torch.cuda.is_available():
            p.error("--device cuda: torch sees no CUDA device")
        torch.backends.cudnn.enabled = True
        torch.backends.cudnn.benchmark = True
        # float32 math, as asc-cuda's default (no TF32 tensor cores).
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    device = torch.device(a.device)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    if a.model == "mobilenet-v2":
        model = mobilenet_v2(a.channels, a.classes)
    elif a.spec:
        model = spec_model(json.loads(a.spec), a.channels, a.classes)
    else:
        p.error("give --spec or --model mobilenet-v2")
    params = sum(t.numel() for t in model.parameters())
    model = model.to(device)
    x = torch.randn(a.batch, a.channels, a.height, a.width).to(device)
    y = nn.functional.one_hot(torch.randint(0, a.classes, (a.batch,)), a.classes).float().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        # The loss read every step, as the trainer (and asc bench train) do.
        return loss.item()

    model.train()
    train_seconds, train_cpu = timed(train_step, a.train_steps, a.warmup, sync)
    model.eval()

    def infer_step():
        with torch.inference_mode():
            # Read back, as asc bench train's inference reads its outputs.
            model(x).cpu()

    infer_seconds, infer_cpu = timed(infer_step, a.infer_steps, a.warmup, sync)
    json.dump({
        "trainSamplesPerSec": a.batch / train_seconds,
        "inferSamplesPerSec": a.batch / infer_seconds,
        "trainCpuSecondsPerStep": train_cpu,
        "inferCpuSecondsPerStep": infer_cpu,
        "threads": torch.get_num_threads(),
        "params": params,
        "torchVersion": torch.__version__,
        "device": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu",
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
