import * as tf from '@tensorflow/tfjs';
import { foldedSeedRng } from '@asc/core';
import type { LayersModel } from '../src/models/tf';

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
