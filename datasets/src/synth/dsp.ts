/**
 * Small DSP building blocks for the scene generator. Everything works in place on
 * Float64Array buffers with plain loops (no FFT, no allocation per sample), because a
 * 10 s stereo clip at 48 kHz is about a million samples and 200 clips must render in
 * seconds.
 */

// Aliases of Math: global lookups inside a vm context (as under Jest) are ~100x slower.
const { cos, exp, floor, max, min, pow, round, sin, sqrt } = Math;

const SINE_TABLE_BITS = 12;
const SINE_TABLE_SIZE = 1 << SINE_TABLE_BITS;
/** One period of sin(), one extra point for interpolation. */
const SINE_TABLE = (() => {
  const table = new Float64Array(SINE_TABLE_SIZE + 1);
  for (let i = 0; i <= SINE_TABLE_SIZE; i++) table[i] = sin((2 * Math.PI * i) / SINE_TABLE_SIZE);
  return table;
})();

/** sin(2 pi cycles) by table lookup with linear interpolation; `cycles` >= 0. */
export function sineOfCycles(cycles: number): number {
  const position = (cycles - floor(cycles)) * SINE_TABLE_SIZE;
  const index = position | 0;
  const fraction = position - index;
  return SINE_TABLE[index] + (SINE_TABLE[index + 1] - SINE_TABLE[index]) * fraction;
}

export function dbToGain(db: number): number {
  return pow(10, db / 20);
}

/** Coefficients of a second-order section (RBJ cookbook), normalised so a0 = 1. */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function limitHz(frequencyHz: number, sampleRateHz: number): number {
  return min(max(frequencyHz, 1), 0.45 * sampleRateHz);
}

export function bandpass(centreHz: number, q: number, sampleRateHz: number): Biquad {
  const w = (2 * Math.PI * limitHz(centreHz, sampleRateHz)) / sampleRateHz;
  const alpha = sin(w) / (2 * q);
  const a0 = 1 + alpha;
  return {
    b0: alpha / a0,
    b1: 0,
    b2: -alpha / a0,
    a1: (-2 * cos(w)) / a0,
    a2: (1 - alpha) / a0,
  };
}

export function lowpass(cutoffHz: number, q: number, sampleRateHz: number): Biquad {
  const w = (2 * Math.PI * limitHz(cutoffHz, sampleRateHz)) / sampleRateHz;
  const alpha = sin(w) / (2 * q);
  const cosW = cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 - cosW) / 2 / a0,
    b1: (1 - cosW) / a0,
    b2: (1 - cosW) / 2 / a0,
    a1: (-2 * cosW) / a0,
    a2: (1 - alpha) / a0,
  };
}

export function highpass(cutoffHz: number, q: number, sampleRateHz: number): Biquad {
  const w = (2 * Math.PI * limitHz(cutoffHz, sampleRateHz)) / sampleRateHz;
  const alpha = sin(w) / (2 * q);
  const cosW = cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 + cosW) / 2 / a0,
    b1: -(1 + cosW) / a0,
    b2: (1 + cosW) / 2 / a0,
    a1: (-2 * cosW) / a0,
    a2: (1 - alpha) / a0,
  };
}

/** Filters x[start, end) in place (transposed direct form II); returns the state for chaining blocks. */
export function applyBiquad(
  x: Float64Array,
  f: Biquad,
  start = 0,
  end = x.length,
  state: [number, number] = [0, 0],
): [number, number] {
  const { b0, b1, b2, a1, a2 } = f;
  let z1 = state[0];
  let z2 = state[1];
  for (let i = start; i < end; i++) {
    const input = x[i];
    const y = b0 * input + z1;
    z1 = b1 * input - a1 * y + z2;
    z2 = b2 * input - a2 * y;
    x[i] = y;
  }
  return [z1, z2];
}

/** Runs a cascade of sections over all of x in one pass (cheaper than one pass per section). */
export function applyBiquads(x: Float64Array, sections: readonly [Biquad, Biquad]): void {
  const [f, g] = sections;
  let z1 = 0;
  let z2 = 0;
  let w1 = 0;
  let w2 = 0;
  for (let i = 0; i < x.length; i++) {
    const input = x[i];
    const y = f.b0 * input + z1;
    z1 = f.b1 * input - f.a1 * y + z2;
    z2 = f.b2 * input - f.a2 * y;
    const v = g.b0 * y + w1;
    w1 = g.b1 * y - g.a1 * v + w2;
    w2 = g.b2 * y - g.a2 * v;
    x[i] = v;
  }
}

/** The smoothing factor of a one-pole low-pass, y += a * (x - y), with this cutoff. */
function onePoleCoefficient(cutoffHz: number, sampleRateHz: number): number {
  return 1 - exp((-2 * Math.PI * cutoffHz) / sampleRateHz);
}

/** One-pole low-pass (6 dB/octave) in place. */
export function onePoleLowpass(
  x: Float64Array,
  cutoffHz: number,
  sampleRateHz: number,
  start = 0,
  end = x.length,
): void {
  const a = onePoleCoefficient(limitHz(cutoffHz, sampleRateHz), sampleRateHz);
  let y = 0;
  for (let i = start; i < end; i++) {
    y += a * (x[i] - y);
    x[i] = y;
  }
}

/** One-pole high-pass (6 dB/octave) in place: x minus its one-pole low-pass. */
export function onePoleHighpass(
  x: Float64Array,
  cutoffHz: number,
  sampleRateHz: number,
  start = 0,
  end = x.length,
): void {
  const a = onePoleCoefficient(limitHz(cutoffHz, sampleRateHz), sampleRateHz);
  let y = 0;
  for (let i = start; i < end; i++) {
    y += a * (x[i] - y);
    x[i] -= y;
  }
}

/** Adds `gain * source[i]` into `target[offset + i]`, clipped to target's bounds. */
export function mixInto(
  target: Float64Array,
  source: Float64Array,
  offset: number,
  gain: number,
): void {
  const from = max(0, -offset);
  const to = min(source.length, target.length - offset);
  for (let i = from; i < to; i++) target[offset + i] += gain * source[i];
}

export function rms(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return sqrt(sum / max(1, x.length));
}

/** Scales `x` in place to root-mean-square `target` (no-op on silence). */
export function normalizeRms(x: Float64Array, target: number): void {
  const current = rms(x);
  if (current === 0) return;
  const gain = target / current;
  for (let i = 0; i < x.length; i++) x[i] *= gain;
}

/**
 * A recording device's colouring: scales the lows (below about 300 Hz) and the highs
 * (above about 3 kHz) by the given gains, in place; 1 and 1 leave x as it is.
 */
export function deviceResponse(
  x: Float64Array,
  lowGain: number,
  highGain: number,
  sampleRateHz: number,
): void {
  const aLow = onePoleCoefficient(300, sampleRateHz);
  const aHigh = onePoleCoefficient(min(3000, 0.4 * sampleRateHz), sampleRateHz);
  let low = 0;
  let belowHigh = 0;
  for (let i = 0; i < x.length; i++) {
    const input = x[i];
    low += aLow * (input - low);
    belowHigh += aHigh * (input - belowHigh);
    x[i] = input + (lowGain - 1) * low + (highGain - 1) * (input - belowHigh);
  }
}

/** Delays and comb lengths of a Freeverb-style reverberator at 44.1 kHz. */
const COMB_SAMPLES_44K = [1116, 1277, 1422, 1557];
const ALLPASS_SAMPLES_44K = [556, 341];
/** Extra delay for the right channel, which decorrelates the two reverb tails. */
const STEREO_SPREAD_44K = 23;

export interface ReverbOptions {
  /** Time for the tail to decay by 60 dB. */
  rt60Seconds: number;
  /** Scales the delay lengths: bigger rooms, sparser early echoes. */
  roomScale: number;
  /** 0..1: how much high frequencies are absorbed on each pass. */
  damping: number;
  sampleRateHz: number;
}

/**
 * Schroeder/Freeverb reverberator: parallel low-pass feedback combs, then series
 * allpasses, one set per ear with slightly different lengths, so the two tails are only
 * partly correlated, as in a real diffuse field. Adds the wet signal of `send` to `out`.
 */
export function reverberate(
  send: Float64Array,
  out: Float64Array,
  channel: 0 | 1,
  o: ReverbOptions,
  scratch: Float64Array,
): void {
  const ratio = (o.sampleRateHz / 44100) * o.roomScale;
  const spread = channel === 1 ? STEREO_SPREAD_44K : 0;
  const wet = scratch;
  wet.fill(0);
  for (const comb44 of COMB_SAMPLES_44K) {
    const delay = max(8, round((comb44 + spread) * ratio));
    const feedback = pow(10, (-3 * delay) / (o.rt60Seconds * o.sampleRateHz));
    const buffer = new Float64Array(delay);
    const damp = o.damping;
    let filtered = 0;
    let index = 0;
    for (let i = 0; i < send.length; i++) {
      const y = buffer[index];
      filtered = y + (filtered - y) * damp;
      buffer[index] = send[i] + filtered * feedback;
      wet[i] += y;
      if (++index === delay) index = 0;
    }
  }
  for (const allpass44 of ALLPASS_SAMPLES_44K) {
    const delay = max(4, round((allpass44 + spread) * ratio));
    const buffer = new Float64Array(delay);
    let index = 0;
    for (let i = 0; i < wet.length; i++) {
      const delayed = buffer[index];
      const input = wet[i];
      buffer[index] = input + delayed * 0.5;
      wet[i] = delayed - input;
      if (++index === delay) index = 0;
    }
  }
  const gain = 1 / COMB_SAMPLES_44K.length;
  for (let i = 0; i < out.length; i++) out[i] += wet[i] * gain;
}
