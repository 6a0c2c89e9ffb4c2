import type * as tfType from '@tensorflow/tfjs';
import { normalisationVectors, type Normalisation } from './normalisation';

type Tf = typeof tfType;

/** Turns host batches into normalised input tensors; holds the statistics as tensors. */
export class InputNormaliser {
  private readonly mean: tfType.Tensor;
  private readonly scale: tfType.Tensor;

  constructor(
    private readonly tf: Tf,
    private readonly shape: readonly [number, number, number],
    norm: Normalisation,
  ) {
    const [, bands, planes] = shape;
    if (norm.bands !== bands || norm.planes !== planes) {
      throw new RangeError(
        `normalisation is for ${norm.bands} bands x ${norm.planes} planes, inputs have ${bands} x ${planes}`,
      );
    }
    const v = normalisationVectors(norm);
    this.mean = tf.tensor4d(v.mean, [1, 1, bands, planes]);
    this.scale = tf.tensor4d(v.scale, [1, 1, bands, planes]);
  }

  /** x: count x frames x bands x planes in host memory. */
  tensor(x: Float32Array, count: number): tfType.Tensor4D {
    const { tf } = this;
    return tf.tidy(() =>
      tf.div(tf.sub(tf.tensor4d(x, [count, ...this.shape]), this.mean), this.scale),
    ) as tfType.Tensor4D;
  }

  dispose(): void {
    this.mean.dispose();
    this.scale.dispose();
  }
}
