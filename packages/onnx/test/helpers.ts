import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels } from '@asc/native';
import { foldedSeedRng } from '@asc/core';
import type { LayersModel } from '@asc/zoo';

/** tfjs on 'cpu' with the native kernels (the models are too slow on plain JS kernels). */
export async function nativeTf(): Promise<typeof tf> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  registerNativeKernels(tf, { threads: 2 });
  return tf;
}

/**
 * Gives every batch norm random affine weights and statistics that fit `x` (the mean and
 * variance of its input on `x`, perturbed), as training would leave them: activations
 * then stay near unit scale through the whole network, so its output depends on the input
 * (with untrained statistics the biases drown the signal), and the folding of every batch
 * norm is exercised. One forward pass in training mode gives every batch norm's input as
 * it is when each normalises with its batch's statistics, that is with the ones set here.
 */
export function fitBatchNorms(model: LayersModel, x: tf.Tensor, seed: number): void {
  const r = foldedSeedRng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r.next();
  const layers = model.layers.filter((l) =>
    l.weights.some((w) => w.originalName.endsWith('/moving_variance')),
  );
  if (layers.length === 0) return;
  const set = (layer: (typeof layers)[number], values: Record<string, Float32Array>) => {
    const tensors = layer.weights.map((w, i) => {
      const short = w.originalName.split('/').pop()!;
      return tf.tensor1d(values[short] ?? (layer.getWeights()[i].dataSync() as Float32Array));
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  };
  for (const layer of layers) {
    const c = layer.weights[0].shape[0] as number;
    set(layer, {
      gamma: Float32Array.from({ length: c }, () => u(0.5, 1.5)),
      beta: Float32Array.from({ length: c }, () => u(-0.3, 0.3)),
    });
  }
  const probe = tf.model({
    inputs: model.inputs,
    outputs: layers.map((l) => l.input as tf.SymbolicTensor),
  });
  const moments = tf.tidy(() => {
    const inputs = probe.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(inputs) ? inputs : [inputs]).map((t) => {
      const m = tf.moments(t, [0, 1, 2]);
      return {
        mean: m.mean.dataSync() as Float32Array,
        variance: m.variance.dataSync() as Float32Array,
      };
    });
  });
  layers.forEach((layer, i) => {
    set(layer, {
      moving_mean: moments[i].mean.map((m) => m + u(-0.05, 0.05)),
      moving_variance: moments[i].variance.map((v) => v * u(0.8, 1.25) + 1e-3),
    });
  });
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
