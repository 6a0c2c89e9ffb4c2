import type * as tfjs from '@tensorflow/tfjs';
import { adamStepParams } from '../kernels/adam';
import { opCode, type KernelOps, type NativeKernelNames } from '../kernels/binding';
import type { KernelArgs } from '../kernels/context';
import { conv2dPlan, convGradientInfo, depthwiseInfo, geometryOf } from '../kernels/conv';
import { reductionPlan } from '../kernels/elementwise';
import { matMulPlan } from '../kernels/matmul';
import { poolInfo } from '../kernels/pool';
import type { AscCudaBackend, TensorInfo } from './backend';
import { broadcastView, CONTIGUOUS, size, stridedView, stridesOf, type View } from './views';

type Tf = typeof tfjs;
type DataType = tfjs.DataType;

/**
 * The kernels of the tfjs backend 'asc-cuda', by tfjs kernel name: each checks its
 * arguments, allocates its outputs on the device and runs device kernels
 * (native/cuda/train/kernels.h); it returns null for arguments it does not handle, and
 * the backend then runs tfjs's CPU kernel through a counted host round trip. The
 * argument checks and shapes are the CPU kernels' own (conv2dPlan, matMulPlan, ...).
 */
export interface CudaKernelContext {
  tf: Tf;
  ops: KernelOps;
  /** The device's extra unary ops (Log, Log1p, Floor, ...), by tfjs kernel name. */
  extraUnary: Readonly<Record<string, number>>;
}

export type CudaKernel = (
  args: KernelArgs,
  b: AscCudaBackend,
  ctx: CudaKernelContext,
) => TensorInfo | TensorInfo[] | null;

const DTYPE_CODES: Partial<Record<DataType, number>> = { float32: 0, int32: 1, bool: 2 };

function isFloat(...ts: (TensorInfo | null | undefined)[]): boolean {
  return ts.every((t) => t && t.dtype === 'float32');
}

/** Whether a tensor is stored as 4-byte elements on the device (float32, int32). */
function fourBytes(t: TensorInfo | null | undefined): t is TensorInfo {
  return !!t && (t.dtype === 'float32' || t.dtype === 'int32');
}

/** The bits of a number as a value of `dtype` (Fill, Pad and OneHot write bits). */
function valueBits(value: number, dtype: DataType): number {
  if (dtype === 'int32') return value | 0;
  return new Uint32Array(new Float32Array([value]).buffer)[0];
}

function sameShape(p: readonly number[], q: readonly number[]): boolean {
  return p.length === q.length && p.every((d, i) => d === q[i]);
}

function copy(b: AscCudaBackend, src: number, dst: number, n: number, vin: View, vout: View): void {
  if (n > 0) b.run('Copy', [src, dst], [n, ...vin, ...vout]);
}

// ---- Elementwise ---------------------------------------------------------------------

function binaryWith(
  b: AscCudaBackend,
  ctx: CudaKernelContext,
  op: string,
  a: TensorInfo,
  c: TensorInfo,
  outShape: number[],
  param = 0,
): TensorInfo | null {
  const code = opCode(ctx.ops.binary, op);
  const va = broadcastView(a.shape, outShape);
  const vb = broadcastView(c.shape, outShape);
  if (code === undefined || !va || !vb) return null;
  const n = size(outShape);
  const out = b.output(outShape);
  if (n > 0)
    b.run('Binary', [b.bufferOf(a), b.bufferOf(c), out.buffer], [code, param, n, ...va, ...vb]);
  return out.info;
}

function binary(op: string): CudaKernel {
  return (args, b, ctx) => {
    const { a, b: c } = args.inputs;
    if (!a || !c || !isFloat(a, c)) return null;
    return binaryWith(
      b,
      ctx,
      op,
      a,
      c,
      ctx.tf.backend_util.assertAndGetBroadcastShape(a.shape, c.shape),
    );
  };
}

/** A same-shape binary op of the addon (the gradients' kernels). */
function sameShapeBinary(op: string): CudaKernel {
  return (args, b, ctx) => {
    const { a, b: c } = args.inputs;
    if (!a || !c || !isFloat(a, c) || !sameShape(a.shape, c.shape)) return null;
    return binaryWith(b, ctx, op, a, c, a.shape);
  };
}

function unaryWith(b: AscCudaBackend, code: number, x: TensorInfo, alpha = 0): TensorInfo {
  const out = b.output(x.shape);
  const n = size(x.shape);
  if (n > 0) b.run('Unary', [b.bufferOf(x), out.buffer], [code, alpha, n]);
  return out.info;
}

function unary(op: string): CudaKernel {
  return (args, b, ctx) => {
    const { x } = args.inputs;
    const code = opCode(ctx.ops.unary, op) ?? opCode(ctx.extraUnary, op);
    if (!x || !isFloat(x) || code === undefined) return null;
    return unaryWith(b, code, x, Number(args.attrs?.alpha ?? 0));
  };
}

function sum(mean: boolean): CudaKernel {
  return (args, b, ctx) => {
    const { x } = args.inputs;
    if (!x || !isFloat(x)) return null;
    const plan = reductionPlan(ctx.tf, x, args.attrs ?? {});
    if (!plan) return null;
    const out = b.output(plan.outShape);
    if (size(plan.outShape) > 0) {
      b.run(
        'Sum',
        [b.bufferOf(x), out.buffer],
        [plan.outer, plan.reduce, plan.inner, mean ? 1 / plan.reduce : 1],
      );
    }
    return out.info;
  };
}

// ---- Data movement ---------------------------------------------------------------------

const identity: CudaKernel = (args, b) => {
  const { x } = args.inputs;
  return x ? b.alias(x, x.shape) : null;
};

/** ExpandDims: a reshape with a 1 inserted at `dim`. */
const expandDims: CudaKernel = (args, b) => {
  const { input } = args.inputs;
  if (!input) return null;
  let dim = Number(args.attrs?.dim ?? 0);
  if (dim < 0) dim += input.shape.length + 1;
  const shape = input.shape.slice();
  shape.splice(dim, 0, 1);
  return b.alias(input, shape);
};

const reshape: CudaKernel = (args, b, ctx) => {
  const { x } = args.inputs;
  if (!x) return null;
  const shape = ctx.tf.util.inferFromImplicitShape(args.attrs?.shape as number[], size(x.shape));
  return b.alias(x, shape);
};

const cast: CudaKernel = (args, b) => {
  const { x } = args.inputs;
  const dtype = args.attrs?.dtype as DataType;
  if (!x) return null;
  if (x.dtype === dtype) return b.alias(x, x.shape);
  const from = DTYPE_CODES[x.dtype];
  const to = DTYPE_CODES[dtype];
  if (from === undefined || to === undefined) return null;
  const out = b.output(x.shape, dtype);
  const n = size(x.shape);
  if (n > 0) b.run('Cast', [b.bufferOf(x), out.buffer], [from, to, n]);
  return out.info;
};

const slice: CudaKernel = (args, b, ctx) => {
  const { x } = args.inputs;
  if (!fourBytes(x)) return null;
  const [begin, sizes] = ctx.tf.slice_util.parseSliceParams(
    x,
    args.attrs?.begin as number[],
    args.attrs?.size as number[],
  );
  const strides = stridesOf(x.shape);
  const base = begin.reduce((acc, v, d) => acc + v * strides[d], 0);
  const view = stridedView(sizes, strides, base);
  if (!view) return null;
  const out = b.output(sizes, x.dtype);
  copy(b, b.bufferOf(x), out.buffer, size(sizes), view, CONTIGUOUS);
  return out.info;
};

const transpose: CudaKernel = (args, b) => {
  const { x } = args.inputs;
  const perm = args.attrs?.perm as number[];
  if (!fourBytes(x) || !perm) return null;
  const strides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]);
  const view = stridedView(
    outShape,
    perm.map((p) => strides[p]),
  );
  if (!view) return null;
  const out = b.output(outShape, x.dtype);
  copy(b, b.bufferOf(x), out.buffer, size(outShape), view, CONTIGUOUS);
  return out.info;
};

const tile: CudaKernel = (args, b) => {
  const { x } = args.inputs;
  const reps = args.attrs?.reps as number[] | undefined;
  if (!fourBytes(x) || !reps || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const view = stridedView(outShape, stridesOf(x.shape), 0, x.shape);
  if (!view) return null;
  const out = b.output(outShape, x.dtype);
  copy(b, b.bufferOf(x), out.buffer, size(outShape), view, CONTIGUOUS);
  return out.info;
};

const concat: CudaKernel = (args, b, ctx) => {
  const tensors = Object.values(args.inputs).filter((t): t is TensorInfo => !!t);
  if (tensors.length === 0 || !tensors.every((t) => fourBytes(t) && t.dtype === tensors[0].dtype)) {
    return null;
  }
  const axis = ctx.tf.util.parseAxisParam(args.attrs?.axis as number, tensors[0].shape)[0];
  const outShape = ctx.tf.backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    axis,
  );
  const outStrides = stridesOf(outShape);
  let offset = 0;
  const views: (View | null)[] = tensors.map((t) => {
    const view = stridedView(t.shape, outStrides, offset * outStrides[axis]);
    offset += t.shape[axis];
    return view;
  });
  if (views.some((v) => !v)) return null;
  const out = b.output(outShape, tensors[0].dtype);
  tensors.forEach((t, i) =>
    copy(b, b.bufferOf(t), out.buffer, size(t.shape), CONTIGUOUS, views[i] as View),
  );
  return out.info;
};

const splitV: CudaKernel = (args, b, ctx) => {
  const { x } = args.inputs;
  if (!fourBytes(x)) return null;
  const axis = ctx.tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0];
  const sizes = ctx.tf.backend_util.prepareSplitSize(
    x,
    args.attrs?.numOrSizeSplits as number[] | number,
    axis,
  );
  const strides = stridesOf(x.shape);
  const outs: TensorInfo[] = [];
  let begin = 0;
  for (const s of sizes) {
    const shape = x.shape.slice();
    shape[axis] = s;
    const view = stridedView(shape, strides, begin * strides[axis]);
    if (!view) {
      outs.forEach((o) => b.disposeData(o.dataId));
      return null;
    }
    const out = b.output(shape, x.dtype);
    copy(b, b.bufferOf(x), out.buffer, size(shape), view, CONTIGUOUS);
    outs.push(out.info);
    begin += s;
  }
  return outs;
};

/** Pack (tf.stack): each input into its slab of the output along a new axis. */
const pack: CudaKernel = (args, b, ctx) => {
  const tensors = Object.values(args.inputs).filter((t): t is TensorInfo => !!t);
  if (tensors.length === 0 || !tensors.every((t) => fourBytes(t) && t.dtype === tensors[0].dtype)) {
    return null;
  }
  const shape = tensors[0].shape;
  const axis = ctx.tf.util.parseAxisParam(Number(args.attrs?.axis ?? 0), [...shape, 1])[0];
  const outShape = shape.slice();
  outShape.splice(axis, 0, tensors.length);
  const outStrides = stridesOf(outShape);
  const dims = shape.slice();
  dims.splice(axis, 0, 1);
  const views = tensors.map((_, i) => stridedView(dims, outStrides, i * outStrides[axis]));
  if (views.some((v) => !v) || !tensors.every((t) => sameShape(t.shape, shape))) return null;
  const out = b.output(outShape, tensors[0].dtype);
  tensors.forEach((t, i) =>
    copy(b, b.bufferOf(t), out.buffer, size(shape), CONTIGUOUS, views[i] as View),
  );
  return out.info;
};

/** Unpack (tf.unstack): one output per index along `axis`. */
const unpack: CudaKernel = (args, b, ctx) => {
  const { value } = args.inputs;
  if (!fourBytes(value)) return null;
  const axis = ctx.tf.util.parseAxisParam(Number(args.attrs?.axis ?? 0), value.shape)[0];
  const strides = stridesOf(value.shape);
  const shape = value.shape.filter((_, d) => d !== axis);
  const dims = value.shape.map((d, i) => (i === axis ? 1 : d));
  const views = Array.from({ length: value.shape[axis] }, (_, i) =>
    stridedView(dims, strides, i * strides[axis]),
  );
  if (views.some((v) => !v)) return null;
  return views.map((view) => {
    const out = b.output(shape, value.dtype);
    copy(b, b.bufferOf(value), out.buffer, size(shape), view as View, CONTIGUOUS);
    return out.info;
  });
};

/** AddN: the inputs summed in order (float32, one shape). */
const addN: CudaKernel = (args, b, ctx) => {
  const tensors = Object.values(args.inputs).filter((t): t is TensorInfo => !!t);
  const code = opCode(ctx.ops.binary, 'Add');
  if (tensors.length === 0 || code === undefined || !isFloat(...tensors)) return null;
  if (!tensors.every((t) => sameShape(t.shape, tensors[0].shape))) return null;
  if (tensors.length === 1) return b.alias(tensors[0], tensors[0].shape);
  const n = size(tensors[0].shape);
  const out = b.output(tensors[0].shape);
  // out = t0 + t1, then out += t_i: in place, each element reads only its own index.
  tensors.slice(1).forEach((t, i) => {
    const first = i === 0 ? b.bufferOf(tensors[0]) : out.buffer;
    if (n > 0)
      b.run(
        'Binary',
        [first, b.bufferOf(t), out.buffer],
        [code, 0, n, ...CONTIGUOUS, ...CONTIGUOUS],
      );
  });
  return out.info;
};

const padV2: CudaKernel = (args, b) => {
  const { x } = args.inputs;
  const paddings = args.attrs?.paddings as [number, number][] | undefined;
  if (!fourBytes(x) || !paddings || x.shape.length > 6) return null;
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = b.output(outShape, x.dtype);
  const value = valueBits(Number(args.attrs?.constantValue ?? 0), x.dtype);
  if (size(outShape) > 0) {
    b.run(
      'Pad',
      [b.bufferOf(x), out.buffer],
      [value, x.shape.length, ...outShape, ...x.shape, ...paddings.map((p) => p[0])],
    );
  }
  return out.info;
};

/**
 * GatherV2 of 4-byte slices along one axis (batchDims 0). Indices out of range go to the
 * CPU kernel, which reports them as tfjs does.
 */
const gather: CudaKernel = (args, b, ctx) => {
  const { x, indices } = args.inputs;
  if (!fourBytes(x) || !indices || indices.dtype !== 'int32' || x.shape.length === 0) return null;
  if (Number(args.attrs?.batchDims ?? 0) !== 0) return null;
  const axis = ctx.tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0];
  const axisSize = x.shape[axis];
  const iv = b.hostValues(indices) as Int32Array;
  for (const i of iv) if (i < 0 || i >= axisSize) return null;
  const inner = size(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const n = size(outShape);
  const out = b.output(outShape, x.dtype);
  if (n > 0) {
    b.run(
      'Gather',
      [b.bufferOf(x), b.bufferOf(indices), out.buffer],
      [axisSize, size(indices.shape), inner, n],
    );
  }
  return out.info;
};

const oneHot: CudaKernel = (args, b) => {
  const { indices } = args.inputs;
  const attrs = args.attrs ?? {};
  const dtype = (attrs.dtype as DataType | undefined) ?? 'int32';
  if (!indices || indices.dtype !== 'int32' || (dtype !== 'float32' && dtype !== 'int32')) {
    return null;
  }
  const depth = Number(attrs.depth);
  const outShape = [...indices.shape, depth];
  const out = b.output(outShape, dtype);
  const n = size(outShape);
  if (n > 0) {
    b.run(
      'OneHot',
      [b.bufferOf(indices), out.buffer],
      [
        depth,
        valueBits(Number(attrs.onValue ?? 1), dtype),
        valueBits(Number(attrs.offValue ?? 0), dtype),
        n,
      ],
    );
  }
  return out.info;
};

function filled(
  b: AscCudaBackend,
  shape: number[],
  dtype: DataType,
  value: number,
): TensorInfo | null {
  if (dtype !== 'float32' && dtype !== 'int32') return null;
  const out = b.output(shape, dtype);
  const n = size(shape);
  if (n > 0) b.run('Fill', [out.buffer], [valueBits(value, dtype), n]);
  return out.info;
}

const fill: CudaKernel = (args, b) => {
  const attrs = args.attrs ?? {};
  const value = attrs.value;
  if (typeof value !== 'number') return null;
  return filled(b, attrs.shape as number[], (attrs.dtype as DataType) ?? 'float32', value);
};

function like(value: number): CudaKernel {
  return (args, b) => {
    const { x } = args.inputs;
    return x ? filled(b, x.shape, x.dtype, value) : null;
  };
}

// ---- Convolutions, pooling, products ----------------------------------------------------

function conv2dWith(fused: boolean): CudaKernel {
  return (args, b, ctx) => {
    const plan = conv2dPlan(ctx.tf, ctx.ops.activation, args.inputs, args.attrs ?? {}, fused);
    if (!plan) return null;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const out = b.output(plan.info.outShape);
    b.run(
      'Conv2D',
      [b.bufferOf(x), b.bufferOf(filter), plan.bias ? b.bufferOf(plan.bias) : 0, out.buffer],
      [
        ...geometryOf(plan.info),
        plan.activation.code,
        plan.activation.alpha,
        plan.bias ? size(plan.bias.shape) : 0,
      ],
    );
    return out.info;
  };
}

const conv2dBackpropInput: CudaKernel = (args, b, ctx) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!dy || !filter || !isFloat(dy, filter)) return null;
  const info = convGradientInfo(ctx.tf, attrs.inputShape as number[], filter.shape, attrs);
  if (!info) return null;
  const out = b.output(info.inShape);
  b.run('Conv2DBackpropInput', [b.bufferOf(dy), b.bufferOf(filter), out.buffer], geometryOf(info));
  return out.info;
};

const conv2dBackpropFilter: CudaKernel = (args, b, ctx) => {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!x || !dy || !isFloat(x, dy)) return null;
  const filterShape = attrs.filterShape as number[];
  const info = convGradientInfo(ctx.tf, x.shape, filterShape, attrs);
  if (!info) return null;
  const out = b.output(filterShape);
  b.run('Conv2DBackpropFilter', [b.bufferOf(x), b.bufferOf(dy), out.buffer], geometryOf(info));
  return out.info;
};

const depthwise: CudaKernel = (args, b, ctx) => {
  const { x, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!x || !filter || !isFloat(x, filter) || x.shape.length !== 4) return null;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  const info = depthwiseInfo(ctx, x.shape, filter.shape, attrs);
  if (!info) return null;
  const out = b.output(info.outShape);
  b.run('Depthwise', [b.bufferOf(x), b.bufferOf(filter), out.buffer], geometryOf(info));
  return out.info;
};

const depthwiseBackpropInput: CudaKernel = (args, b, ctx) => {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!dy || !filter || !isFloat(dy, filter)) return null;
  const info = depthwiseInfo(ctx, attrs.inputShape as number[], filter.shape, attrs);
  if (!info) return null;
  const out = b.output(info.inShape);
  b.run(
    'DepthwiseBackpropInput',
    [b.bufferOf(dy), b.bufferOf(filter), out.buffer],
    geometryOf(info),
  );
  return out.info;
};

const depthwiseBackpropFilter: CudaKernel = (args, b, ctx) => {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!x || !dy || !isFloat(x, dy)) return null;
  const filterShape = attrs.filterShape as number[];
  const info = depthwiseInfo(ctx, x.shape, filterShape, attrs);
  if (!info) return null;
  const out = b.output(filterShape);
  b.run('DepthwiseBackpropFilter', [b.bufferOf(x), b.bufferOf(dy), out.buffer], geometryOf(info));
  return out.info;
};

function pool(max: boolean): CudaKernel {
  return (args, b, ctx) => {
    const { x } = args.inputs;
    if (!x || !isFloat(x)) return null;
    const info = poolInfo(ctx, args, x.shape, true);
    if (!info) return null;
    const out = b.output(info.outShape);
    b.run('Pool', [b.bufferOf(x), out.buffer], [max ? 1 : 0, ...geometryOf(info)]);
    return out.info;
  };
}

const maxPoolGrad: CudaKernel = (args, b, ctx) => {
  const { dy, input } = args.inputs;
  if (!dy || !input || !isFloat(dy, input)) return null;
  const info = poolInfo(ctx, args, input.shape, true);
  if (!info) return null;
  const out = b.output(input.shape);
  b.run('MaxPoolGrad', [b.bufferOf(dy), b.bufferOf(input), out.buffer], geometryOf(info));
  return out.info;
};

const avgPoolGrad: CudaKernel = (args, b, ctx) => {
  const { dy, input } = args.inputs;
  if (!dy || !input || !isFloat(dy)) return null;
  // tfjs's AvgPoolGrad ignores dimRoundingMode; so do the CPU kernels and we.
  const info = poolInfo(ctx, args, input.shape, false);
  if (!info) return null;
  const out = b.output(input.shape);
  b.run('AvgPoolGrad', [b.bufferOf(dy), out.buffer], geometryOf(info));
  return out.info;
};

function matMulWith(fused: boolean): CudaKernel {
  return (args, b, ctx) => {
    const plan = matMulPlan(ctx.tf, ctx.ops.activation, args, fused);
    if (!plan) return null;
    const { a, b: c } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const out = b.output(plan.outShape);
    b.run(
      'MatMul',
      [b.bufferOf(a), b.bufferOf(c), plan.bias ? b.bufferOf(plan.bias) : 0, out.buffer],
      [...plan.shape, plan.activation, plan.alpha, plan.bias ? size(plan.bias.shape) : 0],
    );
    return out.info;
  };
}

// ---- Batch normalisation and Adam (the kernels @asc/native adds) ------------------------

/** The activations the batch-norm kernels fuse (as the CPU kernels). */
const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'swish'];

function batchNormActivation(
  ctx: CudaKernelContext,
  attrs: Record<string, unknown> | undefined,
): number | null {
  const name = String(attrs?.activation ?? 'linear');
  return FUSED_ACTIVATIONS.includes(name) ? (opCode(ctx.ops.activation, name) ?? null) : null;
}

/**
 * FusedBatchNorm (statistics and parameters per channel or scalar, offset and scale
 * optional) and the inference kernel (all four per channel), with an activation.
 */
const batchNorm: CudaKernel = (args, b, ctx) => {
  const { x, mean, variance, offset, scale } = args.inputs;
  const activation = batchNormActivation(ctx, args.attrs);
  if (!x || !mean || !variance || x.shape.length === 0 || activation === null) return null;
  const channels = x.shape[x.shape.length - 1];
  const params = [mean, variance, offset, scale];
  const perChannel = (t: TensorInfo | null | undefined) => {
    if (!t) return true;
    const n = size(t.shape);
    return (
      t.dtype === 'float32' &&
      (n === 1 || (n === channels && t.shape[t.shape.length - 1] === channels))
    );
  };
  if (!isFloat(x) || channels === 0 || !params.every(perChannel)) return null;
  const out = b.output(x.shape);
  const rows = size(x.shape) / channels;
  b.run(
    'BatchNorm',
    [
      b.bufferOf(x),
      b.bufferOf(mean),
      b.bufferOf(variance),
      offset ? b.bufferOf(offset) : 0,
      scale ? b.bufferOf(scale) : 0,
      out.buffer,
    ],
    [
      rows,
      channels,
      ...params.map((t) => (t ? size(t.shape) : 1)),
      Number(args.attrs?.varianceEpsilon ?? 0.001),
      activation,
    ],
  );
  return out.info;
};

const batchNormInference: CudaKernel = (args, b, ctx) => {
  const { x, mean, variance, scale, offset } = args.inputs;
  const channels = x?.shape[x.shape.length - 1];
  const perChannel = [mean, variance, scale, offset].every((t) => t && size(t.shape) === channels);
  return perChannel ? batchNorm(args, b, ctx) : null;
};

const batchNormTraining: CudaKernel = (args, b, ctx) => {
  const { x, scale, offset } = args.inputs;
  const activation = batchNormActivation(ctx, args.attrs);
  if (!x || !scale || !offset || x.shape.length === 0 || activation === null) return null;
  const channels = x.shape[x.shape.length - 1];
  if (!isFloat(x, scale, offset) || channels === 0) return null;
  if (size(scale.shape) !== channels || size(offset.shape) !== channels) return null;
  const y = b.output(x.shape);
  const mean = b.output([channels]);
  const variance = b.output([channels]);
  b.run(
    'BatchNormTraining',
    [b.bufferOf(x), b.bufferOf(offset), b.bufferOf(scale), y.buffer, mean.buffer, variance.buffer],
    [size(x.shape) / channels, channels, Number(args.attrs?.varianceEpsilon ?? 0.001), activation],
  );
  return [y.info, mean.info, variance.info];
};

/** The inputs and outputs as the CPU kernel's batchNormGradKernel (batch-norm.ts). */
const batchNormGrad: CudaKernel = (args, b, ctx) => {
  const { x, dy, mean, variance, scale, offset, dMeanIn, dVarianceIn } = args.inputs;
  const activation = batchNormActivation(ctx, args.attrs);
  if (!x || !dy || !mean || !variance || activation === null || x.shape.length === 0) return null;
  const optional = [scale, offset, dMeanIn, dVarianceIn];
  if (!isFloat(x, dy, mean, variance) || !optional.every((t) => !t || t.dtype === 'float32')) {
    return null;
  }
  const channels = mean.shape[0];
  if (!sameShape(x.shape, dy.shape) || x.shape[x.shape.length - 1] !== channels) return null;
  const dx = b.output(x.shape);
  const perChannel = [0, 1, 2, 3].map(() => b.output([channels]));
  b.run(
    'BatchNormGrad',
    [
      b.bufferOf(x),
      b.bufferOf(dy),
      b.bufferOf(mean),
      b.bufferOf(variance),
      ...optional.map((t) => (t ? b.bufferOf(t) : 0)),
      dx.buffer,
      ...perChannel.map((o) => o.buffer),
    ],
    [
      size(x.shape) / channels,
      channels,
      Number(args.attrs?.varianceEpsilon ?? 0.001),
      activation,
      args.attrs?.batchStatistics ? 1 : 0,
    ],
  );
  return [dx.info, ...perChannel.map((o) => o.info)];
};

const adamStep: CudaKernel = (args, b) => {
  const { w, g, m, v } = args.inputs;
  if (!w || !g || !m || !v || !isFloat(w, g, m, v)) return null;
  const n = size(w.shape);
  if (![g, m, v].every((t) => size(t.shape) === n)) return null;
  const outs = [0, 1, 2].map(() => b.output(w.shape));
  b.run(
    'AdamStep',
    [b.bufferOf(w), b.bufferOf(g), b.bufferOf(m), b.bufferOf(v), ...outs.map((o) => o.buffer)],
    [n, ...adamStepParams(args.attrs)],
  );
  return outs.map((o) => o.info);
};

const dyWhere: CudaKernel = (args, b, ctx) => {
  const { x, dy } = args.inputs;
  if (!x || !dy || !isFloat(x, dy) || !sameShape(x.shape, dy.shape)) return null;
  return binaryWith(
    b,
    ctx,
    `DyWhere${String(args.attrs?.cmp)}`,
    x,
    dy,
    x.shape,
    Number(args.attrs?.param),
  );
};

/** x (reshaped to keep the reduced axes) broadcast to `shape` and divided by `divisor`. */
const broadcastDiv: CudaKernel = (args, b, ctx) => {
  const { x } = args.inputs;
  const shape = args.attrs?.shape as number[];
  if (!x || !isFloat(x)) return null;
  const code = opCode(ctx.ops.binary, 'RealDiv');
  const va = broadcastView(x.shape, shape);
  if (code === undefined || !va) return null;
  const divisor = b.output([]);
  b.run('Fill', [divisor.buffer], [valueBits(Number(args.attrs?.divisor), 'float32'), 1]);
  const out = b.output(shape);
  const n = size(shape);
  if (n > 0) {
    b.run('Binary', [b.bufferOf(x), divisor.buffer, out.buffer], [code, 0, n, ...va, 1, 0, 0]);
  }
  b.disposeData(divisor.info.dataId);
  return out.info;
};

/** The device kernels by tfjs kernel name (tfjs's kernels). */
export const CUDA_KERNELS: Readonly<Record<string, CudaKernel>> = {
  Identity: identity,
  Reshape: reshape,
  ExpandDims: expandDims,
  Pack: pack,
  Unpack: unpack,
  AddN: addN,
  Cast: cast,
  Slice: slice,
  Transpose: transpose,
  Tile: tile,
  Concat: concat,
  SplitV: splitV,
  PadV2: padV2,
  GatherV2: gather,
  OneHot: oneHot,
  Fill: fill,
  ZerosLike: like(0),
  OnesLike: like(1),
  Add: binary('Add'),
  Sub: binary('Sub'),
  Multiply: binary('Multiply'),
  RealDiv: binary('RealDiv'),
  SquaredDifference: binary('SquaredDifference'),
  Maximum: binary('Maximum'),
  Minimum: binary('Minimum'),
  Sigmoid: unary('Sigmoid'),
  Square: unary('Square'),
  Rsqrt: unary('Rsqrt'),
  Sqrt: unary('Sqrt'),
  Neg: unary('Neg'),
  Relu: unary('Relu'),
  Relu6: unary('Relu6'),
  Exp: unary('Exp'),
  Abs: unary('Abs'),
  Reciprocal: unary('Reciprocal'),
  Step: unary('Step'),
  Log: unary('Log'),
  Log1p: unary('Log1p'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  Round: unary('Round'),
  Sign: unary('Sign'),
  Tanh: unary('Tanh'),
  Expm1: unary('Expm1'),
  Softplus: unary('Softplus'),
  LeakyRelu: unary('LeakyRelu'),
  Elu: unary('Elu'),
  Sum: sum(false),
  Mean: sum(true),
  Conv2D: conv2dWith(false),
  FusedConv2D: conv2dWith(true),
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  DepthwiseConv2dNative: depthwise,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  MaxPool: pool(true),
  AvgPool: pool(false),
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
  BatchMatMul: matMulWith(false),
  _FusedMatMul: matMulWith(true),
  FusedBatchNorm: batchNorm,
};

/** The device kernels of the kernels @asc/native adds to tfjs, by role. */
/**
 * The added kernels asc-cuda computes on the device: all but the inverted residual block
 * (an inference kernel for CPU caches; the zoo's layer composes it from the convolutions
 * on other backends).
 */
export const CUDA_ADDED_KERNELS: Readonly<
  Record<Exclude<keyof NativeKernelNames, 'invertedResidual'>, CudaKernel>
> = {
  swish: unary('Swish'),
  swishGrad: sameShapeBinary('SwishGrad'),
  sigmoidGrad: sameShapeBinary('SigmoidGrad'),
  squareGrad: sameShapeBinary('SquareGrad'),
  reluGrad: sameShapeBinary('ReluGrad'),
  relu6Grad: sameShapeBinary('Relu6Grad'),
  dyWhere,
  broadcastDiv,
  batchNormTraining,
  batchNormInference,
  batchNormGrad,
  adamStep,
};
