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

/**
 * The addon's enums as {name: code} (src/kernels/elementwise.h and activation.h define
 * them): `binary` and `unary` ops, named as tfjs's kernels, the `activation`s the
 * kernels fuse, named as tfjs's `activation` attrs, and the subset of those that batch
 * normalisation fuses (src/kernels/batch_norm.h).
 */
export interface KernelOps {
  binary: Readonly<Record<string, number>>;
  unary: Readonly<Record<string, number>>;
  activation: Readonly<Record<string, number>>;
  batchNormActivation: Readonly<Record<string, number>>;
}

/**
 * The names of the tfjs kernels the addon adds (tfjs has none of their kind), by role,
 * as src/binding/kernels.cc defines them. A layer or optimiser dispatches one with
 * `tf.engine().runKernel(name, ...)` when `tf.getKernel(name, tf.getBackend())` exists
 * (registerNativeKernels registers them on 'cpu'), and uses tfjs ops otherwise.
 */
export interface NativeKernelNames {
  /** swish, x * sigmoid(x): input `x`. */
  swish: string;
  /**
   * Training-mode batch normalisation with its activation: inputs `x`, `scale`, `offset`
   * (per channel); attrs `varianceEpsilon` and `activation` ('linear', 'relu', 'relu6'
   * or 'swish'); outputs [y, batch mean, batch variance (biased)].
   */
  batchNormTraining: string;
  /** The same with given statistics: inputs `x`, `mean`, `variance`, `scale`, `offset`. */
  batchNormInference: string;
  /** One Adam step with L2 weight decay (adam.ts). */
  adamStep: string;
  /**
   * The inverted residual block of an inference model in one pass (inverted-residual.ts):
   * inputs `x`, `expandFilter` [1, 1, in, expanded] (optional: without it the depthwise
   * convolution reads x, expanded = in), `depthwiseFilter` [k, k, expanded, 1],
   * `projectFilter` [1, 1, expanded, out] and their optional biases `expandBias`,
   * `depthwiseBias`, `projectBias`; attrs `strides` and `pad` (the depthwise
   * convolution's), `expandActivation`, `depthwiseActivation`, `projectActivation`
   * ('linear', 'relu', 'relu6', 'sigmoid', 'leakyrelu', 'swish'), `leakyreluAlpha`,
   * `residual` (add x to the projection) and `averagePool` (pool the output over
   * averagePool x averagePool windows at that stride, 'valid'; 1, the default: none).
   * No gradient.
   */
  invertedResidual: string;
  // The kernels of the gradients (gradients.ts, batch-norm.ts).
  swishGrad: string;
  sigmoidGrad: string;
  squareGrad: string;
  reluGrad: string;
  relu6Grad: string;
  dyWhere: string;
  broadcastDiv: string;
  batchNormGrad: string;
}

/** The addon's code for `name` in one of its enums, or undefined when it has none. */
export function opCode(codes: Readonly<Record<string, number>>, name: string): number | undefined {
  return Object.hasOwn(codes, name) ? codes[name] : undefined;
}

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
  depthwise(
    x: F32,
    filter: F32,
    bias: F32 | null,
    out: F32,
    g: ConvGeometryArray,
    activation: number,
    leakyAlpha: number,
  ): void;
  depthwiseBackpropInput(dy: F32, filter: F32, dx: F32, g: ConvGeometryArray): void;
  /** `g` is the depthwise convolution's geometry (its channels: the expanded ones). */
  invertedResidual(
    x: F32,
    expandFilter: F32 | null,
    expandBias: F32 | null,
    depthwiseFilter: F32,
    depthwiseBias: F32 | null,
    projectFilter: F32,
    projectBias: F32 | null,
    out: F32,
    g: ConvGeometryArray,
    inChannels: number,
    outChannels: number,
    residual: boolean,
    expandActivation: number,
    depthwiseActivation: number,
    projectActivation: number,
    leakyAlpha: number,
    averagePool: number,
  ): void;
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
  /** out = x with before[d] / after[d] values of `value` around dimension d. */
  pad(x: F32, inShape: number[], before: number[], after: number[], value: number, out: F32): void;
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
  ops: KernelOps;
  names: NativeKernelNames;
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

/** The kernel functions of the addon, or why they are unavailable. */
export function tryKernelBinding(): KernelBinding | AddonUnavailableError {
  try {
    return kernelBinding();
  } catch (err) {
    if (err instanceof AddonUnavailableError) return err;
    throw err;
  }
}

/**
 * The names of the tfjs kernels the addon adds, or null without the addon (or without
 * OpenBLAS): then none of them can be registered, and callers use tfjs ops.
 */
export function nativeKernelNames(): NativeKernelNames | null {
  const native = tryKernelBinding();
  return native instanceof AddonUnavailableError ? null : native.names;
}

/** The tfjs name of one of the kernels the addon adds (the addon must be loaded). */
export function kernelName(role: keyof NativeKernelNames): string {
  return kernelBinding().names[role];
}
