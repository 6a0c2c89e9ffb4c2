import * as tf from '@tensorflow/tfjs';
import {
  nativeKernelDispatchCounts,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
  type NativeKernelDispatch,
} from '../lib';

/** A seeded uniform generator (mulberry32), so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function randTensor(r: () => number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; ++i) v[i] = r() * 2 - 1;
  return tf.tensor(v, shape);
}

/**
 * The dispatch a test expects, by tfjs kernel name: the kernel ran natively exactly n
 * times, or at least once ('ran'), and never declined to tfjs's JS kernel; or, for a
 * `{ native, fallback }` pair, exactly those counts.
 */
export type ExpectedDispatch = Readonly<Record<string, number | 'ran' | NativeKernelDispatch>>;

/**
 * Asserts the dispatch counts since the last reset (resetNativeKernelDispatchCounts):
 * what proves that a result came from the native kernel and not from a JS fallback.
 */
export function expectNativeDispatch(
  expected: ExpectedDispatch,
  counts: Record<string, NativeKernelDispatch> = nativeKernelDispatchCounts(),
): void {
  const actual: Record<string, unknown> = {};
  const wanted: Record<string, unknown> = {};
  for (const [name, want] of Object.entries(expected)) {
    const seen = counts[name] ?? { native: 0, fallback: 0 };
    wanted[name] = typeof want === 'object' ? want : { native: want, fallback: 0 };
    actual[name] = want === 'ran' && seen.native > 0 ? { ...seen, native: 'ran' } : seen;
  }
  expect(actual).toEqual(wanted);
}

/**
 * Runs `f` with the JS kernels and with the native ones; returns both results and the
 * dispatch counts of the native run.
 */
export function bothWays(f: () => tf.Tensor | tf.Tensor[]): {
  js: Float32Array[];
  native: Float32Array[];
  dispatch: Record<string, NativeKernelDispatch>;
} {
  const read = (): Float32Array[] =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  unregisterNativeKernels(tf);
  const js = read();
  const handle = registerNativeKernels(tf);
  if (!handle.active) throw new Error(`native kernels unavailable: ${handle.reason}`);
  try {
    resetNativeKernelDispatchCounts();
    const native = read();
    return { js, native, dispatch: nativeKernelDispatchCounts() };
  } finally {
    unregisterNativeKernels(tf);
  }
}

/**
 * Largest |a - b| / max(|b|, 1e-2 * scale) over all values, with `scale` the largest |b|:
 * relative error, except for values two orders of magnitude below the largest, whose
 * float32 error is set by the size of the terms they were summed from, not by their own.
 */
export function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const floor = Math.max(scale * 1e-2, 1e-6);
  let worst = 0;
  for (let i = 0; i < expected.length; ++i) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), floor));
  }
  return worst;
}

/**
 * Asserts every output of `f` agrees between JS and native kernels to `tolerance`, and
 * that the native run dispatched as `dispatch` says.
 */
export function expectSameBothWays(
  label: string,
  f: () => tf.Tensor | tf.Tensor[],
  dispatch: ExpectedDispatch,
  tolerance = 1e-4,
): void {
  const { js, native, dispatch: counts } = bothWays(f);
  expectNativeDispatch(dispatch, counts);
  expect(native.length).toBe(js.length);
  js.forEach((expected, i) => {
    const err = maxRelativeError(native[i], expected);
    if (!(err <= tolerance)) {
      throw new Error(
        `${label}: output ${i} differs from the JS kernel (max relative error ${err})`,
      );
    }
  });
}
