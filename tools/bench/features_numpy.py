#!/usr/bin/env python3
"""The scalogram pipeline in numpy: the reference `asc bench features` measures against.

The same steps as native/src/features (docs/scalogram.md), written the way
../shared/reference/make_pipeline_reference.py writes them: read the WAV, reflect-pad
by n_fft/2, frame with fancy indexing, periodic Hamming(1200) centred in 2048, rfft,
power, dense filter-bank product, 10 log10 clipped at max - 80, mid/side, pad with -80
to a multiple of 128 frames, (n, 128, bands, 2) float32 segments written to OUT (temp +
rename), one file per clip.

usage: features_numpy.py --bank BANK --bands B --bins K --out DIR [--dtype float64|float32] WAV...
  BANK: the filter bank as raw little-endian float32, B x K (written by the bench from
  morletFilterbank, so both sides apply the same matrix).
Prints one JSON line: {"files", "seconds", "filesPerSec", "dtype"}.
"""
import argparse
import json
import os
import struct
import time

import numpy as np

FS, N_FFT, WIN, HOP, TOP_DB, SEGMENT = 48000, 2048, 1200, 480, 80.0, 128


def read_wav(path):
    """PCM 16/24/32 or float 32/64, any chunk order; returns (channels, samples) floats."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("%s: not a RIFF/WAVE file" % path)
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = data[pos + 8:pos + 8 + size]
        elif cid == b"data":
            body = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    tag, channels, rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if rate != FS:
        raise ValueError("%s: sample rate %d, expected %d" % (path, rate, FS))
    if tag == 3:
        x = np.frombuffer(body, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 24:
        b = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        x = ((b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)) >> 8
        x = x / 8388608.0
    else:
        x = np.frombuffer(body, dtype="<i2" if bits == 16 else "<i4") / float(2 ** (bits - 1))
    return x.reshape(-1, channels).T


def periodic_hamming(L):
    n = np.arange(L)
    return 0.54 - 0.46 * np.cos(2 * np.pi * n / L)


def channel_db(x, F, window, dtype):
    pad = N_FFT // 2
    y = np.pad(x.astype(dtype), pad, mode="reflect")
    n_total = 1 + (len(y) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_total)[:, None]
    X = np.fft.rfft(y[idx] * window[None, :], n=N_FFT, axis=1)
    P = (X.real ** 2 + X.imag ** 2).astype(dtype)
    S = P @ F.T
    D = 10.0 * np.log10(np.maximum(S, 1e-10))
    return np.maximum(D, D.max() - TOP_DB)


def clip_segments(path, F, window, dtype):
    x = read_wav(path)
    left = channel_db(x[0], F, window, dtype)
    right = channel_db(x[1], F, window, dtype) if x.shape[0] > 1 else left
    planes = np.stack([(left + right) / 2, left - right], axis=-1)   # (frames, bands, 2)
    frames = planes.shape[0]
    n = -(-frames // SEGMENT)
    out = np.full((n * SEGMENT, F.shape[0], 2), -TOP_DB, dtype=np.float32)
    out[:frames] = planes
    return out.reshape(n, SEGMENT, F.shape[0], 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bank", required=True)
    ap.add_argument("--bands", type=int, required=True)
    ap.add_argument("--bins", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("wavs", nargs="+")
    a = ap.parse_args()
    dtype = np.dtype(a.dtype)
    F = np.fromfile(a.bank, dtype="<f4").reshape(a.bands, a.bins).astype(dtype)
    window = np.zeros(N_FFT, dtype=dtype)
    lpad = (N_FFT - WIN) // 2
    window[lpad:lpad + WIN] = periodic_hamming(WIN)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    for i, path in enumerate(a.wavs):
        seg = clip_segments(path, F, window, dtype)
        target = os.path.join(a.out, "%d.f32" % i)
        seg.tofile(target + ".tmp")
        os.replace(target + ".tmp", target)
    seconds = time.perf_counter() - t0
    print(json.dumps({"files": len(a.wavs), "seconds": seconds,
                      "filesPerSec": len(a.wavs) / seconds, "dtype": a.dtype}))


if __name__ == "__main__":
    main()
