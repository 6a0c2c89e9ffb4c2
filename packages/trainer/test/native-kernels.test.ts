import * as tf from '@tensorflow/tfjs';
import {
  nativeKernelDispatchCounts,
  nativeKernelNames,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
} from '@asc/native';
import { resolveModel } from '@asc/zoo';
import { Rng } from '@asc/core';
import { AdamL2, SEARCH_RECIPE, seededCopy, type Recipe } from '../src';
import { syntheticTrainer } from '../src/synthetic';
import { addonRequired } from '../../../native/test/addon-required';
import { syntheticSet } from './helpers';

// Training must not depend on which kernels run it: the same steps with tfjs's JS
// kernels and with the addon's native kernels give the same losses and weights (up to
// float32 summation order).
const SHAPE: [number, number, number] = [16, 16, 2];

async function trainOneEpoch(): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const set = syntheticSet({
    clips: 8,
    evaluateClips: 3,
    segmentsPerClip: 2,
    shape: SHAPE,
    classes: 3,
    seed: 2,
  });
  const spec = resolveModel({
    stemFilters: 8,
    growth: 1.5,
    blocks: [
      [3, 2, 'max'],
      [0, 4, 'avg'],
    ],
  });
  const built = spec.build(tf, { inputShape: SHAPE, classes: 3 });
  const model = await seededCopy(tf, built, Rng.fromSeed(1));
  built.dispose();
  const recipe: Recipe = { ...SEARCH_RECIPE, batchSize: 8 };
  const { trainer, inputs } = syntheticTrainer({
    tf,
    model,
    set,
    recipe,
    classes: 3,
    rngs: { shuffle: Rng.fromSeed(3).state(), mixup: Rng.fromSeed(4).state() },
  });
  const { record } = await trainer.runEpoch(0);
  const losses = [record.trainLoss, record.testLoss];
  const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
  trainer.dispose();
  inputs.dispose();
  model.dispose();
  return { losses, weights };
}

/** `run`'s result and the names of the kernels it dispatched, in order. */
function withKernelNames<T>(run: () => T): { result: T; names: string[] } {
  const names: string[] = [];
  const original = tf.engine().runKernel.bind(tf.engine());
  const spy = jest.spyOn(tf.engine(), 'runKernel').mockImplementation((name, ...rest) => {
    names.push(name);
    return original(name, ...rest);
  });
  try {
    return { result: run(), names };
  } finally {
    spy.mockRestore();
  }
}

describe('training with the native kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => unregisterNativeKernels(tf));
  it('matches the JS kernels', async () => {
    const js = await trainOneEpoch();
    const handle = registerNativeKernels(tf);
    if (!addonRequired('training with the native kernels', handle.reason)) return;
    expect(handle.kernels).toEqual(expect.arrayContaining(['Conv2D', 'DepthwiseConv2dNative']));
    resetNativeKernelDispatchCounts();
    const native = await trainOneEpoch();
    // The native kernels ran (equal results from JS fallbacks would prove nothing).
    const counts = nativeKernelDispatchCounts();
    for (const kernel of [
      'DepthwiseConv2dNative',
      'Conv2DBackpropFilter',
      nativeKernelNames()!.batchNormTraining,
      nativeKernelNames()!.adamStep,
    ]) {
      expect({ kernel, ran: counts[kernel]?.native > 0 }).toEqual({ kernel, ran: true });
    }
    native.losses.forEach((l, i) => expect(Math.abs(l - js.losses[i])).toBeLessThan(1e-4));
    let maxDiff = 0;
    native.weights.forEach((w, i) =>
      w.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - js.weights[i][j])))),
    );
    expect(maxDiff).toBeLessThan(1e-3);
  });
  it('AdamL2 steps through the fused native kernel as through tfjs ops', () => {
    const steps = (): number[][] => {
      const w = [
        tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1)),
        tf.variable(tf.randomNormal([70000], 0, 1, 'float32', 2)),
      ];
      const opt = new AdamL2(tf, w, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 });
      for (let t = 1; t <= 3; t++) {
        const grads = w.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 10 * t + i));
        opt.applyGradients(grads, 1e-2 * t);
        tf.dispose(grads);
      }
      const out = w.map((v) => Array.from(v.dataSync()));
      opt.dispose();
      w.forEach((v) => v.dispose());
      return out;
    };
    unregisterNativeKernels(tf);
    const js = steps();
    registerNativeKernels(tf);
    const { result: native, names: calls } = withKernelNames(steps);
    // One kernel per variable and step, no tensor-op chain.
    expect(calls.filter((n) => n === nativeKernelNames()!.adamStep)).toHaveLength(6);
    expect(calls).not.toContain('Sqrt');
    js.forEach((values, i) =>
      values.forEach((v, j) =>
        expect(Math.abs(native[i][j] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))),
      ),
    );
  });
  it("runs the zoo's batch normalisation, with its swish, as one fused kernel", () => {
    registerNativeKernels(tf);
    const model = resolveModel('B').build(tf, { inputShape: SHAPE, classes: 3 });
    const x = tf.randomNormal([2, ...SHAPE]);
    const kernelsOf = (training: boolean) =>
      tf.tidy(() => withKernelNames(() => model.apply(x, { training })).names);
    const names = nativeKernelNames()!;
    const training = kernelsOf(true);
    // Model B: 15 batch normalisations, none of them left to tfjs's moments.
    expect(training.filter((n) => n === names.batchNormTraining)).toHaveLength(15);
    expect(training).not.toContain('FusedBatchNorm');
    // And in inference, with the swish of the BatchNormSwish layers fused.
    const inference = kernelsOf(false);
    expect(inference.filter((n) => n === names.batchNormInference)).toHaveLength(15);
    expect(inference).not.toContain(names.batchNormTraining);
    expect(inference).not.toContain('FusedBatchNorm');
    expect(inference).not.toContain(names.swish);
    x.dispose();
    model.dispose();
  });
});
