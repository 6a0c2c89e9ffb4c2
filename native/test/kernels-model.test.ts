import * as tf from '@tensorflow/tfjs';
import {
  nativeKernelMemoryStats,
  nativeKernelThreads,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  setNativeKernelThreads,
  unregisterNativeKernels,
} from '../lib';
import * as fs from 'fs';
import { expectNativeDispatch, expectSameBothWays, randTensor, rng } from './kernels-helpers';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

afterEach(() => unregisterNativeKernels(tf));

/** The kernels a training step of smallModel must run natively. */
const TRAINING_STEP_KERNELS = [
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'FusedBatchNorm',
  'AvgPool',
  'AvgPoolGrad',
  'MaxPool',
  'MaxPoolGrad',
  '_FusedMatMul',
  'BatchMatMul',
  'PadV2',
];
const ranInTraining = Object.fromEntries(TRAINING_STEP_KERNELS.map((k) => [k, 'ran' as const]));

/**
 * A Model-B-like network at toy size: stride-2 stem padded one each side as the zoo's
 * default (PyTorch) init builds it, IRwLB with residual, DSC, pools.
 */
function smallModel(size = 16): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [size, size, 2] });
  const bn = (x: tf.SymbolicTensor) =>
    L.batchNormalization({ axis: -1 }).apply(x) as tf.SymbolicTensor;
  const act = (x: tf.SymbolicTensor, a: 'relu' | 'swish') =>
    L.activation({ activation: a }).apply(x) as tf.SymbolicTensor;
  const pw = (x: tf.SymbolicTensor, c: number) =>
    L.conv2d({ filters: c, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor;
  const dw = (x: tf.SymbolicTensor, k: number) =>
    L.depthwiseConv2d({ kernelSize: k, padding: 'same', useBias: false }).apply(
      x,
    ) as tf.SymbolicTensor;
  let x = L.zeroPadding2d({ padding: 1 }).apply(input) as tf.SymbolicTensor;
  x = L.conv2d({
    filters: 8,
    kernelSize: 3,
    strides: 2,
    padding: 'valid',
    useBias: false,
  }).apply(x) as tf.SymbolicTensor;
  x = act(bn(x), 'relu');
  let y = act(bn(pw(x, 24)), 'swish');
  y = act(bn(dw(y, 3)), 'swish');
  y = bn(pw(y, 8));
  x = L.add().apply([x, y]) as tf.SymbolicTensor;
  x = L.averagePooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = act(bn(pw(act(bn(dw(x, 5)), 'swish'), 8)), 'swish');
  x = L.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = L.dense({ units: 3 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

test('three trainOnBatch steps give the same losses with and without native kernels', async () => {
  const model = smallModel();
  const initial = model.getWeights().map((w) => w.clone());
  const r = rng(77);
  const x = randTensor(r, [4, 16, 16, 2]);
  const y = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3).toFloat();
  const losses = async (): Promise<number[]> => {
    model.setWeights(initial);
    model.compile({
      optimizer: tf.train.adam(1e-2),
      loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.sigmoidCrossEntropy(t, p),
    });
    const out: number[] = [];
    for (let step = 0; step < 3; ++step) out.push((await model.trainOnBatch(x, y)) as number);
    return out;
  };
  const js = await losses();
  expect(registerNativeKernels(tf).active).toBe(true);
  resetNativeKernelDispatchCounts();
  const native = await losses();
  expectNativeDispatch(ranInTraining);
  for (let i = 0; i < 3; ++i) {
    expect(Math.abs(native[i] - js[i])).toBeLessThanOrEqual(1e-4 * Math.abs(js[i]));
  }
  // The steps did train: the loss moved.
  expect(js[2]).not.toBeCloseTo(js[0], 3);
});

test('unsupported arguments fall back to the JS kernel', () => {
  const r = rng(4);
  const x = randTensor(r, [2, 9, 9, 3]);
  const w = randTensor(r, [3, 3, 3, 4]);
  const dw = randTensor(r, [3, 3, 3, 2]);
  expectSameBothWays(
    'dilated conv, channel multiplier 2, int32 add',
    () => [
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      tf.depthwiseConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, 1, 'same'),
      tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')).toFloat(),
    ],
    {
      Conv2D: { native: 0, fallback: 1 },
      DepthwiseConv2dNative: { native: 0, fallback: 1 },
      Add: { native: 0, fallback: 1 },
    },
  );
});

test('unregister restores the original kernels and gradients', () => {
  const conv = tf.getKernel('Conv2D', 'cpu')!.kernelFunc;
  const sigmoidGrad = tf.getGradient('Sigmoid')!.gradFunc;
  const handle = registerNativeKernels(tf);
  expect(handle.active).toBe(true);
  expect(handle.kernels).toContain('Conv2D');
  expect(tf.getKernel('Conv2D', 'cpu')!.kernelFunc).not.toBe(conv);
  expect(tf.getGradient('Sigmoid')!.gradFunc).not.toBe(sigmoidGrad);
  unregisterNativeKernels(tf);
  expect(tf.getKernel('Conv2D', 'cpu')!.kernelFunc).toBe(conv);
  expect(tf.getGradient('Sigmoid')!.gradFunc).toBe(sigmoidGrad);
  expect(tf.getKernel('AscBatchNormGrad', 'cpu')).toBeUndefined();
});

test('ASC_NATIVE_KERNELS=0 leaves the JS kernels in place and says why', () => {
  const conv = tf.getKernel('Conv2D', 'cpu')!.kernelFunc;
  process.env.ASC_NATIVE_KERNELS = '0';
  try {
    const handle = registerNativeKernels(tf);
    expect(handle.active).toBe(false);
    expect(handle.reason).toMatch(/ASC_NATIVE_KERNELS=0/);
    expect(tf.getKernel('Conv2D', 'cpu')!.kernelFunc).toBe(conv);
  } finally {
    delete process.env.ASC_NATIVE_KERNELS;
  }
});

test('thread count is configurable and does not change results', () => {
  const r = rng(8);
  const x = randTensor(r, [3, 20, 20, 16]);
  const w = randTensor(r, [3, 3, 16, 24]);
  registerNativeKernels(tf, { threads: 1 });
  expect(nativeKernelThreads()).toBe(1);
  resetNativeKernelDispatchCounts();
  const one = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync() as Float32Array;
  expectNativeDispatch({ Conv2D: 1 });
  setNativeKernelThreads(3);
  expect(nativeKernelThreads()).toBe(3);
  const three = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync() as Float32Array;
  expect(Array.from(three)).toEqual(Array.from(one));
  expect(() => setNativeKernelThreads(0)).toThrow(RangeError);
});

test('training gives bit-identical weights on 1, 2 and 3 kernel threads', async () => {
  // Big enough that every reduction (filter gradients, batch statistics, sums) is split
  // into several parts and the products into several row blocks.
  const model = smallModel(64);
  const initial = model.getWeights().map((w) => w.clone());
  const r = rng(12);
  const x = randTensor(r, [8, 64, 64, 2]);
  const y = tf.oneHot(tf.tensor1d([0, 2, 1, 2, 1, 0, 0, 1], 'int32'), 3).toFloat();
  expect(registerNativeKernels(tf).active).toBe(true);
  const weightsAfterTraining = async (threads: number): Promise<number[][]> => {
    setNativeKernelThreads(threads);
    model.setWeights(initial);
    model.compile({
      optimizer: tf.train.adam(1e-2),
      loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.sigmoidCrossEntropy(t, p),
    });
    for (let step = 0; step < 2; ++step) await model.trainOnBatch(x, y);
    return model.getWeights().map((w) => Array.from(w.dataSync()));
  };
  resetNativeKernelDispatchCounts();
  const one = await weightsAfterTraining(1);
  // The weights are the native kernels' (equal weights from JS fallbacks would prove
  // nothing).
  expectNativeDispatch(ranInTraining);
  expect(await weightsAfterTraining(2)).toEqual(one);
  expect(await weightsAfterTraining(3)).toEqual(one);
  expect(one).not.toEqual(initial.map((w) => Array.from(w.dataSync())));
});

test('reused output memory never overwrites values a caller has read', () => {
  registerNativeKernels(tf);
  const a = tf.fill([64, 32, 32], 1.5);
  const first = tf.mul(a, tf.scalar(2));
  const seen = first.dataSync();
  const copy = Float32Array.from(seen);
  first.dispose();
  tf.mul(a, tf.scalar(3)).dispose();
  tf.mul(a, tf.scalar(4)).dispose();
  expect(seen).toEqual(copy);
  // Outputs nobody read are reused.
  const before = nativeKernelMemoryStats()!.reused;
  tf.mul(a, tf.scalar(5)).dispose();
  tf.mul(a, tf.scalar(6)).dispose();
  expect(nativeKernelMemoryStats()!.reused).toBeGreaterThan(before);
});

test('OpenBLAS uses the vector kernels the CPU supports, even where CPUID hides the model', () => {
  const handle = registerNativeKernels(tf);
  const flagsLine = fs.existsSync('/proc/cpuinfo')
    ? (fs
        .readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('flags')) ?? '')
    : '';
  const flags = new Set(flagsLine.split(/\s+/));
  if (process.env.OPENBLAS_CORETYPE) {
    expect(handle.blasCore.toLowerCase()).toBe(process.env.OPENBLAS_CORETYPE.toLowerCase());
  } else if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f))) {
    expect(handle.blasCore).toBe('SkylakeX');
  } else if (flags.has('avx2') && flags.has('fma')) {
    expect(handle.blasCore).toBe('Haswell');
  } else {
    expect(handle.blasCore).not.toBe('');
  }
});
