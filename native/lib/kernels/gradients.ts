import type * as tfjs from '@tensorflow/tfjs';
import type { NativeKernel, Tfjs } from './context';
import { kernelName, opCode, type NativeKernelNames } from './binding';
import { binary, opCodeOf, unary } from './elementwise';
import { batchNormGradients, batchNormGradKernel } from './batch-norm';
import { areBatchMoments } from './moments-fold';
import { foldZero, isFoldZero, multiplyGrad, zeroAwareGrad } from './swish-fold';

/**
 * Gradients that tfjs writes as chains of elementwise ops, each a full pass over
 * activation-sized tensors, rewritten as one native kernel each (same arithmetic, same
 * operation order). They replace the global gradient configs while the native kernels
 * are registered, and only act when the active backend has the gradient kernels ('cpu'
 * with the native kernels, 'asc-cuda') and the tensors are float32; anything else goes
 * to the original gradient. Unlike tfjs's own, these gradients are not
 * differentiable again (no second-order gradients through them).
 */

type Tensor = tfjs.Tensor;
type GradConfig = tfjs.GradConfig;
type GradFunc = GradConfig['gradFunc'];

/** Extra kernels the gradients below dispatch (registered on 'cpu' only), by role. */
export const GRADIENT_KERNELS = {
  sigmoidGrad: binary('SigmoidGrad'),
  squareGrad: binary('SquareGrad'),
  reluGrad: binary('ReluGrad'),
  relu6Grad: binary('Relu6Grad'),
  swishGrad: binary('SwishGrad'),
  dyWhere: (args, ctx) => {
    const { x, dy } = args.inputs;
    const xv = ctx.values(args, x);
    const dyv = ctx.values(args, dy);
    const op = opCode(ctx.native.ops.binary, `DyWhere${String(args.attrs?.cmp)}`);
    if (!x || !dy || !xv || !dyv || op === undefined) return null;
    const param = Number(args.attrs?.param);
    return ctx.output(args, x.shape, (out) =>
      ctx.native.binary(op, xv, x.shape, dyv, dy.shape, out, x.shape, param),
    );
  },
  broadcastDiv: (args, ctx) => {
    const { x } = args.inputs;
    const xv = ctx.values(args, x);
    const shape = args.attrs?.shape as number[];
    const divisor = new Float32Array([Number(args.attrs?.divisor)]);
    if (!x || !xv) return null;
    const realDiv = opCodeOf(ctx.native.ops, 'binary', 'RealDiv');
    return ctx.output(args, shape, (out) =>
      ctx.native.binary(realDiv, xv, x.shape, divisor, [], out, shape),
    );
  },
  batchNormGrad: batchNormGradKernel,
} satisfies Partial<Record<keyof NativeKernelNames, NativeKernel>>;

/**
 * True when the active backend has the addon's gradient kernels ('cpu' with the native
 * kernels registered, 'asc-cuda') and the tensors are float32.
 */
function usable(tf: Tfjs, tensors: (Tensor | null | undefined)[]): boolean {
  return (
    tf.getKernel(kernelName('sigmoidGrad'), tf.getBackend()) !== undefined &&
    tensors.every((t) => !t || t.dtype === 'float32')
  );
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function run(
  tf: Tfjs,
  role: keyof NativeKernelNames,
  inputs: Record<string, Tensor>,
  attrs = {},
): Tensor {
  return tf.engine().runKernel(kernelName(role), inputs as never, attrs) as Tensor;
}

/** A gradient of the form dx = f(saved, dy) computed by one same-shape binary kernel. */
function pointwise(kernel: keyof NativeKernelNames): (tf: Tfjs, original: GradFunc) => GradFunc {
  return (tf, original) => (dy, saved, attrs) => {
    const [s] = saved;
    const d = dy as Tensor;
    if (!usable(tf, [s, d]) || !sameShape(s, d)) return original(dy, saved, attrs);
    return { x: () => run(tf, kernel, { a: s, b: d }) };
  };
}

const meanGrad =
  (tf: Tfjs, original: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const [x] = saved;
    const d = dy as Tensor;
    if (!usable(tf, [x, d])) return original(dy, saved, attrs);
    if (isFoldZero(tf, d)) return { x: () => foldZero(tf, x.shape) };
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    const expanded = x.shape.slice();
    for (const a of axes) expanded[a] = 1;
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    return {
      x: () =>
        run(
          tf,
          'broadcastDiv',
          { x: tf.reshape(d, expanded) },
          { shape: x.shape, divisor: reduceSize },
        ),
    };
  };

const batchNormGrad =
  (tf: Tfjs, original: GradFunc): GradFunc =>
  (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const d = dy as Tensor;
    const channels = x.shape[x.shape.length - 1];
    const perChannel = (t: Tensor | undefined) =>
      !t || (t.shape.length === 1 && t.shape[0] === channels);
    if (
      !usable(tf, [x, d, mean, variance, scale]) ||
      x.shape.length !== 4 ||
      !sameShape(x, d) ||
      !mean ||
      !variance ||
      mean.shape.length !== 1 ||
      !perChannel(mean) ||
      !perChannel(variance) ||
      !perChannel(scale)
    ) {
      return original(dy, saved, attrs);
    }
    const inputs: Record<string, Tensor> = { x, dy: d, mean, variance };
    if (scale) inputs.scale = scale;
    return batchNormGradients(
      tf,
      inputs,
      attrs as { varianceEpsilon?: number },
      areBatchMoments(x.dataId, mean.dataId, variance.dataId),
    );
  };

/**
 * Minimum / Maximum against a scalar (tfjs-layers' relu6 is minimum(6, relu(x))): the
 * tensor side's gradient is dy masked by one comparison, in one pass, where tfjs runs a
 * JS comparison kernel, a cast and a Multiply. The scalar side keeps tfjs's gradient.
 */
function minMaxGrad(kind: 'min' | 'max') {
  return (tf: Tfjs, original: GradFunc): GradFunc =>
    (dy, saved, attrs) => {
      const [a, b] = saved;
      const d = dy as Tensor;
      if (!usable(tf, [a, b, d])) return original(dy, saved, attrs);
      let fallback: ReturnType<GradFunc> | null = null;
      const originalGrad = (input: 'a' | 'b') => () => {
        fallback ??= original(dy, saved, attrs);
        return fallback[input]();
      };
      const masked = (x: Tensor, cmp: string, param: number) => () =>
        run(tf, 'dyWhere', { x, dy: d }, { cmp, param });
      // Minimum: da = dy * (a <= b), db = dy * (a > b); Maximum: da = dy * (a >= b),
      // db = dy * (a < b).
      if (b.size === 1 && sameShape(a, d)) {
        const s = b.dataSync()[0];
        return { a: masked(a, kind === 'min' ? 'LE' : 'GE', s), b: originalGrad('b') };
      }
      if (a.size === 1 && sameShape(b, d)) {
        const s = a.dataSync()[0];
        return { a: originalGrad('a'), b: masked(b, kind === 'min' ? 'LT' : 'GT', s) };
      }
      return original(dy, saved, attrs);
    };
}

/** Gradient rewrites by kernel name: each takes tfjs and the original gradient. */
export const NATIVE_GRADIENTS: Readonly<
  Record<string, (tf: Tfjs, original: GradFunc) => GradFunc>
> = {
  Sigmoid: zeroAwareGrad(pointwise('sigmoidGrad')),
  Multiply: multiplyGrad,
  Square: zeroAwareGrad(pointwise('squareGrad')),
  Relu: pointwise('reluGrad'),
  Relu6: pointwise('relu6Grad'),
  Mean: meanGrad,
  Minimum: minMaxGrad('min'),
  Maximum: minMaxGrad('max'),
  FusedBatchNorm: batchNormGrad,
};

/**
 * The fused swish, x * sigmoid(x), as a kernel of its own (NativeKernelNames.swish) while
 * the native kernels are registered: one pass forward and one backward, where Multiply +
 * Sigmoid take two forward passes, keep an extra activation-sized tensor for the gradient
 * and four passes backward. The zoo's Swish layer dispatches it, and falls back to
 * `tf.mul(x, tf.sigmoid(x))` without it.
 */
export const swishKernel: NativeKernel = unary('Swish');

export function swishGradient(tf: Tfjs): GradConfig {
  return {
    kernelName: kernelName('swish'),
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as Tensor;
      if (usable(tf, [x, d]) && sameShape(x, d)) {
        return { x: () => run(tf, 'swishGrad', { a: x, b: d }) };
      }
      return {
        x: () =>
          tf.tidy(() => {
            const s = tf.sigmoid(x);
            return tf.mul(d, tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s)))));
          }),
      };
    },
  };
}
