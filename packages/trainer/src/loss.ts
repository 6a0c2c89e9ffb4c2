import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;

/**
 * Binary cross-entropy on logits, averaged over samples and classes (PyTorch's
 * BCEWithLogitsLoss), in the overflow-safe form max(z, 0) - z y + log(1 + exp(-|z|)).
 */
export function bceWithLogits(
  tf: Tf,
  logits: tfType.Tensor,
  targets: tfType.Tensor,
): tfType.Scalar {
  return tf.tidy(() =>
    tf.mean(
      tf.add(
        tf.sub(tf.relu(logits), tf.mul(logits, targets)),
        tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
      ),
    ),
  ) as tfType.Scalar;
}
