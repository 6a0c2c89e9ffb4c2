import type { NativeKernel, Tfjs } from './context';
import { tapeActive } from './swish-fold';

/**
 * Folds batch normalisation in training (tfjs-layers: moments = Mean, Sub, Square, Mean,
 * then FusedBatchNorm) into one gradient kernel. tfjs differentiates the moments as a
 * chain of activation-sized passes (two broadcasts, the square's gradient, a sum and two
 * Adds into x); when FusedBatchNorm's gradient sees that its mean and variance are the
 * batch moments of its own x, it returns the whole gradient for x and explicit zeros for
 * mean and variance, which the moments' gradients pass through without work.
 *
 * Like the swish fold, the moments are recorded only while a tape records the forward
 * pass, so statistics computed before `tf.grads` are never folded.
 */

interface Moment {
  stage: 'mean' | 'centered' | 'squared' | 'variance';
  x: object;
  mean?: object;
}

/** dataId -> which stage of the batch moments of which x it holds. */
const moments = new WeakMap<object, Moment>();

function overAllButLast(tf: Tfjs, axis: unknown, shape: number[]): boolean {
  if (shape.length < 2) return false;
  const axes = tf.util.parseAxisParam(axis as number | number[], shape).sort((a, b) => a - b);
  return axes.length === shape.length - 1 && axes.every((a, i) => a === i);
}

/** Mean, recording means (and variances) over every axis but the channels. */
export function recordingMean(mean: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const out = mean(args, ctx);
    const x = args.inputs.x;
    if (!out || Array.isArray(out) || !x || !tapeActive(ctx.tf)) return out;
    if (!overAllButLast(ctx.tf, args.attrs?.axis, x.shape)) return out;
    const prior = moments.get(x.dataId);
    if (prior?.stage === 'squared') {
      moments.set(out.dataId, { stage: 'variance', x: prior.x, mean: prior.mean });
    } else {
      moments.set(out.dataId, { stage: 'mean', x: x.dataId });
    }
    return out;
  };
}

/** Sub, recording x - mean(x). */
export function recordingSub(sub: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const out = sub(args, ctx);
    const { a, b } = args.inputs;
    if (!out || Array.isArray(out) || !a || !b) return out;
    const m = moments.get(b.dataId);
    if (m?.stage === 'mean' && m.x === a.dataId) {
      moments.set(out.dataId, { stage: 'centered', x: a.dataId, mean: b.dataId });
    }
    return out;
  };
}

/** Square, recording (x - mean(x))^2. */
export function recordingSquare(square: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const out = square(args, ctx);
    const x = args.inputs.x;
    if (!out || Array.isArray(out) || !x) return out;
    const m = moments.get(x.dataId);
    if (m?.stage === 'centered')
      moments.set(out.dataId, { stage: 'squared', x: m.x, mean: m.mean });
    return out;
  };
}

/** True when mean and variance are the recorded batch moments of x. */
export function areBatchMoments(x: object, mean: object, variance: object): boolean {
  const v = moments.get(variance);
  const m = moments.get(mean);
  return (
    v?.stage === 'variance' && v.x === x && v.mean === mean && m?.stage === 'mean' && m.x === x
  );
}
