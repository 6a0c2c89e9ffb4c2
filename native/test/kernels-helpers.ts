import * as tf from '@tensorflow/tfjs';
import {
  nativeKernelDispatchCounts,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
  type NativeKernelDispatch,
} from '../lib';
import { maxRelativeError, randTensor as randTensorOf } from '../lib/cuda-backend/check-cases';

export { maxRelativeError, randInt, rng } from '../lib/cuda-backend/check-cases';

/** A tensor of uniform values in [-1, 1) (tfjs of the tests). */
export function randTensor(r: () => number, shape: number[]): tf.Tensor {
  return randTensorOf(tf, r, shape);
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
  return withNativeKernels(() => {
    const native = read();
    return { js, native, dispatch: nativeKernelDispatchCounts() };
  });
}

/**
 * Runs `f` with the native kernels registered (they must be available) and the dispatch
 * counts reset; unregisters them afterwards.
 */
export function withNativeKernels<T>(f: () => T): T {
  const handle = registerNativeKernels(tf);
  if (!handle.active) throw new Error(`native kernels unavailable: ${handle.reason}`);
  try {
    resetNativeKernelDispatchCounts();
    return f();
  } finally {
    unregisterNativeKernels(tf);
  }
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
