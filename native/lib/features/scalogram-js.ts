import type { AudioPlanes } from '../audio/types';
import type { FeatureConfig } from './config';
import { designMorletBank } from './filterbank-design';

// Aliased: under Jest's vm contexts every `Math.x` lookup goes through an interceptor that
// made these hot loops many times slower.
const { abs, ceil, cos, floor, log10, max } = Math;

// The scalogram pipeline in TypeScript (fftw-js for the FFT): the twin of
// native/src/features/{stft,sparse_bank,scalogram}.cc, used when the addon is absent and
// in the browser (../browser.ts): it must import nothing of Node's.

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
  /** Planes the features were made from (1: the side plane is 0). */
  channels: number;
}

/** See native/src/features/sparse_bank.cc for why this floor is safe. */
const RELATIVE_WEIGHT_FLOOR = 1e-13;

/** Filter-bank weights to apply: row-major bands x bins (bins = nFft / 2 + 1). */
export interface FilterbankWeights {
  weights: Float32Array | Float64Array;
  bands: number;
  bins: number;
}

interface SparseBank {
  bands: number;
  begin: Int32Array;
  length: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
}

function sparsify(bank: FilterbankWeights): SparseBank {
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
  return { bands: bank.bands, begin, length, offset, weights: Float32Array.from(kept) };
}

const designed = new Map<string, SparseBank>();

function designedBank(nFft: number, J: number, Q: number): SparseBank {
  const key = `${nFft}/${J}/${Q}`;
  let bank = designed.get(key);
  if (!bank) {
    bank = sparsify(designMorletBank(nFft, J, Q));
    designed.set(key, bank);
  }
  return bank;
}

/** Frames of an n-sample signal with centred framing. */
export function stftFrameCount(samples: number, nFft: number, hopSamples: number): number {
  const padded = samples + 2 * floor(nFft / 2);
  return padded < nFft ? 0 : 1 + floor((padded - nFft) / hopSamples);
}

/**
 * How many leading frames the first `samples` samples of a longer signal determine: the
 * frames whose window ends within them (a live signal's later frames need later samples;
 * the first frames reach into the reflect padding before sample 0, as for a whole clip).
 */
export function framesAvailable(samples: number, config: FeatureConfig): number {
  const lastNeeded = floor((config.nFft - config.windowSamples) / 2) + config.windowSamples;
  const reach = samples + floor(config.nFft / 2) - lastNeeded;
  return reach < 0 ? 0 : 1 + floor(reach / config.hopSamples);
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

/**
 * The per-frame arithmetic of the pipeline for one config: window, FFT, power, filter
 * bank, then dB ('power-db', not yet clipped) or the bank applied to log magnitudes.
 * Holds an FFT plan: call dispose() when done.
 */
export class FrameAnalyser {
  readonly bands: number;
  private readonly bank: SparseBank;
  private readonly window: Float32Array;
  private readonly windowStart: number;
  private readonly frame: Float32Array;
  private readonly spectrum: Float32Array;
  private readonly fft: InstanceType<FftConstructor>;

  /** `bank`: the weights to apply (default: designed here from the config's nFft, J, Q). */
  constructor(
    private readonly config: FeatureConfig,
    bank?: FilterbankWeights,
  ) {
    const { nFft, windowSamples } = config;
    const bins = floor(nFft / 2) + 1;
    if (bank && bank.bins !== bins) {
      throw new RangeError(`the filter bank has ${bank.bins} bins; nFft ${nFft} needs ${bins}`);
    }
    this.bank = bank ? sparsify(bank) : designedBank(nFft, config.J, config.Q);
    this.bands = this.bank.bands;
    this.windowStart = floor((nFft - windowSamples) / 2);
    const [a0, a1] = config.window === 'hamming' ? [0.54, 0.46] : [0.5, 0.5];
    this.window = new Float32Array(windowSamples);
    for (let n = 0; n < windowSamples; n++) {
      this.window[n] = a0 - a1 * cos((2 * Math.PI * n) / windowSamples);
    }
    this.frame = new Float32Array(nFft);
    this.spectrum = new Float32Array(bins);
    this.fft = new (loadFft())(nFft);
  }

  /**
   * Frames [from, to) (frames x bands) of a signal of which `x` holds the samples from
   * index `origin` on: frame m is centred on sample m * hopSamples, and samples before 0
   * or past the end of `x` are reflected at the signal's ends (a whole clip: origin 0).
   */
  frames(x: Float32Array, from: number, to: number, origin = 0): Float32Array {
    const { nFft, windowSamples, hopSamples } = this.config;
    const { bank, window, frame, spectrum, windowStart } = this;
    const bins = spectrum.length;
    const powerDb = this.config.scale === 'power-db';
    const out = new Float32Array(max(0, to - from) * bank.bands);
    for (let m = from; m < to; m++) {
      const first = m * hopSamples + windowStart - floor(nFft / 2) - origin;
      if (first >= 0 && first + windowSamples <= x.length) {
        for (let k = 0; k < windowSamples; k++) frame[windowStart + k] = x[first + k] * window[k];
      } else {
        for (let k = 0; k < windowSamples; k++) {
          frame[windowStart + k] = reflected(x, first + k) * window[k];
        }
      }
      const X = this.fft.forward(frame);
      for (let k = 0; k < bins; k++) {
        const p = X[2 * k] * X[2 * k] + X[2 * k + 1] * X[2 * k + 1];
        spectrum[k] = powerDb ? p : 10 * log10(max(p, 1e-10));
      }
      const row = (m - from) * bank.bands;
      for (let b = 0; b < bank.bands; b++) {
        const w0 = bank.offset[b];
        const s0 = bank.begin[b];
        const n = bank.length[b];
        let acc = 0;
        for (let k = 0; k < n; k++) acc += bank.weights[w0 + k] * spectrum[s0 + k];
        out[row + b] = powerDb ? 10 * log10(max(acc, 1e-10)) : acc;
      }
    }
    return out;
  }

  dispose(): void {
    this.fft.dispose();
  }
}

/** The largest value of `values` (-Infinity when empty). */
export function peakOf(values: Float32Array): number {
  let peak = -Infinity;
  for (const v of values) if (v > peak) peak = v;
  return peak;
}

/**
 * Clips dB values in place from below at `peak - topDb` ('power-db' only; log-magnitude
 * values are not clipped). A clip's peak is its channel's maximum over all its frames.
 */
export function clipTopDb(db: Float32Array, config: FeatureConfig, peak = peakOf(db)): void {
  if (config.scale !== 'power-db') return;
  const floor = peak - config.topDb;
  for (let i = 0; i < db.length; i++) if (db[i] < floor) db[i] = floor;
}

/**
 * Whole segments (NHWC: count x segmentFrames x bands x 2) of the planes mid = (L + R) / 2
 * and side = L - R (mono: the channel and 0), frames past the end holding -topDb.
 */
export function midSideSegments(
  left: Float32Array,
  right: Float32Array | undefined,
  bands: number,
  config: FeatureConfig,
): { segments: Float32Array; shape: [number, number, number, 2]; frames: number } {
  const frames = left.length / bands;
  const count = ceil(frames / config.segmentFrames);
  const out = new Float32Array(count * config.segmentFrames * bands * 2).fill(-config.topDb);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = right ? 0.5 * (left[i] + right[i]) : left[i];
    out[2 * i + 1] = right ? left[i] - right[i] : 0;
  }
  return { segments: out, shape: [count, config.segmentFrames, bands, 2], frames };
}

/**
 * Mid/side segments of decoded audio (the sample rate must be the config's). `bank`:
 * the filter-bank weights to apply (default: designed from the config).
 */
export function computeSegmentsJs(
  audio: AudioPlanes,
  config: FeatureConfig,
  file: string,
  bank?: FilterbankWeights,
): ClipSegments {
  if (audio.sampleRateHz !== config.sampleRateHz) {
    throw new RangeError(
      `${file}: audio at ${audio.sampleRateHz} Hz given to a ${config.sampleRateHz} Hz pipeline`,
    );
  }
  const analyser = new FrameAnalyser(config, bank);
  const frames = stftFrameCount(audio.frames, config.nFft, config.hopSamples);
  const channel = (x: Float32Array): Float32Array => {
    const db = analyser.frames(x, 0, frames);
    clipTopDb(db, config);
    return db;
  };
  try {
    const left = channel(audio.samples[0]);
    const right = audio.channels > 1 ? channel(audio.samples[1]) : undefined;
    return { ...midSideSegments(left, right, analyser.bands, config), channels: audio.channels };
  } finally {
    analyser.dispose();
  }
}
