import { geometryOf } from './conv';
import type { KernelArgs, NativeContext, NativeKernel } from './context';

/** The geometry of a pooling (or its gradient), or null for a rank it does not handle. */
export function poolInfo(
  ctx: { tf: NativeContext['tf'] },
  args: KernelArgs,
  xShape: number[],
  withRounding: boolean,
) {
  const attrs = args.attrs ?? {};
  if (xShape.length !== 4) return null;
  return ctx.tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    withRounding ? (attrs.dimRoundingMode as 'floor' | undefined) : undefined,
  );
}

function pool(kind: 0 | 1): NativeKernel {
  return (args, ctx) => {
    const { x } = args.inputs;
    const xv = ctx.values(args, x);
    const info = x ? poolInfo(ctx, args, x.shape, true) : null;
    if (!xv || !info) return null;
    return ctx.output(args, info.outShape, (out) =>
      ctx.native.pool(kind, xv, out, geometryOf(info)),
    );
  };
}

export const maxPool = pool(0);
export const avgPool = pool(1);

export const maxPoolGrad: NativeKernel = (args, ctx) => {
  const { dy, input } = args.inputs;
  const dyv = ctx.values(args, dy);
  const xv = ctx.values(args, input);
  const info = input ? poolInfo(ctx, args, input.shape, true) : null;
  if (!dyv || !xv || !info || !input) return null;
  return ctx.output(args, input.shape, (dx) =>
    ctx.native.maxPoolGrad(dyv, xv, dx, geometryOf(info)),
  );
};

export const avgPoolGrad: NativeKernel = (args, ctx) => {
  const { dy, input } = args.inputs;
  const dyv = ctx.values(args, dy);
  // tfjs's AvgPoolGrad ignores dimRoundingMode; so do we, to match it.
  const info = input ? poolInfo(ctx, args, input.shape, false) : null;
  if (!dyv || !info || !input) return null;
  return ctx.output(args, input.shape, (dx) => ctx.native.avgPoolGrad(dyv, dx, geometryOf(info)));
};
