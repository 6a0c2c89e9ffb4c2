/*
 * The one seeded pseudo-random generator of asc: xoshiro128** 1.1 (Blackman & Vigna,
 * https://prng.di.unimi.it/xoshiro128starstar.c), whose whole state is four 32-bit words.
 * Nothing in asc draws from Math.random: the synthetic dataset, the sampler's
 * architectures, the trainer's shuffles and mixup all come from an Rng, so a recorded seed
 * reproduces them byte for byte on any machine and Node version.
 *
 * Every seeding scheme fills the state with four outputs of splitmix32 (a Weyl sequence
 * with the golden-ratio step, each value hashed by MurmurHash3's fmix32 finaliser) started
 * from a 32-bit value; the schemes differ only in how they make that value from what the
 * caller has. Each scheme is kept as it was when results were recorded with it.
 */

// Module-level aliases: inside a vm context (as under Jest) every global lookup such as
// `Math.imul` goes through the context's interceptor, which made the hot loops ~100x slower.
const { cos, floor, imul, log, pow, sqrt, PI } = Math;

/** An Rng's whole state: four unsigned 32-bit words, not all zero. */
export type RngState = [number, number, number, number];

/**
 * How many random bits `next()` (and everything built on it) uses: 32 (one word per draw)
 * or 53 (two words, every double in [0, 1) on the 2^-53 grid reachable).
 */
export type FloatBits = 32 | 53;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3's fmix32 finaliser: a bijective 32-bit hash. */
export function fmix32(z: number): number {
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const GOLDEN_GAMMA = 0x9e3779b9;

/**
 * Four successive splitmix32 outputs from `x` (taken mod 2^32). fmix32 is a bijection and
 * the four inputs differ, so at most one word is zero: the state is always valid.
 */
export function splitmix32State(x: number): RngState {
  const state = [0, 0, 0, 0] as RngState;
  let weyl = x >>> 0;
  for (let i = 0; i < 4; i++) {
    weyl = (weyl + GOLDEN_GAMMA) >>> 0;
    state[i] = fmix32(weyl);
  }
  return state;
}

/** xoshiro128** with its state in four int32 fields (the fastest layout in V8). */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(
    state: RngState,
    readonly floatBits: FloatBits,
  ) {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  /**
   * The trainer's scheme: splitmix32 from the seed's integer part mod 2^32, 53-bit floats.
   * The run's master generator, and the seeds it derives, use it.
   */
  static fromSeed(seed: number): Rng {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be finite, got ${seed}`);
    return new Rng(splitmix32State(floor(seed) % 2 ** 32), 53);
  }

  /** A generator continuing from a state saved with `state()` (e.g. in a checkpoint). */
  static fromState(state: RngState, floatBits: FloatBits = 53): Rng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every(Number.isInteger)) {
      throw new RangeError(`Rng state must be four integers, got ${JSON.stringify(state)}`);
    }
    if (state.every((w) => w >>> 0 === 0)) throw new RangeError('Rng state must not be all zero');
    if (floatBits !== 32 && floatBits !== 53) {
      throw new RangeError(`Rng floatBits must be 32 or 53, got ${floatBits}`);
    }
    return new Rng(state, floatBits);
  }

  /** The whole state, as unsigned words: `Rng.fromState(r.state(), r.floatBits)` continues r. */
  state(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** The next output of xoshiro128**: a uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = imul(rotl(imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Uniform in [0, 1): one word / 2^32, or with 53 bits the top 27 and 26 bits of two
   * words (MT19937's genrand_res53).
   */
  next(): number {
    if (this.floatBits === 32) return this.nextUint32() / 4294967296;
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high], from one `next()` (bias below (high-low+1)/2^floatBits). */
  int(low: number, high: number): number {
    return low + floor(this.next() * (high - low + 1));
  }

  /** Exactly uniform integer in [0, n), 1 <= n <= 2^32, by rejection on whole words. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`bad range ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }

  /** One element of `items`, each exactly equally likely (`below`). */
  choice<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A seed for something else that takes an integer seed (e.g. tfjs initialisers). */
  seed(): number {
    return this.nextUint32();
  }

  /** Fisher-Yates shuffle in place (the element at i swaps with one drawn by `int(0, i)`). */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = floor(this.next() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Standard normal by Box-Muller (one of the pair). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return sqrt(-2 * log(u)) * cos(2 * PI * this.next());
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang, boosted for shape < 1. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = this.next();
      return this.gamma(shape + 1) * pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = this.next();
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (log(u) < 0.5 * x * x + d * (1 - v + log(v))) return d * v;
    }
  }

  /** Beta(a, b) from two gammas. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /**
   * Fills `out` with uniform noise of unit variance, uniform in [-sqrt 3, sqrt 3): each
   * word read as a signed integer, centred. Does not depend on floatBits.
   */
  fillNoise(out: Float64Array): Float64Array {
    // nextUint32 inlined on local state: this loop makes most of the synthetic samples.
    const scale = sqrt(3) / 2147483648;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const result = imul(rotl(imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = (result + 0.5) * scale;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }
}

/**
 * The synthetic dataset's scheme: `seed` and `stream` (any integers, taken mod 2^32) are
 * hashed apart, so nearby seeds and streams give unrelated sequences; 32-bit floats.
 */
export function streamRng(seed: number, stream: number): Rng {
  const x = fmix32(seed >>> 0) ^ fmix32((stream >>> 0) + 0x632be5ab);
  return Rng.fromState(splitmix32State(x), 32);
}

/**
 * The sampler's scheme: all 53 bits of a safe-integer seed count (the high part is folded
 * onto the low 32 bits); 32-bit floats.
 */
export function foldedSeedRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return Rng.fromState(splitmix32State((seed >>> 0) ^ floor(seed / 2 ** 32)), 32);
}

/** A per-trial seed from the study seed and the sample index (stable, 31-bit). */
export function deriveSeed(studySeed: number, sampleIndex: number): number {
  const first = foldedSeedRng(studySeed).nextUint32();
  return foldedSeedRng((first ^ imul(sampleIndex + 1, 0x9e3779b1)) >>> 0).nextUint32() >>> 1;
}
