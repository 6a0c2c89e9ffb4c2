import * as tf from '@tensorflow/tfjs';
import {
  expectNativeDispatch,
  expectSameBothWays,
  maxRelativeError,
  randTensor,
  rng,
} from './kernels-helpers';
import {
  nativeKernelNames,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
} from '../lib';

// The gradient rewrites (Sigmoid, Square, Relu, Mean, FusedBatchNorm) against tfjs's own
// gradients, and the native gradients of the convolutions and pools against central
// finite differences of the native forward kernels.

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

afterEach(() => unregisterNativeKernels(tf));

// The names of the kernels the addon adds (these tests need the addon).
const names = nativeKernelNames()!;

/** Registers the native kernels and zeroes the dispatch counts. */
function register(): void {
  expect(registerNativeKernels(tf).active).toBe(true);
  resetNativeKernelDispatchCounts();
}

describe('gradient rewrites match tfjs gradients', () => {
  const r = rng(21);
  const x = randTensor(r, [3, 6, 5, 7]);

  test('Sigmoid, Square, Relu, Relu6 and swish', () => {
    expectSameBothWays(
      'pointwise grads',
      () => {
        const swish = (a: tf.Tensor) => tf.mul(tf.sigmoid(tf.mul(a, 1)), a);
        return [
          tf.grad((a: tf.Tensor) => tf.sigmoid(a.mul(3)).sum())(x),
          tf.grad((a: tf.Tensor) => tf.square(a).mul(x).sum())(x),
          tf.grad((a: tf.Tensor) => tf.relu(a).mul(x).sum())(x),
          tf.grad((a: tf.Tensor) => tf.relu6(a.mul(8)).mul(x).sum())(x),
          tf.grad((a: tf.Tensor) => swish(a).mul(x).sum())(x),
        ];
      },
      {
        [names.sigmoidGrad]: 1,
        [names.squareGrad]: 1,
        [names.reluGrad]: 1,
        [names.relu6Grad]: 1,
        [names.swishGrad]: 1,
      },
    );
  });

  test('swish folded into one pass, and a sigmoid made before tf.grads left alone', () => {
    const w = randTensor(r, [3, 6, 5, 7]);
    const s = tf.sigmoid(x);
    expectSameBothWays(
      'swish fold',
      () => [
        ...tf.grads((a: tf.Tensor) => tf.mul(a, tf.sigmoid(a)).mul(w).sum())([x]),
        ...tf.grads((a: tf.Tensor) => tf.mul(tf.sigmoid(a), a).mul(w).sum())([x]),
        // The sigmoid also feeds another op: its gradient must still flow through it.
        ...tf.grads((a: tf.Tensor) => {
          const sa = tf.sigmoid(a);
          return tf.mul(a, sa).mul(w).sum().add(sa.square().sum());
        })([x]),
        // Differentiated against the sigmoid itself: no fold may drop its gradient.
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(a, b).mul(w).sum())([x, s]),
      ],
      { [names.swishGrad]: 3 },
    );
  });

  test('Minimum and Maximum against a scalar (relu6 as tfjs-layers writes it)', () => {
    const big = tf.tidy(() => x.mul(8));
    expectSameBothWays(
      'min/max grads',
      () => [
        tf.grad((a: tf.Tensor) => tf.minimum(6, tf.relu(a)).mul(x).sum())(big),
        tf.grad((a: tf.Tensor) => tf.minimum(a, 0.1).mul(x).sum())(x),
        tf.grad((a: tf.Tensor) => tf.maximum(a, -0.2).mul(x).sum())(x),
        tf.grad((a: tf.Tensor) => tf.maximum(0.3, a).mul(x).sum())(x),
        // (tfjs itself cannot differentiate against the scalar side: it does not reduce.)
      ],
      { [names.dyWhere]: 4, [names.reluGrad]: 1 },
    );
  });

  test.each([[[0, 1, 2]], [[1, 2]], [[3]], [[0, 1, 2, 3]]])('Mean over %j', (axes) => {
    expectSameBothWays(
      `mean grad ${JSON.stringify(axes)}`,
      () => [
        tf.grad((a: tf.Tensor) => tf.mean(a, axes).square().sum())(x),
        tf.grad((a: tf.Tensor) => tf.mean(a, axes, true).mul(2).sum())(x),
      ],
      { [names.broadcastDiv]: 2 },
    );
  });

  test('batch normalisation in training mode (moments of the batch)', () => {
    const gamma = randTensor(r, [7]);
    const beta = randTensor(r, [7]);
    const w = randTensor(r, [3, 6, 5, 7]);
    expectSameBothWays(
      'batch-norm grads',
      () => {
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.batchNorm(a, mean, variance, b, g, 1e-3).mul(w).sum();
        };
        return tf.grads(f)([x, gamma, beta]);
      },
      { FusedBatchNorm: 1, [names.batchNormGrad]: 1 },
    );
  });

  test('batch moments made before tf.grads are not folded (their gradients are asked for)', () => {
    const gamma = randTensor(r, [7]);
    const beta = randTensor(r, [7]);
    const w = randTensor(r, [3, 6, 5, 7]);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    expectSameBothWays(
      'batch-norm grads, moments as inputs',
      () =>
        tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor) =>
          tf.batchNorm(a, m, v, beta, gamma, 1e-3).mul(w).sum(),
        )([x, mean, variance]),
      { FusedBatchNorm: 1, [names.batchNormGrad]: 1 },
    );
  });

  // (tfjs itself cannot differentiate batchNorm without scale and offset.)
  test('batch normalisation with fixed statistics', () => {
    const mean = randTensor(r, [7]);
    const variance = tf.tidy(() => randTensor(r, [7]).abs().add(0.5));
    const gamma = randTensor(r, [7]);
    const beta = randTensor(r, [7]);
    const w = randTensor(r, [3, 6, 5, 7]);
    expectSameBothWays(
      'batch-norm grads, fixed statistics',
      () =>
        tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor) =>
          tf.batchNorm(a, m, v, beta, g).mul(w).sum(),
        )([x, mean, variance, gamma]),
      { FusedBatchNorm: 1, [names.batchNormGrad]: 1 },
    );
  });
});

test('the fused swish kernel matches x * sigmoid(x) and its gradient with JS kernels', () => {
  const r = rng(5);
  const x = tf.tidy(() => randTensor(r, [2, 9, 7, 13]).mul(6));
  const w = randTensor(r, [2, 9, 7, 13]);
  const reference = tf.tidy(() => [
    tf.mul(x, tf.sigmoid(x)).dataSync() as Float32Array,
    tf
      .grad((a: tf.Tensor) => tf.mul(a, tf.sigmoid(a)).mul(w).sum())(x)
      .dataSync() as Float32Array,
  ]);
  expect(tf.getKernel(names.swish, 'cpu')).toBeUndefined();
  register();
  const swish = (a: tf.Tensor) => tf.engine().runKernel(names.swish, { x: a }) as tf.Tensor;
  const fused = tf.tidy(() => [
    swish(x).dataSync() as Float32Array,
    tf
      .grad((a: tf.Tensor) => swish(a).mul(w).sum())(x)
      .dataSync() as Float32Array,
  ]);
  expect(maxRelativeError(fused[0], reference[0])).toBeLessThanOrEqual(1e-4);
  expect(maxRelativeError(fused[1], reference[1])).toBeLessThanOrEqual(1e-4);
  expectNativeDispatch({ [names.swish]: 2, [names.swishGrad]: 1 });
  unregisterNativeKernels(tf);
  expect(tf.getKernel(names.swish, 'cpu')).toBeUndefined();
});

describe('the training batch-norm kernel matches tfjs moments + batchNorm + activation', () => {
  // Reference: tfjs-layers' own computation with the JS kernels; the loss also weighs the
  // batch moments so that the gradients reaching them through the outputs are checked.
  const loss = (y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, w: tf.Tensor) =>
    tf.tidy(() =>
      tf
        .sum(tf.mul(y, w))
        .add(tf.sum(tf.mul(mean, tf.range(1, mean.size + 1))).mul(0.3))
        .add(tf.sum(variance).mul(0.7)),
    );
  const reference =
    (activation: string, w: tf.Tensor) => (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      let y = tf.batchNorm(x, mean, variance, offset, scale, 1e-5);
      if (activation === 'relu') y = tf.relu(y);
      if (activation === 'relu6') y = tf.relu6(y);
      if (activation === 'swish') y = tf.mul(y, tf.sigmoid(y));
      return loss(y, mean, variance, w) as tf.Scalar;
    };
  const fused =
    (activation: string, w: tf.Tensor) => (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
      const [y, mean, variance] = tf
        .engine()
        .runKernel(
          names.batchNormTraining,
          { x, scale, offset },
          { varianceEpsilon: 1e-5, activation },
        ) as tf.Tensor[];
      return loss(y, mean, variance, w) as tf.Scalar;
    };

  test.each([
    ['linear', [3, 6, 5, 7], 0, 1e-4],
    ['relu', [2, 9, 4, 16], 0, 1e-4],
    ['relu6', [2, 7, 6, 16], 0, 1e-4],
    ['swish', [4, 5, 3, 33], 0, 1e-4],
    // A mean far from zero: the moments must not cancel (tfjs's two-pass float32 moments
    // are the reference, within the usual tolerance).
    ['swish', [2, 8, 8, 5], 300, 1e-4],
    // One row per channel: zero variance, so 1 / sqrt(epsilon) = 316 amplifies the
    // reference's float32 rounding of x - mean.
    ['linear', [1, 1, 1, 6], 0, 1e-3],
  ])('%s on %j, mean offset %d', (activation, shape, meanOffset, tolerance) => {
    const r = rng(shape.reduce((a, b) => a * b, 7));
    const x = tf.tidy(() => randTensor(r, shape).mul(3).add(meanOffset));
    const channels = shape[3];
    // Wide enough for relu6 to clip some values at 6.
    const scale = tf.tidy(() => randTensor(r, [channels]).abs().add(0.5).mul(3));
    const offset = randTensor(r, [channels]);
    const w = randTensor(r, shape);
    const expected = tf.tidy(() => {
      const f = reference(activation, w);
      return [f(x, scale, offset), ...tf.grads(f)([x, scale, offset])].map(
        (t) => t.dataSync() as Float32Array,
      );
    });
    expect(tf.getKernel(names.batchNormTraining, 'cpu')).toBeUndefined();
    register();
    const actual = tf.tidy(() => {
      const f = fused(activation, w);
      return [f(x, scale, offset), ...tf.grads(f)([x, scale, offset])].map(
        (t) => t.dataSync() as Float32Array,
      );
    });
    const withinTolerance = Object.fromEntries(
      ['loss', 'dx', 'dScale', 'dOffset'].map((what, i) => [
        what,
        maxRelativeError(actual[i], expected[i]) <= tolerance,
      ]),
    );
    expect(withinTolerance).toEqual({ loss: true, dx: true, dScale: true, dOffset: true });
    expectNativeDispatch({ [names.batchNormTraining]: 2, [names.batchNormGrad]: 1 });
  });

  test('an activation it does not fuse is refused, never applied as another', () => {
    const x = tf.ones([2, 3]);
    const run = (activation: string) =>
      tf
        .engine()
        .runKernel(
          names.batchNormTraining,
          { x, scale: tf.ones([3]), offset: tf.zeros([3]) },
          { varianceEpsilon: 1e-5, activation },
        );
    register();
    // The addon knows sigmoid and leakyrelu (convolutions fuse them), batch norm does not.
    for (const activation of ['sigmoid', 'leakyrelu', 'elu']) {
      expect(() => run(activation)).toThrow(/arguments the native kernel does not handle/);
    }
    run('relu6');
    expectNativeDispatch({ [names.batchNormTraining]: 1 });
  });

  test.each(['linear', 'relu', 'relu6', 'swish'])(
    'the inference kernel with %s, and its gradient',
    (activation) => {
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
      const evaluate = (f: (...t: tf.Tensor[]) => tf.Tensor) =>
        tf.tidy(() =>
          [
            f(...inputs),
            ...tf.grads((...t: tf.Tensor[]) =>
              f(...t)
                .mul(w)
                .sum(),
            )(inputs),
          ].map((t) => t.dataSync() as Float32Array),
        );
      const expected = evaluate((a, m, v, s, o) => {
        const y = tf.batchNorm(a, m, v, o, s, 1e-3);
        if (activation === 'relu') return tf.relu(y);
        if (activation === 'relu6') return tf.relu6(y);
        return activation === 'swish' ? tf.mul(y, tf.sigmoid(y)) : y;
      });
      register();
      const actual = evaluate(
        (a, m, v, s, o) =>
          tf
            .engine()
            .runKernel(
              names.batchNormInference,
              { x: a, mean: m, variance: v, scale: s, offset: o },
              { varianceEpsilon: 1e-3, activation },
            ) as tf.Tensor,
      );
      const withinTolerance = Object.fromEntries(
        ['y', 'dx', 'dMean', 'dVariance', 'dScale', 'dOffset'].map((what, i) => [
          what,
          maxRelativeError(actual[i], expected[i]) <= 1e-4,
        ]),
      );
      expect(withinTolerance).toEqual({
        y: true,
        dx: true,
        dMean: true,
        dVariance: true,
        dScale: true,
        dOffset: true,
      });
      expectNativeDispatch({ [names.batchNormInference]: 2, [names.batchNormGrad]: 1 });
    },
  );

  test('batch moments against numpy-style double sums, and the outputs of the kernel', () => {
    const r = rng(77);
    const shape = [3, 4, 5, 6];
    const x = tf.tidy(() => randTensor(r, shape).mul(2).add(50));
    const values = x.dataSync();
    const rows = values.length / 6;
    register();
    const [y, mean, variance] = tf
      .engine()
      .runKernel(
        names.batchNormTraining,
        { x, scale: tf.ones([6]), offset: tf.zeros([6]) },
        { varianceEpsilon: 0, activation: 'linear' },
      ) as tf.Tensor[];
    const m = mean.dataSync();
    const v = variance.dataSync();
    for (let c = 0; c < 6; c++) {
      let sum = 0;
      for (let i = c; i < values.length; i += 6) sum += values[i];
      const mu = sum / rows;
      let squares = 0;
      for (let i = c; i < values.length; i += 6) squares += (values[i] - mu) ** 2;
      expect(Math.abs(m[c] - mu)).toBeLessThanOrEqual(1e-6 * Math.abs(mu));
      expect(Math.abs(v[c] - squares / rows)).toBeLessThanOrEqual(1e-5 * (squares / rows));
    }
    // Normalised with epsilon 0: every channel of y has mean 0 and variance 1.
    const moments = tf.moments(y, [0, 1, 2]);
    expect(
      maxRelativeError(moments.variance.dataSync() as Float32Array, new Float32Array(6).fill(1)),
    ).toBeLessThanOrEqual(1e-4);
    expect(Math.max(...Array.from(moments.mean.dataSync()).map(Math.abs))).toBeLessThan(1e-5);
    expectNativeDispatch({ [names.batchNormTraining]: 1 });
  });
});

/** Central differences of f at x, for every element of x (small x only). */
function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; ++i) {
    const at = (delta: number) => {
      const v = base.slice();
      v[i] += delta;
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]);
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number): void {
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; ++i) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(
      tolerance * Math.max(scale, 1e-3),
    );
  }
}

describe('native gradients against finite differences', () => {
  const r = rng(33);
  const x = randTensor(r, [2, 5, 5, 3]);
  const w = randTensor(r, [3, 3, 3, 4]);
  const dw = randTensor(r, [3, 3, 3, 1]);
  // Weights on the output make the objective's gradient non-uniform.
  const conv = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  const depthwise = conv.map((k) => k.replace('Conv2D', 'DepthwiseConv2dNative'));
  const cases: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, tf.Tensor, string[]][] = [
    [
      'conv2d 3x3 stride 2 same',
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'),
      w,
      conv,
    ],
    [
      'conv2d 3x3 stride 1 valid',
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'),
      w,
      conv,
    ],
    [
      'depthwise 3x3 stride 1 same',
      (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
      dw,
      depthwise,
    ],
    [
      'depthwise 3x3 stride 2 same',
      (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'),
      dw,
      depthwise,
    ],
  ];
  test.each(cases)('%s: d/dx and d/dfilter', (_label, op, filter, kernels) => {
    register();
    const objective = (a: tf.Tensor, b: tf.Tensor) => {
      const y = op(a, b);
      return y.mul(tf.linspace(-1, 1, y.size).reshape(y.shape)).sum() as tf.Scalar;
    };
    const [gx, gw] = tf.grads(objective)([x, filter]);
    const [forward, backpropInput, backpropFilter] = kernels;
    expectNativeDispatch({ [forward]: 1, [backpropInput]: 1, [backpropFilter]: 1 });
    expectClose(
      gx.dataSync() as Float32Array,
      finiteDifferences((a) => objective(a, filter), x),
      2e-3,
    );
    expectClose(
      gw.dataSync() as Float32Array,
      finiteDifferences((b) => objective(x, b), filter),
      2e-3,
    );
  });

  test.each([
    ['MaxPool', (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')],
    // 'valid': with padding, tfjs's AvgPoolGrad divides by the whole window while its
    // AvgPool divides by the pixels inside the image, so only unpadded windows agree.
    ['AvgPool', (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 3, 2, 'valid')],
  ] as const)('%s: d/dx', (kernel, op) => {
    register();
    const objective = (a: tf.Tensor) => {
      const y = op(a);
      return y.mul(tf.linspace(-1, 1, y.size).reshape(y.shape)).sum() as tf.Scalar;
    };
    const g = tf.grad(objective)(x);
    expectNativeDispatch({ [kernel]: 1, [`${kernel}Grad`]: 1 });
    // A small step so no perturbed value overtakes its window's maximum.
    expectClose(g.dataSync() as Float32Array, finiteDifferences(objective, x, 1e-3), 5e-3);
  });
  // Smooth activations only: relu's kinks sit within a finite-difference step of some
  // normalised values (relu and relu6 are checked against tfjs above).
  test.each(['swish', 'linear'])(
    'training batch norm with %s: d/dx, d/dscale, d/doffset',
    (activation) => {
      register();
      const scale = tf.tensor1d([1.5, 0.7, 2]);
      const offset = tf.tensor1d([0.2, -0.4, 1]);
      const objective = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const [y, mean, variance] = tf
          .engine()
          .runKernel(
            names.batchNormTraining,
            { x: a, scale: s, offset: o },
            { varianceEpsilon: 1e-3, activation },
          ) as tf.Tensor[];
        // The batch moments feed the objective too, as a loss on them would.
        return y
          .mul(tf.linspace(-1, 1, y.size).reshape(y.shape))
          .sum()
          .add(mean.sum().mul(0.5))
          .add(variance.sum().mul(0.25)) as tf.Scalar;
      };
      const [gx, gs, go] = tf.grads(objective)([x, scale, offset]);
      expectNativeDispatch({ [names.batchNormTraining]: 1, [names.batchNormGrad]: 1 });
      expectClose(
        gx.dataSync() as Float32Array,
        finiteDifferences((a) => objective(a, scale, offset), x),
        5e-3,
      );
      expectClose(
        gs.dataSync() as Float32Array,
        finiteDifferences((s) => objective(x, s, offset), scale),
        5e-3,
      );
      expectClose(
        go.dataSync() as Float32Array,
        finiteDifferences((o) => objective(x, scale, o), offset),
        5e-3,
      );
    },
  );
});
