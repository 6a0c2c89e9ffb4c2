import type * as tfjs from '@tensorflow/tfjs';
import { kernelName } from './binding';
import type { CpuBackend, NativeKernel, TensorInfo, Tfjs } from './context';

/**
 * Folds the backward pass of swish written as `x * sigmoid(x)` (how tfjs-layers and the
 * zoo write it) into one pass. tfjs differentiates it as Multiply (two passes), Sigmoid
 * (one, with our rewrite) and an Add to merge the two paths into x: four activation-sized
 * passes. When Multiply's gradient sees that one factor is the sigmoid of the other,
 * it returns the whole gradient for x in one kernel and an explicit zero for the sigmoid
 * factor; the Sigmoid gradient and the Add recognise that zero and cost nothing.
 *
 * "Is the sigmoid of" is recorded by our Sigmoid kernel, and only while a gradient tape
 * records the forward pass: a sigmoid computed before `tf.grads` (which could then be
 * differentiated against directly) is never folded.
 */

type Tensor = tfjs.Tensor;
type GradFunc = tfjs.GradConfig['gradFunc'];

/** Sigmoid output dataId -> its input's dataId, for sigmoids computed on a tape. */
const sigmoidInputs = new WeakMap<object, object>();
/** Values of zero tensors made by the fold (never written: their pages stay unmapped). */
const zeroValues = new WeakSet<Float32Array>();

/** True while a gradient tape records (inside the function given to tf.grads, fit...). */
export function tapeActive(tf: Tfjs): boolean {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown[] | null } }).state;
  return state.activeTape !== null && state.activeTape !== undefined;
}

function valuesOf(tf: Tfjs, t: TensorInfo): unknown {
  return (tf.backend() as unknown as CpuBackend).data.get(t.dataId)?.values;
}

/** True when `t` is one of the fold's zero tensors (or an alias of one). */
export function isFoldZero(tf: Tfjs, t: TensorInfo): boolean {
  const v = valuesOf(tf, t);
  return v instanceof Float32Array && zeroValues.has(v);
}

/** A zero tensor the zero-aware kernels and gradients recognise. */
export function foldZero(tf: Tfjs, shape: number[]): Tensor {
  const z = tf.zeros(shape);
  zeroValues.add(valuesOf(tf, z) as Float32Array);
  return z;
}

/** Marks kernel-made zero values as fold zeros. */
export function markFoldZero(values: Float32Array): void {
  zeroValues.add(values);
}

/** The Sigmoid kernel, recording which input each output on a tape came from. */
export function recordingSigmoid(sigmoid: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const out = sigmoid(args, ctx);
    const x = args.inputs.x;
    if (out && !Array.isArray(out) && x && tapeActive(ctx.tf)) {
      sigmoidInputs.set(out.dataId, x.dataId);
    }
    return out;
  };
}

/** Add with a fold zero on one side is the other side (shared, not copied). */
export function zeroAwareAdd(add: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const { a, b } = args.inputs;
    if (a && b && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) {
      if (isFoldZero(ctx.tf, b)) return ctx.alias(args, a, a.shape);
      if (isFoldZero(ctx.tf, a)) return ctx.alias(args, b, b.shape);
    }
    return add(args, ctx);
  };
}

/** Neg of a fold zero is that zero (shared). */
export function zeroAwareNeg(neg: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const x = args.inputs.x;
    if (x && isFoldZero(ctx.tf, x)) return ctx.alias(args, x, x.shape);
    return neg(args, ctx);
  };
}

/** Sum of a fold zero is a (small) fold zero, without reading the zeros. */
export function zeroAwareSum(sum: NativeKernel): NativeKernel {
  return (args, ctx) => {
    const x = args.inputs.x;
    if (!x || !isFoldZero(ctx.tf, x)) return sum(args, ctx);
    const attrs = args.attrs ?? {};
    const axes = ctx.tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    let [shape] = ctx.tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    if (attrs.keepDims) shape = ctx.tf.backend_util.expandShapeToKeepDim(shape, axes);
    const zeros = new Float32Array(shape.reduce((a, b) => a * b, 1));
    markFoldZero(zeros);
    return ctx.tensor(args, shape, zeros);
  };
}

function sameShape(p: Tensor, q: Tensor): boolean {
  return p.shape.length === q.shape.length && p.shape.every((d, i) => d === q.shape[i]);
}

/** Multiply's gradient with the swish fold; other products go to the original. */
export const multiplyGrad =
  (tf: Tfjs, original: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const [a, b] = saved;
    const d = dy as Tensor;
    const plain =
      tf.getBackend() !== 'cpu' ||
      [a, b, d].some((t) => t.dtype !== 'float32') ||
      !sameShape(a, b) ||
      !sameShape(a, d);
    if (!plain) {
      const swish = (x: Tensor) =>
        tf.engine().runKernel(kernelName('swishGrad'), { a: x, b: d } as never) as Tensor;
      if (sigmoidInputs.get(b.dataId) === a.dataId) {
        return { a: () => swish(a), b: () => foldZero(tf, b.shape) };
      }
      if (sigmoidInputs.get(a.dataId) === b.dataId) {
        return { a: () => foldZero(tf, a.shape), b: () => swish(b) };
      }
    }
    return original(dy, saved, attrs);
  };

/** A gradient that passes a fold zero through (a share folded elsewhere). */
export function zeroAwareGrad(rewrite: (tf: Tfjs, original: GradFunc) => GradFunc) {
  return (tf: Tfjs, original: GradFunc): GradFunc => {
    const inner = rewrite(tf, original);
    return (dy, saved, attrs) => {
      const d = dy as Tensor;
      if (isFoldZero(tf, d)) return { x: () => d.clone() };
      return inner(dy, saved, attrs);
    };
  };
}
