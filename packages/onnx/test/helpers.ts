import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels } from '@asc/native';
import { foldedSeedRng } from '@asc/core';
import type { LayersModel } from '@asc/zoo';

export { fitBatchNorms } from '../../zoo/test/fit-batch-norms';

/** tfjs on 'cpu' with the native kernels (the models are too slow on plain JS kernels). */
export async function nativeTf(): Promise<typeof tf> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  registerNativeKernels(tf, { threads: 2 });
  return tf;
}

/** `n` values uniform in [lo, hi), seeded. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = foldedSeedRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

/**
 * Scalogram-like segments (dB, count x frames x bands x planes) with a different ripple
 * along frames and bands in every segment and plane, so that a swapped axis, plane or
 * segment changes the model's output (uniform noise would average out).
 */
export function structuredSegments(
  count: number,
  shape: readonly [number, number, number],
  seed: number,
): Float32Array {
  const [frames, bands, planes] = shape;
  const r = foldedSeedRng(seed);
  const out = new Float32Array(count * frames * bands * planes);
  let i = 0;
  for (let n = 0; n < count; n++) {
    const waves = Array.from({ length: planes }, () => ({
      f: 0.02 + 0.3 * r.next(),
      b: 0.02 + 0.3 * r.next(),
      level: -60 + 30 * r.next(),
    }));
    for (let t = 0; t < frames; t++) {
      for (let b = 0; b < bands; b++) {
        for (let p = 0; p < planes; p++) {
          const w = waves[p];
          out[i++] =
            w.level + 15 * Math.sin(w.f * t) * Math.cos(w.b * b) + 2 * (r.next() - 0.5) + 0.1 * b;
        }
      }
    }
  }
  return out;
}

/** Scales the dense head so the logits on `x` reach +-3: units, not hundredths. */
export function amplifyHead(model: LayersModel, x: tf.Tensor): void {
  const top = tf.tidy(() => tf.max(tf.abs(model.predict(x) as tf.Tensor)).dataSync()[0]);
  const head = model.layers[model.layers.length - 1];
  const values = head.getWeights().map((w) => tf.mul(w, 3 / top));
  head.setWeights(values);
  tf.dispose(values);
}
