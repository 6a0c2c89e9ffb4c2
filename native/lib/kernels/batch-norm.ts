import type * as tfjs from '@tensorflow/tfjs';
import { kernelName, opCode } from './binding';
import type { NativeContext, NativeKernel } from './context';
import { size } from './elementwise';
import { markFoldZero } from './swish-fold';

/*
 * Batch normalisation as the kernels the addon adds (NativeKernelNames):
 *
 * - batchNormTraining, optionally with its activation: the batch moments (tfjs's, with
 *   the biased variance) and the normalisation. tfjs-layers computes the same thing as
 *   moments (Mean, Sub, Square, Mean) and FusedBatchNorm, five passes over x and two
 *   activation-sized temporaries; this is two passes and none, and with the activation
 *   fused the normalised values are never stored. Its gradient is two passes more (the
 *   activation's derivative comes from x again), where tfjs's chain takes a dozen.
 * - batchNormInference with its activation: one pass where FusedBatchNorm and a separate
 *   activation take two and store the normalised values in between.
 *
 * The zoo's BatchNormalization layers dispatch them, and compute the same with tfjs ops
 * when the backend does not have them.
 */

/** The code of the `activation` attr when the batch-norm kernels fuse it, else null. */
function activationCode(
  ctx: NativeContext,
  attrs: Record<string, unknown> | undefined,
): number | null {
  return opCode(ctx.native.ops.batchNormActivation, String(attrs?.activation ?? 'linear')) ?? null;
}

type Tensor = tfjs.Tensor;

export const batchNormTrainingKernel: NativeKernel = (args, ctx) => {
  const { x, scale, offset } = args.inputs;
  const activation = activationCode(ctx, args.attrs);
  if (!x || !scale || !offset || x.shape.length === 0 || activation === null) return null;
  const channels = x.shape[x.shape.length - 1];
  const xv = ctx.values(args, x);
  const sv = ctx.values(args, scale);
  const ov = ctx.values(args, offset);
  if (!xv || !sv || !ov || channels === 0 || sv.length !== channels || ov.length !== channels) {
    return null;
  }
  const y = ctx.allocate(x.shape);
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  const epsilon = Number(args.attrs?.varianceEpsilon ?? 0.001);
  ctx.native.batchNormTraining(xv, channels, ov, sv, epsilon, activation, y, mean, variance);
  return [
    ctx.tensor(args, x.shape, y),
    ctx.tensor(args, [channels], mean),
    ctx.tensor(args, [channels], variance),
  ];
};

/**
 * Batch normalisation with given statistics, then the `activation` attr's function
 * (linear when absent): tfjs's FusedBatchNorm (per-channel or scalar statistics and
 * parameters, offset and scale optional) and, with all four per channel, the inference
 * kernel.
 */
export const batchNormKernel: NativeKernel = (args, ctx) => {
  const { x, mean, variance, offset, scale } = args.inputs;
  const activation = activationCode(ctx, args.attrs);
  if (!x || !mean || !variance || x.shape.length === 0 || activation === null) return null;
  const channels = x.shape[x.shape.length - 1];
  const perChannel = (t: typeof x | null | undefined) => {
    if (!t) return true;
    const n = size(t.shape);
    return n === 1 || (n === channels && t.shape[t.shape.length - 1] === channels);
  };
  if (channels === 0 || ![mean, variance, offset, scale].every(perChannel)) return null;
  const xv = ctx.values(args, x);
  const mv = ctx.values(args, mean);
  const vv = ctx.values(args, variance);
  const ov = offset ? ctx.values(args, offset) : null;
  const sv = scale ? ctx.values(args, scale) : null;
  if (!xv || !mv || !vv || (offset && !ov) || (scale && !sv)) return null;
  const epsilon = Number(args.attrs?.varianceEpsilon ?? 0.001);
  return ctx.output(args, x.shape, (out) =>
    ctx.native.batchNorm(xv, channels, mv, vv, ov, sv, epsilon, out, activation),
  );
};

export const batchNormInferenceKernel: NativeKernel = (args, ctx) => {
  const { x, mean, variance, scale, offset } = args.inputs;
  const channels = x?.shape[x.shape.length - 1];
  const perChannel = [mean, variance, scale, offset].every((t) => t && size(t.shape) === channels);
  return perChannel ? batchNormKernel(args, ctx) : null;
};

/**
 * The gradients of act(batchNorm(x)) for given per-channel mean and variance: inputs
 * x, dy, mean, variance, and optionally scale, offset (needed with an activation),
 * dMeanIn, dVarianceIn; attrs varianceEpsilon, activation, batchStatistics (see
 * kernels/elementwise.h). Outputs [dx, dMean, dVariance, dScale, dOffset].
 */
export const batchNormGradKernel: NativeKernel = (args, ctx) => {
  const { x, dy, mean, variance, scale, offset, dMeanIn, dVarianceIn } = args.inputs;
  const optional = (t: typeof x) => (t ? ctx.values(args, t) : null);
  const xv = ctx.values(args, x);
  const dyv = ctx.values(args, dy);
  const mv = ctx.values(args, mean);
  const vv = ctx.values(args, variance);
  const [sv, ov, dmv, dvv] = [scale, offset, dMeanIn, dVarianceIn].map(optional);
  const activation = activationCode(ctx, args.attrs);
  if (!x || !mean || !xv || !dyv || !mv || !vv || activation === null) return null;
  if ((scale && !sv) || (offset && !ov) || (dMeanIn && !dmv) || (dVarianceIn && !dvv)) {
    return null;
  }
  const channels = mean.shape[0];
  const dx = ctx.allocate(x.shape);
  const perChannel = [0, 1, 2, 3].map(() => new Float32Array(channels));
  const epsilon = Number(args.attrs?.varianceEpsilon ?? 0.001);
  const batchStatistics = Boolean(args.attrs?.batchStatistics);
  ctx.native.batchNormGrad(
    xv,
    dyv,
    channels,
    mv,
    vv,
    sv,
    ov,
    epsilon,
    activation,
    batchStatistics,
    dmv,
    dvv,
    dx,
    ...(perChannel as [Float32Array, Float32Array, Float32Array, Float32Array]),
  );
  if (batchStatistics) {
    markFoldZero(perChannel[0]);
    markFoldZero(perChannel[1]);
  }
  return [ctx.tensor(args, x.shape, dx), ...perChannel.map((v) => ctx.tensor(args, [channels], v))];
};

/**
 * The gradients of act(batchNorm(x)) by input name, from one batchNormGrad call made
 * in the gradient function itself and not in its closures: tfjs runs each closure in its
 * own tidy, which would dispose the outputs the others need. Outputs no closure asks for
 * are disposed with the backward pass's scope.
 */
export function batchNormGradients(
  tf: typeof tfjs,
  inputs: Record<string, Tensor>,
  attrs: { varianceEpsilon?: number; activation?: string },
  batchStatistics: boolean,
): Record<'x' | 'mean' | 'variance' | 'scale' | 'offset', () => Tensor> {
  const [dx, dMean, dVariance, dScale, dOffset] = tf
    .engine()
    .runKernel(kernelName('batchNormGrad'), inputs as never, {
      varianceEpsilon: attrs.varianceEpsilon ?? 0.001,
      activation: attrs.activation ?? 'linear',
      batchStatistics,
    }) as Tensor[];
  return {
    x: () => dx,
    mean: () => dMean,
    variance: () => dVariance,
    scale: () => dScale,
    offset: () => dOffset,
  };
}

export function batchNormInferenceGradient(tf: typeof tfjs): tfjs.GradConfig {
  return {
    kernelName: kernelName('batchNormInference'),
    inputsToSave: ['x', 'mean', 'variance', 'scale', 'offset'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale, offset] = saved;
      return batchNormGradients(
        tf,
        { x, dy: dy as Tensor, mean, variance, scale, offset },
        attrs as { varianceEpsilon?: number; activation?: string },
        false,
      );
    },
  };
}

export function batchNormTrainingGradient(tf: typeof tfjs): tfjs.GradConfig {
  return {
    kernelName: kernelName('batchNormTraining'),
    inputsToSave: ['x', 'scale', 'offset'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, scale, offset, mean, variance] = saved;
      const [dy, dMeanIn, dVarianceIn] = dys as Tensor[];
      const grads = batchNormGradients(
        tf,
        { x, dy, mean, variance, scale, offset, dMeanIn, dVarianceIn },
        attrs as { varianceEpsilon?: number; activation?: string },
        true,
      );
      return { x: grads.x, scale: grads.scale, offset: grads.offset };
    },
  };
}
