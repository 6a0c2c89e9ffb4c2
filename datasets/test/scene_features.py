"""Independent reference for the synthetic-dataset tests: reads WAV files with Python's
own wave module and numpy (not with @asc/datasets) and prints, as one JSON object, each
file's header and a few standard scene features:
  - band energy of octave bands 63 Hz .. 8 kHz in dB relative to the clip's total,
  - magnitude-squared inter-channel coherence per band,
  - spectral centroid in Hz,
  - temporal variation of the band energy (std of per-frame dB).
Usage: python3 scene_features.py ROOT FILE...   (FILE relative to ROOT)"""
import json
import sys
import wave

import numpy as np

BANDS = [(44, 88), (88, 177), (177, 354), (354, 707), (707, 1414), (1414, 2828), (2828, 5657), (5657, 11314)]
FRAME = 2048


def read(path):
    with wave.open(path, 'rb') as w:
        header = {'channels': w.getnchannels(), 'sampleWidthBytes': w.getsampwidth(),
                  'rateHz': w.getframerate(), 'frames': w.getnframes(), 'compression': w.getcomptype()}
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype=np.uint8)
    assert header['sampleWidthBytes'] == 3, 'only 24-bit files are analysed'
    b = raw.reshape(-1, 3).astype(np.int32)
    v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    v = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float64) / (1 << 23)
    return header, v.reshape(-1, header['channels'])


def features(x, rate):
    n = (len(x) // FRAME) * FRAME
    window = np.hanning(FRAME)
    left = np.fft.rfft(x[:n, 0].reshape(-1, FRAME) * window, axis=1)
    right = np.fft.rfft(x[:n, 1].reshape(-1, FRAME) * window, axis=1)
    freq = np.fft.rfftfreq(FRAME, 1 / rate)
    power = np.abs(left) ** 2 + np.abs(right) ** 2
    total = power.sum() + 1e-30
    out = {}
    for lo, hi in BANDS:
        m = (freq >= lo) & (freq < hi)
        name = f'{int(round((lo * hi) ** 0.5))}Hz'
        band = power[:, m].sum(axis=1)
        out['energy' + name] = float(10 * np.log10(band.sum() / total + 1e-12))
        out['variation' + name] = float(np.std(10 * np.log10(band + 1e-20)))
        cross = np.abs((left[:, m] * np.conj(right[:, m])).sum(axis=0)) ** 2
        auto = (np.abs(left[:, m]) ** 2).sum(axis=0) * (np.abs(right[:, m]) ** 2).sum(axis=0) + 1e-30
        out['coherence' + name] = float(np.mean(cross / auto))
    spectrum = power.sum(axis=0)
    out['centroidHz'] = float((freq * spectrum).sum() / spectrum.sum())
    return out


def main():
    root, files = sys.argv[1], sys.argv[2:]
    result = {}
    for f in files:
        header, x = read(f'{root}/{f}')
        result[f] = {'header': header, 'features': features(x, header['rateHz'])}
    print(json.dumps(result))


main()
