import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels, unregisterNativeKernels } from '../lib';
import {
  CONV_CASES,
  DEPTHWISE_CASES,
  describeCase,
  MATMUL_CASES,
  POOL_CASES,
} from './kernels-cases';
import { expectSameBothWays, randTensor, rng } from './kernels-helpers';

// Every replaced kernel against tfjs's own JS kernel on randomised shapes. The JS kernels
// are slow, so each case is kept under a few million multiply-adds.

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

describe('Conv2D, FusedConv2D and their gradients', () => {
  test.each(CONV_CASES.map((c) => [describeCase(c), c] as const))('%s', (_label, c) => {
    const r = rng(c.batch * 1000 + c.height * 31 + c.k);
    const x = randTensor(r, [c.batch, c.height, c.width, c.inC]);
    const w = randTensor(r, [c.k, c.k, c.inC, c.outC]);
    const bias = randTensor(r, [c.outC]);
    expectSameBothWays(
      `conv2d ${describeCase(c)}`,
      () => {
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad);
        const fused = tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: c.stride,
          pad: c.pad,
          bias,
          activation: 'relu',
        });
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)
            .square()
            .sum(),
        )([x, w]);
        return [y, fused, dx, dw];
      },
      { Conv2D: 2, FusedConv2D: 1, Conv2DBackpropInput: 1, Conv2DBackpropFilter: 1 },
    );
  });
});

describe('DepthwiseConv2dNative and its gradients', () => {
  test.each(DEPTHWISE_CASES.map((c) => [describeCase(c), c] as const))('%s', (_label, c) => {
    const r = rng(c.batch * 7 + c.width * 13 + c.k);
    const x = randTensor(r, [c.batch, c.height, c.width, c.inC]);
    const w = randTensor(r, [c.k, c.k, c.inC, 1]);
    expectSameBothWays(
      `depthwise ${describeCase(c)}`,
      () => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).square().sum())([x, w]);
        return [f(x, w), dx, dw];
      },
      {
        DepthwiseConv2dNative: 2,
        DepthwiseConv2dNativeBackpropInput: 1,
        DepthwiseConv2dNativeBackpropFilter: 1,
      },
    );
  });
});

describe('MaxPool, AvgPool and their gradients', () => {
  test.each(POOL_CASES.map((c) => [describeCase(c), c] as const))('%s', (_label, c) => {
    const x = randTensor(rng(c.height * 100 + c.inC), [c.batch, c.height, c.width, c.inC]);
    expectSameBothWays(
      `pool ${describeCase(c)}`,
      () => {
        const max = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.k, c.stride, c.pad);
        const avg = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, c.k, c.stride, c.pad);
        const dMax = tf.grad((a: tf.Tensor) => max(a).square().sum())(x);
        const dAvg = tf.grad((a: tf.Tensor) => avg(a).square().sum())(x);
        return [max(x), avg(x), dMax, dAvg];
      },
      { MaxPool: 2, AvgPool: 2, MaxPoolGrad: 1, AvgPoolGrad: 1 },
    );
  });
});

describe('BatchMatMul and _FusedMatMul', () => {
  test.each(MATMUL_CASES.map((c) => [JSON.stringify(c), c] as const))('%s', (_label, c) => {
    const rr = rng(c.m * 1000 + c.n);
    const a = randTensor(rr, c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k]);
    const b = randTensor(rr, c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n]);
    const b2 = randTensor(rr, c.tb ? [c.n, c.k] : [c.k, c.n]);
    const a2 = randTensor(rr, c.ta ? [c.k, c.m] : [c.m, c.k]);
    const bias = randTensor(rr, [c.n]);
    expectSameBothWays(
      `matMul ${JSON.stringify(c)}`,
      () => {
        const y = tf.matMul(a, b, c.ta, c.tb);
        const fused = tf.fused.matMul({
          a: a2,
          b: b2,
          transposeA: c.ta,
          transposeB: c.tb,
          bias,
          activation: 'sigmoid',
        });
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.matMul(p, q, c.ta, c.tb).square().sum(),
        )([a, b]);
        return [y, fused, da, db];
      },
      { BatchMatMul: 4, _FusedMatMul: 1 },
    );
  });
});

describe('elementwise and reduction kernels', () => {
  const r = rng(9);
  const x = randTensor(r, [3, 5, 7, 11]);
  const positive = tf.tidy(() => randTensor(r, [3, 5, 7, 11]).abs().add(0.1));
  test.each([
    [[3, 5, 7, 11]],
    [[11]],
    [[1, 1, 1, 11]],
    [[3, 1, 1, 11]],
    [[3, 5, 7, 1]],
    [[5, 1, 1]],
    [[]],
  ])('Add, Sub, Multiply, RealDiv, SquaredDifference, Maximum, Minimum with %j', (shape) => {
    const y = tf.tidy(() => randTensor(r, shape).add(tf.scalar(0.05 * Math.sign(r() - 0.5) + 2)));
    expectSameBothWays(
      `binary ${JSON.stringify(shape)}`,
      () => [
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
      {
        Add: 1,
        Sub: 2,
        Multiply: 1,
        RealDiv: 2,
        SquaredDifference: 1,
        Maximum: 1,
        Minimum: 1,
      },
    );
  });

  test('unary kernels', () => {
    const big = tf.tidy(() => x.mul(20));
    expectSameBothWays(
      'unary',
      () => [
        tf.sigmoid(big),
        tf.square(x),
        tf.rsqrt(positive),
        tf.sqrt(positive),
        tf.neg(x),
        tf.relu(x),
        tf.relu6(x.mul(8)),
        tf.exp(x.mul(5)),
        tf.abs(x),
        tf.reciprocal(positive),
        tf.step(x, 0.3),
      ],
      {
        Sigmoid: 1,
        Square: 1,
        Rsqrt: 1,
        Sqrt: 1,
        Neg: 1,
        Relu: 1,
        Relu6: 1,
        Multiply: 2,
        Exp: 1,
        Abs: 1,
        Reciprocal: 1,
        Step: 1,
      },
    );
  });

  test.each([[[0, 1, 2]], [[1, 2]], [[3]], [[0]], [[1]], [[0, 1, 2, 3]], [[-1]]])(
    'Sum and Mean over axes %j, with and without keepDims',
    (axes) => {
      expectSameBothWays(
        `reduce ${JSON.stringify(axes)}`,
        () => [tf.sum(x, axes), tf.mean(x, axes), tf.sum(x, axes, true), tf.mean(x, axes, true)],
        { Sum: 2, Mean: 2 },
      );
    },
  );

  test('Sum over non-contiguous axes falls back to the JS kernel', () => {
    expectSameBothWays('reduce [0, 2]', () => [tf.sum(x, [0, 2]), tf.mean(x, [1, 3], true)], {
      Sum: { native: 0, fallback: 1 },
      Mean: { native: 0, fallback: 1 },
    });
  });

  test('Tile', () => {
    const c = tf.tidy(() => randTensor(r, [1, 1, 1, 11]));
    const m = tf.tidy(() => randTensor(r, [2, 3]));
    expectSameBothWays(
      'tile',
      () => [tf.tile(c, [3, 5, 7, 1]), tf.tile(m, [2, 3]), tf.tile(x, [1, 2, 1, 2])],
      { Tile: 3 },
    );
  });

  test('GatherV2 along every axis, with repeated and 2-D indices', () => {
    const idx = (values: number[], shape?: number[]) => tf.tensor(values, shape, 'int32');
    expectSameBothWays(
      'gather',
      () => [
        tf.gather(x, idx([2, 0, 2, 1]), 0),
        tf.gather(x, idx([2, 0, 1, 1, 0], [5]), 1),
        tf.gather(x, idx([0, 4, 2, 4], [2, 2]), 2),
        tf.gather(x, idx([10, 0, 5]), -1),
        tf.gather(tf.reshape(x, [15, 77]), idx([14, 3]), 0),
      ],
      { GatherV2: 5 },
    );
  });

  test('GatherV2 with an index out of range fails as tfjs does', () => {
    registerNativeKernels(tf);
    try {
      expect(() => tf.gather(x, tf.tensor1d([0, x.shape[0]], 'int32'), 0)).toThrow(
        /GatherV2: the index value 3 is not in \[0, 2\]/,
      );
    } finally {
      unregisterNativeKernels(tf);
    }
  });

  test('FusedBatchNorm with per-channel and scalar parameters', () => {
    const mean = tf.tidy(() => randTensor(r, [11]));
    const variance = tf.tidy(() => randTensor(r, [11]).abs());
    const offset = tf.tidy(() => randTensor(r, [11]));
    const scale = tf.tidy(() => randTensor(r, [11]));
    expectSameBothWays(
      'batchNorm',
      () => [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, mean, variance),
        tf.batchNorm(x, tf.scalar(0.1), tf.scalar(2), undefined, tf.scalar(-1.5), 1e-5),
        // Full-shape statistics are not per channel: the JS kernel answers.
        tf.batchNorm(x, x.mul(0.5), positive),
      ],
      { FusedBatchNorm: { native: 3, fallback: 1 } },
    );
  });
});
