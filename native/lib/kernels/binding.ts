import { AddonUnavailableError, loadAddon } from '../addon';

/** Geometry of a convolution or pooling, in the order the addon reads it. */
export type ConvGeometryArray = [
  batch: number,
  inHeight: number,
  inWidth: number,
  inChannels: number,
  outHeight: number,
  outWidth: number,
  outChannels: number,
  filterHeight: number,
  filterWidth: number,
  strideHeight: number,
  strideWidth: number,
  padTop: number,
  padLeft: number,
];

/** Activation codes of the addon (kernels/geometry.h). */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  sigmoid: 3,
  leakyrelu: 4,
  swish: 5,
};

export const BINARY_OPS = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  SquaredDifference: 4,
  Maximum: 5,
  Minimum: 6,
  SigmoidGrad: 7,
  SquareGrad: 8,
  ReluGrad: 9,
  Relu6Grad: 10,
  SwishGrad: 11,
  DyWhereLE: 12,
  DyWhereLT: 13,
  DyWhereGE: 14,
  DyWhereGT: 15,
} as const;

export const UNARY_OPS = {
  Sigmoid: 0,
  Square: 1,
  Rsqrt: 2,
  Sqrt: 3,
  Neg: 4,
  Relu: 5,
  Exp: 6,
  Abs: 7,
  Reciprocal: 8,
  Step: 9,
  Relu6: 10,
  Swish: 11,
} as const;

type F32 = Float32Array;

/** The addon's `kernels` object (native/src/binding/kernels.cc). */
export interface KernelBinding {
  conv2d(
    x: F32,
    filter: F32,
    bias: F32 | null,
    out: F32,
    g: ConvGeometryArray,
    activation: number,
    leakyAlpha: number,
  ): void;
  conv2dBackpropInput(dy: F32, filter: F32, dx: F32, g: ConvGeometryArray): void;
  conv2dBackpropFilter(x: F32, dy: F32, dFilter: F32, g: ConvGeometryArray): void;
  depthwise(x: F32, filter: F32, out: F32, g: ConvGeometryArray): void;
  depthwiseBackpropInput(dy: F32, filter: F32, dx: F32, g: ConvGeometryArray): void;
  depthwiseBackpropFilter(x: F32, dy: F32, dFilter: F32, g: ConvGeometryArray): void;
  /** kind 0 = max, 1 = average */
  pool(kind: 0 | 1, x: F32, out: F32, g: ConvGeometryArray): void;
  maxPoolGrad(dy: F32, x: F32, dx: F32, g: ConvGeometryArray): void;
  avgPoolGrad(dy: F32, dx: F32, g: ConvGeometryArray): void;
  matMul(
    a: F32,
    b: F32,
    bias: F32 | null,
    out: F32,
    shape: [number, number, number, number, number, number, number],
    activation: number,
    leakyAlpha: number,
  ): void;
  binary(
    op: number,
    a: F32,
    aShape: number[],
    b: F32,
    bShape: number[],
    out: F32,
    outShape: number[],
    param?: number,
  ): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  sumReduce(x: F32, outer: number, reduce: number, inner: number, scale: number, out: F32): void;
  tile(x: F32, inShape: number[], reps: number[], out: F32): void;
  adamStep(
    w: F32,
    g: F32,
    m: F32,
    v: F32,
    wOut: F32,
    mOut: F32,
    vOut: F32,
    beta1: number,
    beta2: number,
    epsilon: number,
    weightDecay: number,
    stepSize: number,
    sqrtC2: number,
  ): void;
  batchNorm(
    x: F32,
    channels: number,
    mean: F32,
    variance: F32,
    offset: F32 | null,
    scale: F32 | null,
    epsilon: number,
    out: F32,
    activation: number,
  ): void;
  batchNormTraining(
    x: F32,
    channels: number,
    offset: F32 | null,
    scale: F32 | null,
    epsilon: number,
    activation: number,
    out: F32,
    mean: F32,
    variance: F32,
  ): void;
  batchNormGrad(
    x: F32,
    dy: F32,
    channels: number,
    mean: F32,
    variance: F32,
    scale: F32 | null,
    offset: F32 | null,
    epsilon: number,
    activation: number,
    batchStatistics: boolean,
    dMeanIn: F32 | null,
    dVarianceIn: F32 | null,
    dx: F32,
    dMean: F32,
    dVariance: F32,
    dScale: F32,
    dOffset: F32,
  ): void;
  setThreads(n: number): void;
  threads(): number;
  blasCore(): string;
}

/**
 * The kernel functions of the addon; throws AddonUnavailableError when it is not built
 * or could not load OpenBLAS.
 */
export function kernelBinding(): KernelBinding {
  const addon = loadAddon();
  if (!addon.kernels) {
    throw new AddonUnavailableError(
      `the native kernels are unavailable: ${addon.kernelsUnavailable ?? 'not compiled in'}`,
      [],
    );
  }
  return addon.kernels as KernelBinding;
}
