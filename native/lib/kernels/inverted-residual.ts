import { depthwiseInfo, fusedActivation, geometryOf, isChannelBias } from './conv';
import type { NativeKernel } from './context';

/**
 * The inverted residual block as one kernel (NativeKernelNames.invertedResidual): what
 * FusedConv2D (1x1), FusedDepthwiseConv2D, FusedConv2D (1x1), Add and (optionally)
 * AvgPool compute, with the expanded activations kept in cache
 * (src/kernels/inverted_residual.h). Declines (null)
 * arguments it does not handle; the zoo's layer checks them before dispatching.
 */
export const invertedResidualKernel: NativeKernel = (args, ctx) => {
  const attrs = args.attrs ?? {};
  const { x, expandFilter, depthwiseFilter, projectFilter } = args.inputs;
  if (!x || !depthwiseFilter || !projectFilter || x.shape.length !== 4) return null;
  const [, height, width, inChannels] = x.shape;
  // Without an expansion the depthwise convolution reads x.
  const expanded = expandFilter ? expandFilter.shape[3] : inChannels;
  const [ph, pw, pin, outChannels] = projectFilter.shape;
  if (ph !== 1 || pw !== 1 || pin !== expanded) return null;
  if (expandFilter) {
    const [eh, ew, ein] = expandFilter.shape;
    if (expandFilter.shape.length !== 4 || eh !== 1 || ew !== 1 || ein !== inChannels) {
      return null;
    }
  }
  const codes = ctx.native.ops.activation;
  const alpha = attrs.leakyreluAlpha;
  const [expand, depthwise, project] = [
    attrs.expandActivation,
    attrs.depthwiseActivation,
    attrs.projectActivation,
  ].map((activation) => fusedActivation(codes, { activation, leakyreluAlpha: alpha }));
  if (!expand || !depthwise || !project) return null;
  const info = depthwiseInfo(
    ctx,
    [x.shape[0], height, width, expanded],
    depthwiseFilter.shape,
    attrs,
  );
  if (!info || info.inChannels !== expanded) return null;
  const residual = attrs.residual === true;
  const pool = attrs.averagePool === undefined ? 1 : Number(attrs.averagePool);
  if (!Number.isInteger(pool) || pool < 1 || pool > 64) return null;
  if (
    residual &&
    (inChannels !== outChannels || info.outHeight !== height || info.outWidth !== width)
  ) {
    return null;
  }
  const bias = (name: string, channels: number): Float32Array | null | undefined => {
    const t = args.inputs[name];
    if (!t) return null;
    return isChannelBias(t, channels) ? (ctx.values(args, t) ?? undefined) : undefined;
  };
  const biases = [
    expandFilter ? bias('expandBias', expanded) : null,
    bias('depthwiseBias', expanded),
    bias('projectBias', outChannels),
  ];
  const filters = [x, depthwiseFilter, projectFilter].map((t) => ctx.values(args, t));
  const ef = expandFilter ? ctx.values(args, expandFilter) : null;
  if (biases.includes(undefined) || filters.includes(null) || (expandFilter && !ef)) return null;
  const [xv, df, pf] = filters as Float32Array[];
  const [eb, db, pb] = biases as (Float32Array | null)[];
  const outShape = [
    x.shape[0],
    Math.floor(info.outHeight / pool),
    Math.floor(info.outWidth / pool),
    outChannels,
  ];
  return ctx.output(args, outShape, (out) =>
    ctx.native.invertedResidual(
      xv,
      ef,
      eb,
      df,
      db,
      pf,
      pb,
      out,
      geometryOf(info),
      inChannels,
      outChannels,
      residual,
      expand.code,
      depthwise.code,
      project.code,
      expand.alpha,
      pool,
    ),
  );
};
