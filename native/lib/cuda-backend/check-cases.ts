import type * as tfjs from '@tensorflow/tfjs';

// The randomised shapes of the kernel tests, shared by the CPU kernels' tests (against
// tfjs's JS kernels, native/test) and the CUDA backend's checks (against the CPU kernels,
// checks.ts: jest runs them on the emulated device, scripts/gpu-check.sh on the GPU).

/** A seeded uniform generator (mulberry32), so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** A tensor of uniform values in [-1, 1). */
export function randTensor(tf: typeof tfjs, r: () => number, shape: number[]): tfjs.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; ++i) v[i] = r() * 2 - 1;
  return tf.tensor(v, shape);
}

/**
 * Largest |a - b| / max(|b|, 1e-2 * scale) over all values, with `scale` the largest |b|:
 * relative error, except for values two orders of magnitude below the largest, whose
 * float32 error is set by the size of the terms they were summed from, not by their own.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < expected.length; ++i) scale = Math.max(scale, Math.abs(expected[i]));
  const floor = Math.max(scale * 1e-2, 1e-6);
  let worst = 0;
  for (let i = 0; i < expected.length; ++i) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), floor));
  }
  return worst;
}

export type Pad = 'same' | 'valid';

export interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inC: number;
  outC: number;
  k: number;
  stride: 1 | 2;
  pad: Pad;
}

// The zoo's combinations first (stem 3x3/2 same, or valid on its padding=1 input as the
// PyTorch init builds it; 1x1 pointwise, depthwise 3x3 and 5x5), then random ones with
// kernel sizes 1..11 and odd sizes.
export const ZOO_CASES: ConvCase[] = [
  { batch: 2, height: 16, width: 16, inC: 2, outC: 8, k: 3, stride: 2, pad: 'same' },
  { batch: 2, height: 18, width: 18, inC: 2, outC: 8, k: 3, stride: 2, pad: 'valid' },
  { batch: 2, height: 9, width: 9, inC: 12, outC: 36, k: 1, stride: 1, pad: 'same' },
  { batch: 3, height: 8, width: 8, inC: 24, outC: 8, k: 1, stride: 1, pad: 'valid' },
  { batch: 2, height: 10, width: 10, inC: 16, outC: 16, k: 3, stride: 1, pad: 'same' },
  { batch: 2, height: 9, width: 9, inC: 16, outC: 16, k: 5, stride: 1, pad: 'same' },
];

export function randomCases(seed: number, count: number, maxWork: number): ConvCase[] {
  const r = rng(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const c: ConvCase = {
      batch: randInt(r, 1, 4),
      height: randInt(r, 1, 33),
      width: randInt(r, 1, 33),
      inC: randInt(r, 1, 70),
      outC: randInt(r, 1, 70),
      k: randInt(r, 1, 11),
      stride: r() < 0.5 ? 1 : 2,
      pad: r() < 0.5 ? 'same' : 'valid',
    };
    if (c.pad === 'valid' && (c.k > c.height || c.k > c.width)) continue;
    const work = c.batch * c.height * c.width * c.inC * c.outC * c.k * c.k;
    if (work > maxWork) continue;
    cases.push(c);
  }
  return cases;
}

export function describeCase(c: ConvCase): string {
  return `${c.batch}x${c.height}x${c.width}x${c.inC}->${c.outC} k${c.k} s${c.stride} ${c.pad}`;
}

/** Dense convolutions: the zoo's, then 14 random ones. */
export const CONV_CASES: ConvCase[] = [...ZOO_CASES, ...randomCases(7, 14, 3e6)];

/** Depthwise convolutions (channel multiplier 1): the zoo's, then 14 random ones. */
export const DEPTHWISE_CASES: ConvCase[] = [...ZOO_CASES, ...randomCases(11, 14, 2e7)].map((c) => ({
  ...c,
  outC: c.inC,
}));

const poolRng = rng(3);
/** Pooling cases: the zoo's 2x2/2, odd sizes with 'same' padding, then random ones. */
export const POOL_CASES: ConvCase[] = [
  { batch: 2, height: 16, width: 16, inC: 8, outC: 8, k: 2, stride: 2, pad: 'valid' },
  { batch: 1, height: 7, width: 9, inC: 5, outC: 5, k: 2, stride: 2, pad: 'same' },
  { batch: 2, height: 3, width: 3, inC: 70, outC: 70, k: 2, stride: 2, pad: 'valid' },
];
while (POOL_CASES.length < 12) {
  const c: ConvCase = {
    batch: randInt(poolRng, 1, 4),
    height: randInt(poolRng, 1, 33),
    width: randInt(poolRng, 1, 33),
    inC: randInt(poolRng, 1, 70),
    outC: 0,
    k: randInt(poolRng, 1, 5),
    stride: poolRng() < 0.5 ? 1 : 2,
    pad: poolRng() < 0.5 ? 'same' : 'valid',
  };
  if (c.pad === 'valid' && (c.k > c.height || c.k > c.width)) continue;
  POOL_CASES.push({ ...c, outC: c.inC });
}

export interface MatMulCase {
  batch: number;
  m: number;
  k: number;
  n: number;
  ta: boolean;
  tb: boolean;
}

const matMulRng = rng(5);
/** Products: one tall-skinny case, then random shapes and transposes. */
export const MATMUL_CASES: MatMulCase[] = [{ batch: 1, m: 64, k: 64, n: 3, ta: false, tb: false }];
for (let i = 0; i < 10; ++i) {
  MATMUL_CASES.push({
    batch: randInt(matMulRng, 1, 4),
    m: randInt(matMulRng, 1, 70),
    k: randInt(matMulRng, 1, 70),
    n: randInt(matMulRng, 1, 70),
    ta: matMulRng() < 0.5,
    tb: matMulRng() < 0.5,
  });
}

type Tf = typeof tfjs;
type Tensor = tfjs.Tensor;

/**
 * The computation of one randomised case: its inputs (dispose them after), the outputs
 * to compare, and how often each kernel must run. The CPU kernel tests compare them with
 * tfjs's JS kernels, the CUDA checks with the CPU kernels.
 */
export interface KernelWorkload {
  label: string;
  inputs: Tensor[];
  run: () => Tensor[];
  dispatch: Record<string, number>;
}

/** A convolution, its fused form with bias and relu, and both gradients. */
export function convWorkload(tf: Tf, c: ConvCase): KernelWorkload {
  const r = rng(c.batch * 1000 + c.height * 31 + c.k);
  const x = randTensor(tf, r, [c.batch, c.height, c.width, c.inC]) as tfjs.Tensor4D;
  const w = randTensor(tf, r, [c.k, c.k, c.inC, c.outC]) as tfjs.Tensor4D;
  const bias = randTensor(tf, r, [c.outC]);
  return {
    label: `conv2d ${describeCase(c)}`,
    inputs: [x, w, bias],
    run: () => [
      tf.conv2d(x, w, c.stride, c.pad),
      tf.fused.conv2d({ x, filter: w, strides: c.stride, pad: c.pad, bias, activation: 'relu' }),
      ...tf.grads((a: Tensor, b: Tensor) =>
        tf
          .conv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, c.stride, c.pad)
          .square()
          .sum(),
      )([x, w]),
    ],
    dispatch: { Conv2D: 2, FusedConv2D: 1, Conv2DBackpropInput: 1, Conv2DBackpropFilter: 1 },
  };
}

/** A depthwise convolution and both gradients. */
export function depthwiseWorkload(tf: Tf, c: ConvCase): KernelWorkload {
  const r = rng(c.batch * 7 + c.width * 13 + c.k);
  const x = randTensor(tf, r, [c.batch, c.height, c.width, c.inC]);
  const w = randTensor(tf, r, [c.k, c.k, c.inC, 1]);
  const f = (a: Tensor, b: Tensor) =>
    tf.depthwiseConv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, c.stride, c.pad);
  return {
    label: `depthwise ${describeCase(c)}`,
    inputs: [x, w],
    run: () => [f(x, w), ...tf.grads((a: Tensor, b: Tensor) => f(a, b).square().sum())([x, w])],
    dispatch: {
      DepthwiseConv2dNative: 2,
      DepthwiseConv2dNativeBackpropInput: 1,
      DepthwiseConv2dNativeBackpropFilter: 1,
    },
  };
}

/** Max and average pooling and their gradients. */
export function poolWorkload(tf: Tf, c: ConvCase): KernelWorkload {
  const x = randTensor(tf, rng(c.height * 100 + c.inC), [c.batch, c.height, c.width, c.inC]);
  const max = (a: Tensor) => tf.maxPool(a as tfjs.Tensor4D, c.k, c.stride, c.pad);
  const avg = (a: Tensor) => tf.avgPool(a as tfjs.Tensor4D, c.k, c.stride, c.pad);
  return {
    label: `pool ${describeCase(c)}`,
    inputs: [x],
    run: () => [
      max(x),
      avg(x),
      tf.grad((a: Tensor) => max(a).square().sum())(x),
      tf.grad((a: Tensor) => avg(a).square().sum())(x),
    ],
    dispatch: { MaxPool: 2, AvgPool: 2, MaxPoolGrad: 1, AvgPoolGrad: 1 },
  };
}

/** Batched products with transposes, a fused product with bias and sigmoid, gradients. */
export function matMulWorkload(tf: Tf, c: MatMulCase): KernelWorkload {
  const rr = rng(c.m * 1000 + c.n);
  const a = randTensor(tf, rr, c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k]);
  const b = randTensor(tf, rr, c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n]);
  const b2 = randTensor(tf, rr, c.tb ? [c.n, c.k] : [c.k, c.n]);
  const a2 = randTensor(tf, rr, c.ta ? [c.k, c.m] : [c.m, c.k]);
  const bias = randTensor(tf, rr, [c.n]);
  return {
    label: `matMul ${JSON.stringify(c)}`,
    inputs: [a, b, a2, b2, bias],
    run: () => [
      tf.matMul(a, b, c.ta, c.tb),
      tf.fused.matMul({
        a: a2,
        b: b2,
        transposeA: c.ta,
        transposeB: c.tb,
        bias,
        activation: 'sigmoid',
      }),
      ...tf.grads((p: Tensor, q: Tensor) => tf.matMul(p, q, c.ta, c.tb).square().sum())([a, b]),
    ],
    dispatch: { BatchMatMul: 4, _FusedMatMul: 1 },
  };
}

/**
 * The input of the elementwise cases: x of [3, 5, 7, 11] in [-1, 1), `positive` of that
 * shape in [0.1, 1.1), and the generator they came from, which the cases go on drawing
 * from. Dispose x and positive after.
 */
export function elementwiseInputs(tf: Tf): { r: () => number; x: Tensor; positive: Tensor } {
  const r = rng(9);
  const x = randTensor(tf, r, [3, 5, 7, 11]);
  const positive = tf.tidy(() => randTensor(tf, r, [3, 5, 7, 11]).abs().add(0.1));
  return { r, x, positive };
}

/** Shapes that broadcast against the elementwise input: whole, trailing, ones, a scalar. */
export const BROADCAST_SHAPES: readonly number[][] = [
  [3, 5, 7, 11],
  [11],
  [1, 1, 1, 11],
  [3, 1, 1, 11],
  [3, 5, 7, 1],
  [5, 1, 1],
  [],
];

/**
 * Every broadcasting binary kernel, both ways round, between x and a partner of `shape`
 * drawn from `r` and kept away from 0 (it divides).
 */
export function binaryWorkload(
  tf: Tf,
  r: () => number,
  x: Tensor,
  shape: readonly number[],
): KernelWorkload {
  const y = tf.tidy(() =>
    randTensor(tf, r, [...shape]).add(tf.scalar(0.05 * Math.sign(r() - 0.5) + 2)),
  );
  return {
    label: `binary ${JSON.stringify(shape)}`,
    inputs: [y],
    run: () => [
      tf.add(x, y),
      tf.sub(x, y),
      tf.sub(y, x),
      tf.mul(x, y),
      tf.div(x, y),
      tf.div(y, x),
      tf.squaredDifference(x, y),
      tf.maximum(x, y),
      tf.minimum(y, x),
    ],
    dispatch: {
      Add: 1,
      Sub: 2,
      Multiply: 1,
      RealDiv: 2,
      SquaredDifference: 1,
      Maximum: 1,
      Minimum: 1,
    },
  };
}

/** Reductions over contiguous axes of the elementwise input (rank 4). */
export const REDUCE_AXES: readonly number[][] = [
  [0, 1, 2],
  [1, 2],
  [3],
  [0],
  [1],
  [0, 1, 2, 3],
  [-1],
];

/** Sum and Mean of x over `axes`, with and without keepDims. */
export function reduceWorkload(tf: Tf, x: Tensor, axes: readonly number[]): KernelWorkload {
  const a = [...axes];
  return {
    label: `reduce ${JSON.stringify(axes)}`,
    inputs: [],
    run: () => [tf.sum(x, a), tf.mean(x, a), tf.sum(x, a, true), tf.mean(x, a, true)],
    dispatch: { Sum: 2, Mean: 2 },
  };
}

/** A constant padding (tfjs's PadV2): [before, after] per dimension of `shape`. */
export interface PadCase {
  shape: number[];
  paddings: [number, number][];
  value: number;
}

// The stem's padding=1 (NHWC).
const STEM_PADDINGS: [number, number][] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/**
 * The zoo's PyTorch-init stem (NHWC, one row and column on each side), the same over
 * several parallel chunks, no padding at all, then random ranks 1 to 6 (the most tfjs's
 * WebGL backend and the CUDA kernel take) with each dimension padded before, after, both
 * (unequally) or not at all, by 0 or by another constant.
 */
export const PAD_CASES: PadCase[] = [
  { shape: [2, 16, 16, 2], paddings: STEM_PADDINGS, value: 0 },
  { shape: [8, 64, 64, 2], paddings: STEM_PADDINGS, value: 0 },
  { shape: [3, 5, 7], paddings: [3, 5, 7].map(() => [0, 0]), value: 1.5 },
];
const padRng = rng(17);
while (PAD_CASES.length < 15) {
  const rank = 1 + (PAD_CASES.length % 6);
  const side = () => (padRng() < 0.4 ? 0 : randInt(padRng, 1, 3));
  const shape = Array.from({ length: rank }, () => randInt(padRng, 1, rank <= 3 ? 12 : 5));
  PAD_CASES.push({
    shape,
    paddings: shape.map(() => [side(), side()]),
    value: padRng() < 0.3 ? 0 : Math.round(padRng() * 400 - 200) / 100,
  });
}

export function describePad(c: PadCase): string {
  return `${JSON.stringify(c.shape)} by ${JSON.stringify(c.paddings)} with ${c.value}`;
}

/** One constant padding of a random input. */
export function padWorkload(tf: Tf, c: PadCase): KernelWorkload {
  const x = randTensor(tf, rng(c.shape.length * 100 + c.shape[0]), c.shape);
  return {
    label: `pad ${describePad(c)}`,
    inputs: [x],
    run: () => [tf.pad(x, c.paddings, c.value)],
    dispatch: { PadV2: 1 },
  };
}
