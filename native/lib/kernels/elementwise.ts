import { opCode, type KernelOps } from './binding';
import type { NativeContext, NativeKernel, TensorInfo } from './context';

/** The number of values of a shape. */
export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(p: number[], q: number[]): boolean {
  return p.length === q.length && p.every((d, i) => d === q[i]);
}

/**
 * The addon's code of a binary or unary op; a name it lacks means the facade and the
 * addon were built from different sources.
 */
export function opCodeOf(ops: KernelOps, kind: 'binary' | 'unary', name: string): number {
  const code = opCode(ops[kind], name);
  if (code === undefined) {
    throw new Error(
      `the native addon has no ${kind} op '${name}'; rebuild it: npx nx run native:build`,
    );
  }
  return code;
}

/** A binary op of the addon (src/kernels/elementwise.h) by name, with broadcasting. */
export function binary(op: string): NativeKernel {
  return (args, ctx) => {
    const { a, b } = args.inputs;
    const av = ctx.values(args, a);
    const bv = ctx.values(args, b);
    if (!a || !b || !av || !bv) return null;
    const outShape = ctx.tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    // x * 1 is x, bit for bit: tfjs-layers' swish multiplies by alpha = 1 on every call.
    if (op === 'Multiply') {
      if (bv.length === 1 && bv[0] === 1 && sameShape(a.shape, outShape)) {
        return ctx.alias(args, a, outShape);
      }
      if (av.length === 1 && av[0] === 1 && sameShape(b.shape, outShape)) {
        return ctx.alias(args, b, outShape);
      }
    }
    const code = opCodeOf(ctx.native.ops, 'binary', op);
    return ctx.output(args, outShape, (out) =>
      ctx.native.binary(code, av, a.shape, bv, b.shape, out, outShape),
    );
  };
}

/** A unary op of the addon by name. */
export function unary(op: string): NativeKernel {
  return (args, ctx) => {
    const { x } = args.inputs;
    const xv = ctx.values(args, x);
    if (!x || !xv) return null;
    const code = opCodeOf(ctx.native.ops, 'unary', op);
    const alpha = Number(args.attrs?.alpha ?? 0);
    return ctx.output(args, x.shape, (out) => ctx.native.unary(code, xv, out, alpha));
  };
}

/** A Sum or Mean over a contiguous run of axes: x as [outer, reduce, inner]. */
export interface ReductionPlan {
  outer: number;
  reduce: number;
  inner: number;
  outShape: number[];
}

/** Sum and Mean over a contiguous run of axes; null for other axis sets (left to JS). */
export function reductionPlan(
  tf: NativeContext['tf'],
  x: TensorInfo,
  attrs: Record<string, unknown>,
): ReductionPlan | null {
  const axes = tf.util
    .parseAxisParam(attrs.axis as number | number[], x.shape)
    .sort((p, q) => p - q);
  for (let i = 1; i < axes.length; ++i) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes.length ? axes[0] : x.shape.length;
  const last = axes.length ? axes[axes.length - 1] + 1 : x.shape.length;
  let [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  if (attrs.keepDims) outShape = tf.backend_util.expandShapeToKeepDim(outShape, axes);
  return {
    outer: size(x.shape.slice(0, first)),
    reduce: size(x.shape.slice(first, last)),
    inner: size(x.shape.slice(last)),
    outShape,
  };
}

function reduction(mean: boolean): NativeKernel {
  return (args, ctx) => {
    const { x } = args.inputs;
    const xv = ctx.values(args, x);
    const plan = x && xv ? reductionPlan(ctx.tf, x, args.attrs ?? {}) : null;
    if (!xv || !plan) return null;
    const scale = mean ? 1 / plan.reduce : 1;
    return ctx.output(args, plan.outShape, (out) =>
      ctx.native.sumReduce(xv, plan.outer, plan.reduce, plan.inner, scale, out),
    );
  };
}

export const sum = reduction(false);
export const mean = reduction(true);

export const tile: NativeKernel = (args, ctx) => {
  const { x } = args.inputs;
  const xv = ctx.values(args, x);
  const reps = args.attrs?.reps as number[] | undefined;
  if (!x || !xv || !reps || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  return ctx.output(args, outShape, (out) => ctx.native.tile(xv, x.shape, reps, out));
};

/**
 * PadV2 of float32 by a constant (tfjs-layers' ZeroPadding2D: the PyTorch-init stem's
 * padding=1): row copies, where tfjs's JS kernel maps every value through index
 * arithmetic (a tenth of a Model B training step). Paddings that are not whole numbers
 * >= 0 go to the JS kernel.
 */
export const padV2: NativeKernel = (args, ctx) => {
  const { x } = args.inputs;
  const xv = ctx.values(args, x);
  const paddings = args.attrs?.paddings as Array<[number, number]> | undefined;
  if (!x || !xv || !paddings || paddings.length !== x.shape.length) return null;
  if (paddings.some((p) => !p.every((n) => Number.isInteger(n) && n >= 0))) return null;
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  const outShape = x.shape.map((d, i) => before[i] + d + after[i]);
  const value = Number(args.attrs?.constantValue ?? 0);
  return ctx.output(args, outShape, (out) =>
    ctx.native.pad(xv, x.shape, before, after, value, out),
  );
};

/**
 * GatherV2 of float32 slices by int32 indices along one axis (batchDims 0): one copy per
 * slice (tfjs's JS kernel copies element by element through index arithmetic, which made
 * mixup's shuffled batch a tenth of a training step). Indices out of range go to the JS
 * kernel, which reports them.
 */
export const gather: NativeKernel = (args, ctx) => {
  const { x, indices } = args.inputs;
  const xv = ctx.values(args, x);
  const iv = ctx.int32Values(args, indices);
  if (!x || !indices || !xv || !iv || x.shape.length === 0 || Number(args.attrs?.batchDims ?? 0)) {
    return null;
  }
  const axis = ctx.tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0];
  const axisSize = x.shape[axis];
  if (iv.some((i) => i < 0 || i >= axisSize)) return null;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  return ctx.output(args, outShape, (out) => {
    let o = 0;
    for (let b = 0; b < outer; b++) {
      const base = b * axisSize * inner;
      for (const i of iv) {
        out.set(xv.subarray(base + i * inner, base + (i + 1) * inner), o);
        o += inner;
      }
    }
  });
};
