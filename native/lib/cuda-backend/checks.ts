import type * as tfjs from '@tensorflow/tfjs';
import { AscError } from '@asc/core';
import { nativeKernelNames } from '../kernels/binding';
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
  maxRelativeError,
  PAD_CASES,
  padWorkload,
  describePad,
  POOL_CASES,
  poolWorkload,
  randTensor,
  REDUCE_AXES,
  reduceWorkload,
  rng,
  type KernelWorkload,
} from './check-cases';
import { CUDA_BACKEND_NAME } from './backend';
import {
  cudaKernelDispatchCounts,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
} from './register';

type Tf = typeof tfjs;
type Tensor = tfjs.Tensor;

/**
 * The asc-cuda backend's kernel checks: every device kernel against @asc/native's CPU
 * kernels on the randomised shapes of the CPU kernel tests (check-cases.ts), to 1e-4
 * relative, with the dispatch counts proving that each ran on the device and nothing went
 * through a host round trip. One suite, two runners: jest runs it on the emulated device
 * (native/test/cuda-kernels.test.ts) and on a GPU where one is usable, and
 * scripts/gpu-check.sh runs it on the GPU from its bundle, where there is no jest.
 */
export interface DeviceCheck {
  name: string;
  /** Resolves with a line about what was measured; rejects with CheckFailure. */
  run(): Promise<string>;
}

export class CheckFailure extends AscError {
  constructor(message: string) {
    super('check-failed', message);
  }
}

/** What an output of the CPU path and of asc-cuda did, side by side. */
export interface DeviceComparison {
  cpu: Float32Array[];
  cuda: Float32Array[];
  /** Kernels asc-cuda ran on the device, with counts. */
  device: Record<string, number>;
  roundTrips: Record<string, number>;
}

/**
 * Runs `f` on 'cpu' (with the native CPU kernels) and on asc-cuda (registered already);
 * tensors made on 'cpu' are moved by tfjs. Leaves 'cpu' selected.
 */
export async function compareBackends(
  tf: Tf,
  f: () => Tensor | Tensor[],
): Promise<DeviceComparison> {
  const read = (): Float32Array[] =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  await tf.setBackend('cpu');
  const cpu = read();
  await tf.setBackend(CUDA_BACKEND_NAME);
  resetCudaKernelDispatchCounts();
  try {
    const cuda = read();
    const device = Object.fromEntries(
      Object.entries(cudaKernelDispatchCounts())
        .filter(([, c]) => c.device > 0)
        .map(([name, c]) => [name, c.device]),
    );
    return { cpu, cuda, device, roundTrips: cudaRoundTrips() };
  } finally {
    await tf.setBackend('cpu');
  }
}

/**
 * Throws CheckFailure unless every output of `f` agrees between the CPU kernels and
 * asc-cuda to `tolerance`, each kernel of `dispatch` ran on the device that many times
 * ('ran': at least once), and nothing went through a host round trip. Returns the
 * largest relative error.
 */
export async function expectSameOnDevice(
  tf: Tf,
  label: string,
  f: () => Tensor | Tensor[],
  dispatch: Readonly<Record<string, number | 'ran'>>,
  tolerance = 1e-4,
): Promise<number> {
  const { cpu, cuda, device, roundTrips } = await compareBackends(tf, f);
  if (Object.keys(roundTrips).length > 0) {
    throw new CheckFailure(`${label}: host round trips ${JSON.stringify(roundTrips)}`);
  }
  for (const [kernel, want] of Object.entries(dispatch)) {
    const ran = device[kernel] ?? 0;
    if (want === 'ran' ? ran === 0 : ran !== want) {
      throw new CheckFailure(
        `${label}: ${kernel} ran ${ran} times on the device, expected ${want}`,
      );
    }
  }
  if (cuda.length !== cpu.length)
    throw new CheckFailure(`${label}: ${cuda.length} outputs, not ${cpu.length}`);
  let worst = 0;
  cpu.forEach((expected, i) => {
    const err = maxRelativeError(cuda[i], expected);
    if (!(err <= tolerance)) {
      throw new CheckFailure(
        `${label}: output ${i} differs from the CPU kernels (max relative error ${err})`,
      );
    }
    worst = Math.max(worst, err);
  });
  return worst;
}

/** A check over a list of cases: fails on the first case that does, naming it. */
function overCases<C>(
  name: string,
  cases: readonly C[],
  label: (c: C) => string,
  one: (c: C, label: string) => Promise<number>,
): DeviceCheck {
  return {
    name,
    run: async () => {
      let worst = 0;
      for (const c of cases) worst = Math.max(worst, await one(c, label(c)));
      return `${cases.length} cases, max relative error ${worst.toExponential(2)}`;
    },
  };
}

function workloadCheck<C>(
  tf: Tf,
  name: string,
  cases: readonly C[],
  label: (c: C) => string,
  workload: (tf: Tf, c: C) => KernelWorkload,
): DeviceCheck {
  return overCases(name, cases, label, (c) => workloadOnDevice(tf, workload(tf, c)));
}

/** expectSameOnDevice of a workload; disposes its inputs. */
function workloadOnDevice(tf: Tf, w: KernelWorkload): Promise<number> {
  return expectSameOnDevice(tf, w.label, w.run, w.dispatch).finally(() => tf.dispose(w.inputs));
}

/** Elementwise, reduction and data-movement kernels on a fixed set of shapes. */
function elementwiseChecks(tf: Tf): DeviceCheck[] {
  const check = (
    name: string,
    body: (i: ReturnType<typeof elementwiseInputs>) => Promise<number>,
  ): DeviceCheck => ({
    name,
    run: async () => {
      const i = elementwiseInputs(tf);
      try {
        return `max relative error ${(await body(i)).toExponential(2)}`;
      } finally {
        tf.dispose([i.x, i.positive]);
      }
    },
  });
  return [
    check('broadcasting binary ops', async ({ r, x }) => {
      let worst = 0;
      for (const shape of BROADCAST_SHAPES) {
        worst = Math.max(worst, await workloadOnDevice(tf, binaryWorkload(tf, r, x, shape)));
      }
      return worst;
    }),
    check('unary ops', ({ x, positive }) =>
      expectSameOnDevice(
        tf,
        'unary',
        () => [
          tf.sigmoid(x.mul(20)),
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
      ),
    ),
    check('Sum and Mean over contiguous axes, with and without keepDims', async ({ x }) => {
      let worst = 0;
      for (const axes of REDUCE_AXES) {
        worst = Math.max(worst, await workloadOnDevice(tf, reduceWorkload(tf, x, axes)));
      }
      return worst;
    }),
    check('Tile, Slice, Transpose, Concat, SplitV, PadV2', ({ r, x, positive }) => {
      const m = tf.tidy(() => randTensor(tf, r, [2, 3]));
      const paddings: [number, number][] = [
        [0, 1],
        [2, 0],
        [1, 1],
        [0, 0],
      ];
      return expectSameOnDevice(
        tf,
        'data movement',
        () => [
          tf.tile(m, [2, 3]),
          tf.tile(x, [1, 2, 1, 2]),
          tf.slice(x, [1, 0, 2, 3], [2, 5, 4, 7]),
          tf.transpose(x, [0, 3, 1, 2]),
          tf.concat([x, positive], 3),
          tf.concat([m, m, m], 0),
          ...tf.split(x, [3, 8], 3),
          tf.pad(x, paddings, 0.5),
        ],
        { Tile: 2, Slice: 1, Transpose: 1, Concat: 2, SplitV: 1, PadV2: 1 },
      ).finally(() => m.dispose());
    }),
    check('GatherV2, OneHot, Cast and fills, float32 and int32', ({ x }) => {
      const idx = (values: number[], shape?: number[]) => tf.tensor(values, shape, 'int32');
      return expectSameOnDevice(
        tf,
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
    }),
    check('ExpandDims, Pack, Unpack, AddN, LeakyRelu, Elu', ({ x, positive }) =>
      expectSameOnDevice(
        tf,
        'less common kernels',
        () => [
          tf.expandDims(x, 2).add(1),
          tf.stack([x, positive, x], 1),
          ...tf.unstack(x, 2),
          tf.addN([x, positive, x.mul(2)]),
          tf.leakyRelu(x, 0.3),
          tf.elu(x.mul(3)),
        ],
        { ExpandDims: 1, Pack: 1, Unpack: 1, AddN: 1, LeakyRelu: 1, Elu: 1 },
      ),
    ),
    check('FusedBatchNorm with per-channel and scalar parameters', ({ r, x }) => {
      const [mean, offset, scale] = [0, 1, 2].map(() => randTensor(tf, r, [11]));
      const variance = tf.tidy(() => randTensor(tf, r, [11]).abs());
      return expectSameOnDevice(
        tf,
        'batchNorm',
        () => [
          tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
          tf.batchNorm(x, mean, variance),
          tf.batchNorm(x, tf.scalar(0.1), tf.scalar(2), undefined, tf.scalar(-1.5), 1e-5),
        ],
        { FusedBatchNorm: 3 },
      ).finally(() => tf.dispose([mean, offset, scale, variance]));
    }),
  ];
}

/** The kernels @asc/native adds: batch norm with activations, swish, gradients, Adam. */
function addedKernelChecks(tf: Tf): DeviceCheck[] {
  const names = nativeKernelNames();
  if (!names) return [];
  const run = (name: string, inputs: Record<string, Tensor>, attrs = {}) =>
    tf.engine().runKernel(name, inputs as never, attrs) as Tensor | Tensor[];
  const activations = ['linear', 'relu', 'relu6', 'swish'] as const;
  return [
    {
      name: 'batchNormTraining with each activation, and its gradient',
      run: async () => {
        let worst = 0;
        const shapes = [
          [3, 6, 5, 7],
          [2, 9, 4, 16],
          [2, 7, 6, 16],
          [4, 5, 3, 33],
        ];
        for (const [i, activation] of activations.entries()) {
          const shape = shapes[i];
          const r = rng(shape.reduce((a, b) => a * b, 7));
          const x = tf.tidy(() => randTensor(tf, r, shape).mul(3));
          const scale = tf.tidy(() => randTensor(tf, r, [shape[3]]).abs().add(0.5).mul(3));
          const offset = randTensor(tf, r, [shape[3]]);
          const w = randTensor(tf, r, shape);
          const f = (a: Tensor, s: Tensor, o: Tensor) => {
            const [y, mean, variance] = run(
              names.batchNormTraining,
              { x: a, scale: s, offset: o },
              { varianceEpsilon: 1e-5, activation },
            ) as Tensor[];
            return tf
              .sum(tf.mul(y, w))
              .add(tf.sum(mean).mul(0.3))
              .add(tf.sum(variance).mul(0.7)) as tfjs.Scalar;
          };
          worst = Math.max(
            worst,
            await expectSameOnDevice(
              tf,
              `batchNormTraining ${activation}`,
              () => [f(x, scale, offset), ...tf.grads(f)([x, scale, offset])],
              { [names.batchNormTraining]: 2, [names.batchNormGrad]: 1 },
            ).finally(() => tf.dispose([x, scale, offset, w])),
          );
        }
        return `max relative error ${worst.toExponential(2)}`;
      },
    },
    {
      name: 'batchNormInference with each activation, and its gradient',
      run: async () => {
        let worst = 0;
        for (const activation of activations) {
          const r = rng(activation.length * 13);
          const shape = [2, 5, 3, 9];
          const x = randTensor(tf, r, shape);
          const w = randTensor(tf, r, shape);
          const [mean, offset] = [randTensor(tf, r, [9]), randTensor(tf, r, [9])];
          const [variance, scale] = tf.tidy(() => [
            randTensor(tf, r, [9]).abs().add(0.1),
            randTensor(tf, r, [9]).abs().add(0.5).mul(4),
          ]);
          const inputs = [x, mean, variance, scale, offset];
          const f = (a: Tensor, m: Tensor, v: Tensor, s: Tensor, o: Tensor) =>
            run(
              names.batchNormInference,
              { x: a, mean: m, variance: v, scale: s, offset: o },
              { varianceEpsilon: 1e-3, activation },
            ) as Tensor;
          worst = Math.max(
            worst,
            await expectSameOnDevice(
              tf,
              `batchNormInference ${activation}`,
              () => [
                f(x, mean, variance, scale, offset),
                ...tf.grads((a, m, v, s, o) => f(a, m, v, s, o).mul(w).sum())(inputs),
              ],
              { [names.batchNormInference]: 2, [names.batchNormGrad]: 1 },
            ).finally(() => tf.dispose([...inputs, w])),
          );
        }
        return `max relative error ${worst.toExponential(2)}`;
      },
    },
    {
      name: 'swish and the gradients tfjs writes as elementwise chains',
      run: async () => {
        const r = rng(5);
        const x = tf.tidy(() => randTensor(tf, r, [2, 9, 7, 13]).mul(6));
        const w = randTensor(tf, r, [2, 9, 7, 13]);
        const swish = (a: Tensor) => run(names.swish, { x: a }) as Tensor;
        const grad = (g: (a: Tensor) => Tensor) => tf.grad((a: Tensor) => g(a).mul(w).sum())(x);
        const worst = await expectSameOnDevice(
          tf,
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
        ).finally(() => tf.dispose([x, w]));
        return `max relative error ${worst.toExponential(2)}`;
      },
    },
    {
      name: 'adamStep',
      run: async () => {
        const r = rng(21);
        const [w, g, m] = [0, 1, 2].map(() => randTensor(tf, r, [3, 70]));
        const v = tf.tidy(() => randTensor(tf, r, [3, 70]).abs());
        const attrs = {
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          weightDecay: 1e-2,
          stepSize: 1e-2 / (1 - 0.9 ** 3),
          sqrtC2: Math.sqrt(1 - 0.999 ** 3),
        };
        const worst = await expectSameOnDevice(
          tf,
          'adamStep',
          () => run(names.adamStep, { w, g, m, v }, attrs) as Tensor[],
          { [names.adamStep]: 1 },
        ).finally(() => tf.dispose([w, g, m, v]));
        return `max relative error ${worst.toExponential(2)}`;
      },
    },
  ];
}

/**
 * Every kernel check, each registering asc-cuda on `device` when it is not (which throws
 * CudaUnavailableError where the device cannot be used).
 */
export function cudaKernelChecks(tf: Tf, device: 'cuda' | 'emulated'): DeviceCheck[] {
  const checks = [
    workloadCheck(
      tf,
      'Conv2D, FusedConv2D and their gradients',
      CONV_CASES,
      describeCase,
      convWorkload,
    ),
    workloadCheck(
      tf,
      'DepthwiseConv2dNative and its gradients',
      DEPTHWISE_CASES,
      describeCase,
      depthwiseWorkload,
    ),
    workloadCheck(
      tf,
      'MaxPool, AvgPool and their gradients',
      POOL_CASES,
      describeCase,
      poolWorkload,
    ),
    workloadCheck(
      tf,
      'BatchMatMul and _FusedMatMul',
      MATMUL_CASES,
      (m) => JSON.stringify(m),
      matMulWorkload,
    ),
    workloadCheck(tf, 'PadV2', PAD_CASES, describePad, padWorkload),
    ...elementwiseChecks(tf),
    ...addedKernelChecks(tf),
  ];
  return checks.map((c) => ({
    name: c.name,
    run: () => {
      registerCudaBackend(tf, { device });
      return c.run();
    },
  }));
}
