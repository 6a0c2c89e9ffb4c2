import type { FeatureConfig } from './config';
import { WavError } from './errors';
import { designMorletBank } from './filterbank-design';
import type { WavAudio } from './wav';

// Aliased: under Jest's vm contexts every `Math.x` lookup goes through an interceptor that
// made these hot loops many times slower.
const { abs, ceil, cos, floor, log10, max } = Math;

// The scalogram pipeline in TypeScript (fftw-js for the FFT): the twin of
// native/src/features/{stft,sparse_bank,scalogram}.cc, used when the addon is absent.

// fftw-js has no type declarations.
type FftConstructor = new (n: number) => {
  forward(x: Float32Array): Float32Array;
  dispose(): void;
};
let fftConstructor: FftConstructor | undefined;

// Loaded on first use, not at import: loading it costs about a second and installs a
// process-wide uncaughtException handler, which every `asc` command (and every package
// importing @asc/native) would otherwise inherit even when the addon does the work.
function loadFft(): FftConstructor {
  fftConstructor ??= (require('fftw-js') as { FFT: FftConstructor }).FFT;
  return fftConstructor;
}

/** Segments of one clip, NHWC: count x segmentFrames x bands x 2 (mid, side). */
export interface ClipSegments {
  segments: Float32Array;
  shape: [number, number, number, 2];
  /** Valid STFT frames before padding. */
  frames: number;
  /** Channels of the source audio (1: side plane is 0). */
  channels: number;
}

/** See native/src/features/sparse_bank.cc for why this floor is safe. */
const RELATIVE_WEIGHT_FLOOR = 1e-13;

interface SparseBank {
  bands: number;
  begin: Int32Array;
  length: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
}

const banks = new Map<string, SparseBank>();

function sparseBank(nFft: number, J: number, Q: number): SparseBank {
  const key = `${nFft}/${J}/${Q}`;
  const cached = banks.get(key);
  if (cached) return cached;
  const bank = designMorletBank(nFft, J, Q);
  let peak = 0;
  for (const w of bank.weights) peak = max(peak, abs(w));
  const floor = RELATIVE_WEIGHT_FLOOR * peak;
  const begin = new Int32Array(bank.bands);
  const length = new Int32Array(bank.bands);
  const offset = new Int32Array(bank.bands);
  const kept: number[] = [];
  for (let b = 0; b < bank.bands; b++) {
    const row = bank.weights.subarray(b * bank.bins, (b + 1) * bank.bins);
    let lo = 0;
    let hi = bank.bins;
    while (lo < hi && abs(row[lo]) < floor) lo++;
    while (hi > lo && abs(row[hi - 1]) < floor) hi--;
    begin[b] = lo;
    length[b] = hi - lo;
    offset[b] = kept.length;
    for (let k = lo; k < hi; k++) kept.push(row[k]);
  }
  const sparse = { bands: bank.bands, begin, length, offset, weights: Float32Array.from(kept) };
  banks.set(key, sparse);
  return sparse;
}

/** Frames of an n-sample signal with centred framing. */
export function stftFrameCount(samples: number, nFft: number, hopSamples: number): number {
  const padded = samples + 2 * floor(nFft / 2);
  return padded < nFft ? 0 : 1 + floor((padded - nFft) / hopSamples);
}

function reflected(x: Float32Array, j: number): number {
  const n = x.length;
  if (n === 1) return x[0];
  const period = 2 * (n - 1);
  j %= period;
  if (j < 0) j += period;
  if (j >= n) j = period - j;
  return x[j];
}

/** The (frames x bands) dB matrix of one channel. */
export function channelDb(x: Float32Array, config: FeatureConfig): Float32Array {
  const { nFft, windowSamples, hopSamples } = config;
  const bank = sparseBank(nFft, config.J, config.Q);
  const bins = floor(nFft / 2) + 1;
  const frames = stftFrameCount(x.length, nFft, hopSamples);
  const windowStart = floor((nFft - windowSamples) / 2);
  const [a0, a1] = config.window === 'hamming' ? [0.54, 0.46] : [0.5, 0.5];
  const window = new Float32Array(windowSamples);
  for (let n = 0; n < windowSamples; n++) {
    window[n] = a0 - a1 * cos((2 * Math.PI * n) / windowSamples);
  }
  const frame = new Float32Array(nFft);
  const spectrum = new Float32Array(bins);
  const db = new Float32Array(frames * bank.bands);
  const fft = new (loadFft())(nFft);
  const powerDb = config.scale === 'power-db';
  let peak = -Infinity;
  try {
    for (let m = 0; m < frames; m++) {
      const first = m * hopSamples + windowStart - floor(nFft / 2);
      if (first >= 0 && first + windowSamples <= x.length) {
        for (let k = 0; k < windowSamples; k++) frame[windowStart + k] = x[first + k] * window[k];
      } else {
        for (let k = 0; k < windowSamples; k++) {
          frame[windowStart + k] = reflected(x, first + k) * window[k];
        }
      }
      const X = fft.forward(frame);
      for (let k = 0; k < bins; k++) {
        const p = X[2 * k] * X[2 * k] + X[2 * k + 1] * X[2 * k + 1];
        spectrum[k] = powerDb ? p : 10 * log10(max(p, 1e-10));
      }
      const row = m * bank.bands;
      for (let b = 0; b < bank.bands; b++) {
        const w0 = bank.offset[b];
        const s0 = bank.begin[b];
        const n = bank.length[b];
        let acc = 0;
        for (let k = 0; k < n; k++) acc += bank.weights[w0 + k] * spectrum[s0 + k];
        if (powerDb) {
          const v = 10 * log10(max(acc, 1e-10));
          db[row + b] = v;
          if (v > peak) peak = v;
        } else {
          db[row + b] = acc;
        }
      }
    }
  } finally {
    fft.dispose();
  }
  if (powerDb) {
    const floor = peak - config.topDb;
    for (let i = 0; i < db.length; i++) if (db[i] < floor) db[i] = floor;
  }
  return db;
}

/** Mid/side segments of decoded audio (the sample rate must be the config's). */
export function computeSegmentsJs(
  audio: WavAudio,
  config: FeatureConfig,
  file: string,
): ClipSegments {
  if (audio.sampleRateHz !== config.sampleRateHz) {
    throw new WavError(
      file,
      'sample-rate',
      `sample rate ${audio.sampleRateHz} Hz, expected ${config.sampleRateHz} Hz`,
    );
  }
  const left = channelDb(audio.samples[0], config);
  const right = audio.channels > 1 ? channelDb(audio.samples[1], config) : undefined;
  const bands = sparseBank(config.nFft, config.J, config.Q).bands;
  const frames = left.length / bands;
  const count = ceil(frames / config.segmentFrames);
  const out = new Float32Array(count * config.segmentFrames * bands * 2).fill(-config.topDb);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = right ? 0.5 * (left[i] + right[i]) : left[i];
    out[2 * i + 1] = right ? left[i] - right[i] : 0;
  }
  return {
    segments: out,
    shape: [count, config.segmentFrames, bands, 2],
    frames,
    channels: audio.channels,
  };
}
