#!/usr/bin/env python3
"""The scalogram pipeline in PyTorch on a GPU: the reference `asc bench features --device
cuda` measures its device compute against.

The steps of docs/scalogram.md written the way a PyTorch user would: torch.stft (n_fft
2048, hop 480, periodic Hamming(1200) centred in the frame, centred frames with reflect
padding), power, a matmul with the same filter bank (float32), 10 log10 clamped at
1e-10, the per-clip-and-channel max - 80 clip, mid/side, -80 padding to a multiple of
128 frames, segments (n, 128, bands, 2).

Timing: clips already in device memory (`--clips` in batches of `--batch` stereo 10 s
clips of uniform noise, several input sets in rotation so no batch is served from cache),
three warm-up batches, CUDA events around the timed ones.
With WAV files and --out, it also writes each file's segments (float32, the layout of the
cache's shard payload) to OUT/<index>.f32, so the caller can check that this pipeline
computes the same features as ours.

usage: features_torch.py --bank BANK --bands B --bins K [--clips N] [--batch B]
                         [--device cuda|cpu] [--out DIR WAV...]
  BANK: the filter bank as raw little-endian float32, B x K (written by the bench from
  morletFilterbank, so both sides apply the same matrix).
Prints one JSON line: {"filesPerSec", "clips", "batch", "seconds", "device", "torch", "gpu"}.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from features_numpy import FS, HOP, N_FFT, SEGMENT, TOP_DB, WIN, read_wav  # noqa: E402


def scalogram(x, bank, window):
    """x: (clips, channels, samples) -> (clips, segments, SEGMENT, bands, 2)."""
    clips, channels, samples = x.shape
    spec = torch.stft(x.reshape(clips * channels, samples), n_fft=N_FFT, hop_length=HOP,
                      win_length=WIN, window=window, center=True, pad_mode="reflect",
                      return_complex=True)                       # (c*ch, bins, frames)
    power = spec.real.square() + spec.imag.square()
    s = torch.matmul(bank, power)                                # (c*ch, bands, frames)
    db = 10.0 * torch.log10(torch.clamp(s, min=1e-10))
    peak = db.amax(dim=(1, 2), keepdim=True)
    db = torch.maximum(db, peak - TOP_DB).reshape(clips, channels, bank.shape[0], -1)
    if channels == 2:
        planes = torch.stack([(db[:, 0] + db[:, 1]) / 2, db[:, 0] - db[:, 1]], dim=-1)
    else:
        planes = torch.stack([db[:, 0], torch.zeros_like(db[:, 0])], dim=-1)
    planes = planes.transpose(1, 2)                              # (clips, frames, bands, 2)
    frames = planes.shape[1]
    padded = -(-frames // SEGMENT) * SEGMENT
    planes = torch.nn.functional.pad(planes, (0, 0, 0, 0, 0, padded - frames), value=-TOP_DB)
    return planes.reshape(clips, padded // SEGMENT, SEGMENT, bank.shape[0], 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bank", required=True)
    ap.add_argument("--bands", type=int, required=True)
    ap.add_argument("--bins", type=int, required=True)
    ap.add_argument("--clips", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--out")
    ap.add_argument("wavs", nargs="*")
    a = ap.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("torch %s sees no CUDA device" % torch.__version__)
    dev = torch.device(a.device)
    bank = torch.from_numpy(np.fromfile(a.bank, dtype="<f4").reshape(a.bands, a.bins)).to(dev)
    window = torch.hamming_window(WIN, periodic=True, dtype=torch.float32, device=dev)

    if a.out:
        os.makedirs(a.out, exist_ok=True)
        for i, path in enumerate(a.wavs):
            x = torch.from_numpy(read_wav(path).astype(np.float32)).to(dev)
            seg = scalogram(x[None], bank, window)[0].cpu().numpy()
            target = os.path.join(a.out, "%d.f32" % i)
            seg.tofile(target + ".tmp")
            os.replace(target + ".tmp", target)

    samples = int(a.seconds * FS)
    generator = torch.Generator(device=dev).manual_seed(1)
    inputs = [torch.rand((a.batch, 2, samples), generator=generator, device=dev) * 2 - 1 for _ in range(3)]
    launches = max(3, -(-a.clips // a.batch))
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    for i in range(3):
        scalogram(inputs[i % len(inputs)], bank, window)
    sync()
    if a.device == "cuda":
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for i in range(launches):
            scalogram(inputs[i % len(inputs)], bank, window)
        stop.record()
        stop.synchronize()
        seconds = start.elapsed_time(stop) / 1000.0
    else:
        import time
        t0 = time.perf_counter()
        for i in range(launches):
            scalogram(inputs[i % len(inputs)], bank, window)
        seconds = time.perf_counter() - t0
    files = launches * a.batch
    print(json.dumps({
        "filesPerSec": files / seconds, "clips": files, "batch": a.batch, "seconds": seconds,
        "device": a.device, "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if a.device == "cuda" else None,
    }))


if __name__ == "__main__":
    main()
