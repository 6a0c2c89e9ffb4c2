import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels, unregisterNativeKernels } from '../lib';
import {
  binaryWorkload,
  BROADCAST_SHAPES,
  CONV_CASES,
  convWorkload,
  DEPTHWISE_CASES,
  depthwiseWorkload,
  describeCase,
  elementwiseInputs,
  MATMUL_CASES,
  matMulWorkload,
  PAD_CASES,
  padWorkload,
  describePad,
  POOL_CASES,
  poolWorkload,
  REDUCE_AXES,
  reduceWorkload,
  type KernelWorkload,
} from './kernels-cases';
import {
  bothWays,
  expectNativeDispatch,
  expectSameBothWays,
  maxRelativeError,
  withNativeKernels,
  randTensor,
  rng,
} from './kernels-helpers';

// Every replaced kernel against tfjs's own JS kernel on randomised shapes. The JS kernels
// are slow, so each case is kept under a few million multiply-adds.

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

// The randomised cases of kernels-cases.ts, each computed with the JS kernels and the
// native ones (the CUDA backend's checks compute the same workloads on the device).
function workloadTests<C>(
  title: string,
  cases: readonly C[],
  label: (c: C) => string,
  workload: (t: typeof tf, c: C) => KernelWorkload,
): void {
  describe(title, () => {
    test.each(cases.map((c) => [label(c), c] as const))('%s', (_label, c) =>
      expectWorkloadBothWays(workload(tf, c)),
    );
  });
}

function expectWorkloadBothWays(w: KernelWorkload): void {
  expectSameBothWays(w.label, w.run, w.dispatch);
  tf.dispose(w.inputs);
}

workloadTests('Conv2D, FusedConv2D and their gradients', CONV_CASES, describeCase, convWorkload);
workloadTests(
  'DepthwiseConv2dNative and its gradients',
  DEPTHWISE_CASES,
  describeCase,
  depthwiseWorkload,
);
// The folded batch norms of inference models (the zoo's foldBatchNorms) give depthwise
// convolutions a bias and an activation: relu and relu6 against tfjs's JS kernel, swish
// (which tfjs's fused ops lack) against the JS kernel's depthwise convolution and bias
// followed by x * sigmoid(x).
describe('FusedDepthwiseConv2D', () => {
  test.each(DEPTHWISE_CASES.slice(0, 6).map((c) => [describeCase(c), c] as const))(
    '%s',
    (label, c) => {
      const r = rng(c.batch * 5 + c.height + c.k);
      const x = randTensor(r, [c.batch, c.height, c.width, c.inC]) as tf.Tensor4D;
      const filter = randTensor(r, [c.k, c.k, c.inC, 1]) as tf.Tensor4D;
      const bias = randTensor(r, [c.inC]);
      const fused = (activation: string) =>
        tf.fused.depthwiseConv2d({
          x,
          filter,
          strides: c.stride,
          pad: c.pad,
          bias,
          activation: activation as 'relu',
        });
      expectSameBothWays(label, () => [fused('linear'), fused('relu'), fused('relu6')], {
        FusedDepthwiseConv2D: 3,
      });
      const { js } = bothWays(() => {
        const y = tf.add(tf.depthwiseConv2d(x, filter, c.stride, c.pad), bias);
        return tf.mul(y, tf.sigmoid(y));
      });
      withNativeKernels(() => {
        const swish = tf.tidy(() => fused('swish').dataSync() as Float32Array);
        expect(maxRelativeError(swish, js[0])).toBeLessThan(1e-4);
        expectNativeDispatch({ FusedDepthwiseConv2D: 1 });
      });
      tf.dispose([x, filter, bias]);
    },
  );
});

workloadTests('MaxPool, AvgPool and their gradients', POOL_CASES, describeCase, poolWorkload);
workloadTests(
  'BatchMatMul and _FusedMatMul',
  MATMUL_CASES,
  (c) => JSON.stringify(c),
  matMulWorkload,
);
workloadTests('PadV2', PAD_CASES, describePad, padWorkload);

describe('elementwise and reduction kernels', () => {
  const { r, x, positive } = elementwiseInputs(tf);
  test.each(BROADCAST_SHAPES.map((shape) => [shape]))(
    'Add, Sub, Multiply, RealDiv, SquaredDifference, Maximum, Minimum with %j',
    (shape) => expectWorkloadBothWays(binaryWorkload(tf, r, x, shape)),
  );

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

  test.each(REDUCE_AXES.map((axes) => [axes]))(
    'Sum and Mean over axes %j, with and without keepDims',
    (axes) => expectWorkloadBothWays(reduceWorkload(tf, x, axes)),
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

  test('PadV2 of an empty tensor; negative paddings and int32 go to the JS kernel', () => {
    expectSameBothWays(
      'pad',
      () => [
        tf.pad(
          tf.zeros([0, 3]),
          [
            [1, 2],
            [0, 1],
          ],
          4,
        ),
        tf.pad(x, [
          [0, 0],
          [-1, 1],
          [0, 0],
          [0, 0],
        ]),
        tf.pad(tf.tensor1d([1, 2, 3], 'int32'), [[2, 1]], 7).toFloat(),
      ],
      { PadV2: { native: 1, fallback: 2 } },
    );
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
