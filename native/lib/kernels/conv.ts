import { opCode, type ConvGeometryArray } from './binding';
import type { KernelArgs, NativeContext, NativeKernel, TensorInfo } from './context';
import { size } from './elementwise';

export type ConvInfo = ReturnType<NativeContext['tf']['backend_util']['computeConv2DInfo']>;

function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

function noDilation(dilations: unknown): boolean {
  if (dilations === undefined || dilations === null || dilations === 1) return true;
  return Array.isArray(dilations) && dilations.every((d) => d === 1);
}

/** The addon's geometry of a tfjs convolution info (padding as tfjs resolved it). */
export function geometryOf(info: ConvInfo): ConvGeometryArray {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** True for a bias the native kernels take: float32, one value per channel. */
export function isChannelBias(bias: TensorInfo, channels: number): boolean {
  return bias.dtype === 'float32' && bias.shape.length <= 1 && size(bias.shape) === channels;
}

/** The addon's code and leaky-relu alpha of a fused activation, or null for one it lacks. */
export function fusedActivation(
  activationCodes: Readonly<Record<string, number>>,
  attrs: Record<string, unknown>,
): { code: number; alpha: number } | null {
  const name = (attrs.activation as string | undefined) ?? 'linear';
  const code = opCode(activationCodes, name);
  if (code === undefined) return null;
  return { code, alpha: Number(attrs.leakyreluAlpha ?? 0.2) };
}

type Tf = NativeContext['tf'];
type Inputs = KernelArgs['inputs'];

/** A Conv2D / FusedConv2D the native kernels compute (float32, NHWC, no dilation). */
export interface Conv2dPlan {
  info: ConvInfo;
  activation: { code: number; alpha: number };
  bias: TensorInfo | null;
}

/**
 * What a Conv2D or FusedConv2D (`fused`) computes, or null for arguments the native
 * kernels leave to tfjs's (shared by the CPU and the CUDA backend).
 */
export function conv2dPlan(
  tf: Tf,
  activationCodes: Readonly<Record<string, number>>,
  inputs: Inputs,
  attrs: Record<string, unknown>,
  fused: boolean,
): Conv2dPlan | null {
  const { x, filter, bias } = inputs;
  if (!x || !filter || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (!isChannelsLast(attrs.dataFormat) || !noDilation(attrs.dilations)) return null;
  const activation = fusedActivation(activationCodes, fused ? attrs : {});
  if (!activation || (fused && inputs.preluActivationWeights)) return null;
  if (bias && !isChannelBias(bias, filter.shape[3])) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  return { info, activation, bias: bias ?? null };
}

/** The geometry of a convolution gradient (inputShape or filterShape from the attrs). */
export function convGradientInfo(
  tf: Tf,
  inputShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): ConvInfo | null {
  if (!isChannelsLast(attrs.dataFormat) || !noDilation(attrs.dilations)) return null;
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
}

function conv2dWith(args: KernelArgs, ctx: NativeContext, fused: boolean): TensorInfo | null {
  const plan = conv2dPlan(ctx.tf, ctx.native.ops.activation, args.inputs, args.attrs ?? {}, fused);
  if (!plan) return null;
  const xv = ctx.values(args, args.inputs.x);
  const fv = ctx.values(args, args.inputs.filter);
  const bv = plan.bias ? ctx.values(args, plan.bias) : null;
  if (!xv || !fv || (plan.bias && !bv)) return null;
  const { info, activation } = plan;
  return ctx.output(args, info.outShape, (out) =>
    ctx.native.conv2d(xv, fv, bv, out, geometryOf(info), activation.code, activation.alpha),
  );
}

export const conv2d: NativeKernel = (args, ctx) => conv2dWith(args, ctx, false);
export const fusedConv2d: NativeKernel = (args, ctx) => conv2dWith(args, ctx, true);

export const conv2dBackpropInput: NativeKernel = (args, ctx) => {
  const attrs = args.attrs ?? {};
  const { dy, filter } = args.inputs;
  if (!dy || !filter) return null;
  const dyv = ctx.values(args, dy);
  const fv = ctx.values(args, filter);
  const info = convGradientInfo(ctx.tf, attrs.inputShape as number[], filter.shape, attrs);
  if (!dyv || !fv || !info) return null;
  return ctx.output(args, info.inShape, (dx) =>
    ctx.native.conv2dBackpropInput(dyv, fv, dx, geometryOf(info)),
  );
};

export const conv2dBackpropFilter: NativeKernel = (args, ctx) => {
  const attrs = args.attrs ?? {};
  const { x, dy } = args.inputs;
  if (!x || !dy) return null;
  const xv = ctx.values(args, x);
  const dyv = ctx.values(args, dy);
  const filterShape = attrs.filterShape as number[];
  const info = convGradientInfo(ctx.tf, x.shape, filterShape, attrs);
  if (!xv || !dyv || !info) return null;
  return ctx.output(args, filterShape, (df) =>
    ctx.native.conv2dBackpropFilter(xv, dyv, df, geometryOf(info)),
  );
};

/** The geometry of a depthwise convolution the native kernels compute, or null. */
export function depthwiseInfo(
  ctx: { tf: Tf },
  inputShape: number[],
  filterShape: number[],
  attrs: Record<string, unknown>,
): ConvInfo | null {
  // Channel multipliers other than 1 and dilations stay with the JS kernel.
  if (filterShape.length !== 4 || filterShape[3] !== 1 || !noDilation(attrs.dilations)) return null;
  return ctx.tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    true,
  );
}

/**
 * DepthwiseConv2dNative, and FusedDepthwiseConv2D (`fused`: a per-channel bias and an
 * activation, which folded batch norms give inference models) when its bias is one value
 * per channel.
 */
function depthwiseWith(args: KernelArgs, ctx: NativeContext, fused: boolean): TensorInfo | null {
  const attrs = args.attrs ?? {};
  const { x, filter, bias } = args.inputs;
  if (!x || !filter || x.shape.length !== 4 || !isChannelsLast(attrs.dataFormat)) return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const activation = fusedActivation(ctx.native.ops.activation, fused ? attrs : {});
  if (!activation || (fused && args.inputs.preluActivationWeights)) return null;
  const info = depthwiseInfo(ctx, x.shape, filter.shape, attrs);
  if (!info) return null;
  if (fused && bias && !isChannelBias(bias, info.outChannels)) return null;
  const xv = ctx.values(args, x);
  const fv = ctx.values(args, filter);
  const bv = fused && bias ? ctx.values(args, bias) : null;
  if (!xv || !fv || (fused && bias && !bv)) return null;
  return ctx.output(args, info.outShape, (out) =>
    ctx.native.depthwise(xv, fv, bv, out, geometryOf(info), activation.code, activation.alpha),
  );
}

export const depthwiseConv2d: NativeKernel = (args, ctx) => depthwiseWith(args, ctx, false);
export const fusedDepthwiseConv2d: NativeKernel = (args, ctx) => depthwiseWith(args, ctx, true);

export const depthwiseBackpropInput: NativeKernel = (args, ctx) => {
  const attrs = args.attrs ?? {};
  const { dy, filter } = args.inputs;
  if (!dy || !filter) return null;
  const dyv = ctx.values(args, dy);
  const fv = ctx.values(args, filter);
  const info = depthwiseInfo(ctx, attrs.inputShape as number[], filter.shape, attrs);
  if (!dyv || !fv || !info) return null;
  return ctx.output(args, info.inShape, (dx) =>
    ctx.native.depthwiseBackpropInput(dyv, fv, dx, geometryOf(info)),
  );
};

export const depthwiseBackpropFilter: NativeKernel = (args, ctx) => {
  const attrs = args.attrs ?? {};
  const { x, dy } = args.inputs;
  if (!x || !dy) return null;
  const xv = ctx.values(args, x);
  const dyv = ctx.values(args, dy);
  const filterShape = attrs.filterShape as number[];
  const info = depthwiseInfo(ctx, x.shape, filterShape, attrs);
  if (!xv || !dyv || !info) return null;
  return ctx.output(args, filterShape, (df) =>
    ctx.native.depthwiseBackpropFilter(xv, dyv, df, geometryOf(info)),
  );
};
