import type * as tfType from '@tensorflow/tfjs';
import type { MixupConfig } from './recipe';
import type { Rng } from '@asc/core';

type Tf = typeof tfType;

/** The random choices of one mixup: the weight and the partner of each sample. */
export interface MixupDraw {
  lambda: number;
  partner: Int32Array;
}

/** Draws lambda (one per batch) and the batch's shuffled order, from the given generator. */
export function drawMixup(config: MixupConfig, batchSize: number, rng: Rng): MixupDraw {
  const lambda =
    config.distribution === 'uniform' ? rng.next() : rng.beta(config.alpha, config.alpha);
  return { lambda, partner: rng.permutation(batchSize) };
}

/**
 * Mixup as the authors released it: x' = lambda x + (1 - lambda) x[partner], and the same
 * for the targets, with the batch mixed with a shuffled copy of itself.
 */
export function applyMixup(
  tf: Tf,
  x: tfType.Tensor,
  y: tfType.Tensor,
  draw: MixupDraw,
): { x: tfType.Tensor; y: tfType.Tensor } {
  return tf.tidy(() => {
    const partner = tf.tensor1d(draw.partner, 'int32');
    const mix = (t: tfType.Tensor): tfType.Tensor =>
      tf.add(tf.mul(t, draw.lambda), tf.mul(tf.gather(t, partner), 1 - draw.lambda));
    return { x: mix(x), y: mix(y) };
  });
}
