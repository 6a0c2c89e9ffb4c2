import * as tf from '@tensorflow/tfjs';
import { cudaRoundTrips, nativeKernelNames, resetCudaKernelDispatchCounts } from '../lib';
import { bothBackends, describeOnDevices, expectSameOnDevice } from './cuda-helpers';
import {
  CONV_CASES,
  DEPTHWISE_CASES,
  describeCase,
  MATMUL_CASES,
  POOL_CASES,
} from './kernels-cases';
import { maxRelativeError, randTensor, rng } from './kernels-helpers';

// Every asc-cuda device kernel against the CPU native kernels, on the randomised shapes
// of the CPU kernel tests (kernels-cases.ts), to 1e-4 relative, with the dispatch counts
// proving each ran on the device and nothing went through a host round trip. On the
// emulated device here; on the GPU in scripts/gpu-check.sh.

describeOnDevices('asc-cuda convolutions', () => {
  test.each(CONV_CASES.map((c) => [describeCase(c), c] as const))('Conv2D %s', async (_l, c) => {
    const r = rng(c.batch * 1000 + c.height * 31 + c.k);
    const x = randTensor(r, [c.batch, c.height, c.width, c.inC]);
    const w = randTensor(r, [c.k, c.k, c.inC, c.outC]);
    const bias = randTensor(r, [c.outC]);
    await expectSameOnDevice(
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

  test.each(DEPTHWISE_CASES.map((c) => [describeCase(c), c] as const))(
    'DepthwiseConv2dNative %s',
    async (_l, c) => {
      const r = rng(c.batch * 7 + c.width * 13 + c.k);
      const x = randTensor(r, [c.batch, c.height, c.width, c.inC]);
      const w = randTensor(r, [c.k, c.k, c.inC, 1]);
      await expectSameOnDevice(
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
    },
  );

  test.each(POOL_CASES.map((c) => [describeCase(c), c] as const))('pools %s', async (_l, c) => {
    const x = randTensor(rng(c.height * 100 + c.inC), [c.batch, c.height, c.width, c.inC]);
    await expectSameOnDevice(
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

  test.each(MATMUL_CASES.map((c) => [JSON.stringify(c), c] as const))(
    'BatchMatMul and _FusedMatMul %s',
    async (_l, c) => {
      const rr = rng(c.m * 1000 + c.n);
      const a = randTensor(rr, c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k]);
      const b = randTensor(rr, c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n]);
      const b2 = randTensor(rr, c.tb ? [c.n, c.k] : [c.k, c.n]);
      const a2 = randTensor(rr, c.ta ? [c.k, c.m] : [c.m, c.k]);
      const bias = randTensor(rr, [c.n]);
      await expectSameOnDevice(
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
    },
  );
});

describeOnDevices('asc-cuda elementwise, reduction and data-movement kernels', () => {
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
  ])('broadcasting binary ops with %j', async (shape) => {
    const y = tf.tidy(() => randTensor(r, shape).add(tf.scalar(0.05 * Math.sign(r() - 0.5) + 2)));
    await expectSameOnDevice(
      `binary ${JSON.stringify(shape)}`,
      () => [
        tf.add(x, y),
        tf.sub(y, x),
        tf.mul(x, y),
        tf.div(y, x),
        tf.squaredDifference(x, y),
        tf.maximum(x, y),
        tf.minimum(y, x),
      ],
      { Add: 1, Sub: 1, Multiply: 1, RealDiv: 1, SquaredDifference: 1, Maximum: 1, Minimum: 1 },
    );
  });

  test('unary ops', async () => {
    const big = tf.tidy(() => x.mul(20));
    await expectSameOnDevice(
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
        tf.log(positive),
        tf.log1p(positive),
        tf.floor(x.mul(3)),
        tf.tanh(x),
      ],
      {
        Sigmoid: 1,
        Square: 1,
        Rsqrt: 1,
        Sqrt: 1,
        Neg: 1,
        Relu: 1,
        Relu6: 1,
        Exp: 1,
        Abs: 1,
        Reciprocal: 1,
        Step: 1,
        Log: 1,
        Log1p: 1,
        Floor: 1,
        Tanh: 1,
      },
    );
  });

  test.each([[[0, 1, 2]], [[1, 2]], [[3]], [[0]], [[0, 1, 2, 3]], [[-1]]])(
    'Sum and Mean over axes %j, with and without keepDims',
    async (axes) => {
      await expectSameOnDevice(
        `reduce ${JSON.stringify(axes)}`,
        () => [tf.sum(x, axes), tf.mean(x, axes), tf.sum(x, axes, true), tf.mean(x, axes, true)],
        { Sum: 2, Mean: 2 },
      );
    },
  );

  test('a kernel without a device version runs through a counted host round trip', async () => {
    const { cpu, cuda, roundTrips } = await bothBackends(() => [tf.sum(x, [0, 2]), tf.max(x, 1)]);
    // Non-contiguous axes are declined by the device kernel; Max has none.
    expect(roundTrips).toEqual({ Sum: 1, Max: 1 });
    cpu.forEach((expected, i) => expect(maxRelativeError(cuda[i], expected)).toBe(0));
  });

  test('Tile, Slice, Transpose, Concat, SplitV, PadV2', async () => {
    const m = tf.tidy(() => randTensor(r, [2, 3]));
    await expectSameOnDevice(
      'data movement',
      () => [
        tf.tile(m, [2, 3]),
        tf.tile(x, [1, 2, 1, 2]),
        tf.slice(x, [1, 0, 2, 3], [2, 5, 4, 7]),
        tf.transpose(x, [0, 3, 1, 2]),
        tf.concat([x, positive], 3),
        tf.concat([m, m, m], 0),
        ...tf.split(x, [3, 8], 3),
        tf.pad(
          x,
          [
            [0, 1],
            [2, 0],
            [1, 1],
            [0, 0],
          ],
          0.5,
        ),
      ],
      { Tile: 2, Slice: 1, Transpose: 1, Concat: 2, SplitV: 1, PadV2: 1 },
    );
  });

  test('GatherV2, OneHot, Cast and fills (float32 and int32)', async () => {
    const idx = (values: number[], shape?: number[]) => tf.tensor(values, shape, 'int32');
    await expectSameOnDevice(
      'gather and friends',
      () => [
        tf.gather(x, idx([2, 0, 2, 1]), 0),
        tf.gather(x, idx([0, 4, 2, 4], [2, 2]), 2),
        tf.gather(x, idx([10, 0, 5]), -1),
        tf.oneHot(idx([0, 2, 1, 2]), 3).toFloat(),
        tf.gather(idx([5, 6, 7, 8]), idx([3, 0])).toFloat(),
        tf.cast(tf.cast(x.mul(4), 'int32'), 'float32'),
        tf.zerosLike(x),
        tf.onesLike(x),
        tf.fill([2, 3], 1.5),
      ],
      { GatherV2: 4, OneHot: 1, Cast: 4, ZerosLike: 1, OnesLike: 1, Fill: 1 },
    );
  });

  test('FusedBatchNorm with per-channel and scalar parameters', async () => {
    const mean = tf.tidy(() => randTensor(r, [11]));
    const variance = tf.tidy(() => randTensor(r, [11]).abs());
    const offset = tf.tidy(() => randTensor(r, [11]));
    const scale = tf.tidy(() => randTensor(r, [11]));
    await expectSameOnDevice(
      'batchNorm',
      () => [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, mean, variance),
        tf.batchNorm(x, tf.scalar(0.1), tf.scalar(2), undefined, tf.scalar(-1.5), 1e-5),
      ],
      { FusedBatchNorm: 3 },
    );
  });
});

describeOnDevices('asc-cuda kernels of @asc/native (fused batch norm, swish, Adam)', () => {
  const names = nativeKernelNames()!;
  const run = (name: string, inputs: Record<string, tf.Tensor>, attrs = {}) =>
    tf.engine().runKernel(name, inputs as never, attrs) as tf.Tensor | tf.Tensor[];

  test.each([
    ['linear', [3, 6, 5, 7]],
    ['relu', [2, 9, 4, 16]],
    ['relu6', [2, 7, 6, 16]],
    ['swish', [4, 5, 3, 33]],
  ] as const)('batchNormTraining with %s on %j, and its gradient', async (activation, shape) => {
    const r = rng(shape.reduce((a: number, b: number) => a * b, 7));
    const x = tf.tidy(() => randTensor(r, [...shape]).mul(3));
    const channels = shape[3];
    const scale = tf.tidy(() => randTensor(r, [channels]).abs().add(0.5).mul(3));
    const offset = randTensor(r, [channels]);
    const w = randTensor(r, [...shape]);
    const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const [y, mean, variance] = run(
        names.batchNormTraining,
        { x: a, scale: s, offset: o },
        { varianceEpsilon: 1e-5, activation },
      ) as tf.Tensor[];
      return tf.sum(tf.mul(y, w)).add(tf.sum(mean).mul(0.3)).add(tf.sum(variance).mul(0.7));
    };
    await expectSameOnDevice(
      `batchNormTraining ${activation}`,
      () => [f(x, scale, offset), ...tf.grads(f)([x, scale, offset])],
      { [names.batchNormTraining]: 2, [names.batchNormGrad]: 1 },
    );
  });

  test.each(['linear', 'relu', 'relu6', 'swish'])(
    'batchNormInference with %s, and its gradient',
    async (activation) => {
      const r = rng(activation.length * 13);
      const shape = [2, 5, 3, 9];
      const x = randTensor(r, shape);
      const w = randTensor(r, shape);
      const [mean, offset] = [randTensor(r, [9]), randTensor(r, [9])];
      const [variance, scale] = tf.tidy(() => [
        randTensor(r, [9]).abs().add(0.1),
        randTensor(r, [9]).abs().add(0.5).mul(4),
      ]);
      const inputs = [x, mean, variance, scale, offset];
      const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
        run(
          names.batchNormInference,
          { x: a, mean: m, variance: v, scale: s, offset: o },
          { varianceEpsilon: 1e-3, activation },
        ) as tf.Tensor;
      await expectSameOnDevice(
        `batchNormInference ${activation}`,
        () => [
          f(x, mean, variance, scale, offset),
          ...tf.grads((a, m, v, s, o) => f(a, m, v, s, o).mul(w).sum())(inputs),
        ],
        { [names.batchNormInference]: 2, [names.batchNormGrad]: 1 },
      );
    },
  );

  test('swish and the gradients tfjs writes as elementwise chains', async () => {
    const r = rng(5);
    const x = tf.tidy(() => randTensor(r, [2, 9, 7, 13]).mul(6));
    const w = randTensor(r, [2, 9, 7, 13]);
    const swish = (a: tf.Tensor) => run(names.swish, { x: a }) as tf.Tensor;
    const grad = (g: (a: tf.Tensor) => tf.Tensor) =>
      tf.grad((a: tf.Tensor) => g(a).mul(w).sum())(x);
    await expectSameOnDevice(
      'swish and gradients',
      () => [
        swish(x),
        grad(swish),
        grad(tf.sigmoid),
        grad(tf.relu),
        grad(tf.relu6),
        grad(tf.square),
        grad((a) => tf.minimum(a, 2)),
        grad((a) => tf.mean(a, [1, 2], true)),
      ],
      {
        [names.swish]: 2,
        [names.swishGrad]: 1,
        [names.sigmoidGrad]: 1,
        [names.reluGrad]: 1,
        [names.relu6Grad]: 1,
        [names.squareGrad]: 1,
        [names.dyWhere]: 1,
        [names.broadcastDiv]: 1,
      },
    );
  });

  test('adamStep', async () => {
    const r = rng(21);
    const [w, g, m] = [randTensor(r, [3, 70]), randTensor(r, [3, 70]), randTensor(r, [3, 70])];
    const v = tf.tidy(() => randTensor(r, [3, 70]).abs());
    await expectSameOnDevice(
      'adamStep',
      () =>
        run(
          names.adamStep,
          { w, g, m, v },
          {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weightDecay: 1e-2,
            stepSize: 1e-2 / (1 - 0.9 ** 3),
            sqrtC2: Math.sqrt(1 - 0.999 ** 3),
          },
        ) as tf.Tensor[],
      { [names.adamStep]: 1 },
    );
  });
});

describeOnDevices('asc-cuda kernel errors', () => {
  test('GatherV2 with an index out of range fails as tfjs does', async () => {
    await tf.setBackend('asc-cuda');
    resetCudaKernelDispatchCounts();
    try {
      const x = tf.ones([3, 2]);
      expect(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'), 0)).toThrow(
        /GatherV2: the index value 3 is not in \[0, 2\]/,
      );
      expect(cudaRoundTrips()).toEqual({ GatherV2: 1 });
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
