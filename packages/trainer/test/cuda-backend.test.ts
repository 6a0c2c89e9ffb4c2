import * as tf from '@tensorflow/tfjs';
import {
  cudaInfo,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
  type AscCudaBackend,
  type DeviceKind,
} from '@asc/native';
import { RandomSampler, resolveModel, type ArchSpec } from '@asc/zoo';
import {
  BackendUnavailableError,
  fitNormalisation,
  InputNormaliser,
  Rng,
  SEARCH_RECIPE,
  seededCopy,
  selectBackend,
  Trainer,
  type Recipe,
} from '../src';
import { deviceProblem, TEST_DEVICES } from '../../../native/test/cuda-helpers';
import { syntheticSet } from './helpers';

// The trainer on the asc-cuda backend against the CPU path (tfjs 'cpu' with the native
// kernels): the same epoch of Model B gives the same losses and weights, training and
// inference never leave the device (no host round trip), memory stays flat over many
// steps, and two runs are identical. On the emulated device here, on the GPU in
// scripts/gpu-check.sh (skipped with the reason where there is none).

const SHAPE: [number, number, number] = [32, 32, 2];

interface EpochResult {
  losses: number[];
  accuracy: number;
  weights: Float32Array[];
  roundTrips: Record<string, number>;
}

async function oneEpoch(
  backend: string,
  spec: ArchSpec | string,
  clips = 12,
): Promise<EpochResult> {
  await tf.setBackend(backend);
  const set = syntheticSet({
    clips,
    evaluateClips: 3,
    segmentsPerClip: 2,
    shape: SHAPE,
    classes: 3,
    seed: 2,
  });
  const built = resolveModel(spec).build(tf, { inputShape: SHAPE, classes: 3 });
  const model = await seededCopy(tf, built, Rng.fromSeed(1));
  built.dispose();
  // 12 clips x 2 segments at batch 8: three training steps.
  const recipe: Recipe = { ...SEARCH_RECIPE, batchSize: 8 };
  const inputs = new InputNormaliser(tf, SHAPE, fitNormalisation(set.source, set.train));
  const trainer = new Trainer({
    tf,
    model,
    recipe,
    inputs,
    classes: 3,
    train: { source: set.source, clips: set.train },
    evaluate: { source: set.source, clips: set.evaluate },
    rngs: { shuffle: Rng.fromSeed(3).state(), mixup: Rng.fromSeed(4).state() },
  });
  resetCudaKernelDispatchCounts();
  const { record } = await trainer.runEpoch(0);
  const roundTrips = cudaRoundTrips();
  const weights = model.weights.map((w) => Float32Array.from(w.read().dataSync()));
  trainer.dispose();
  inputs.dispose();
  model.dispose();
  return {
    losses: [record.trainLoss, record.testLoss],
    accuracy: record.testAccuracy,
    weights,
    roundTrips,
  };
}

function maxWeightDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) =>
    w.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(1, Math.abs(v)));
    }),
  );
  return worst;
}

function runOn(device: DeviceKind): void {
  beforeAll(async () => {
    tf.enableProdMode();
    registerCudaBackend(tf, { device });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('three training steps of Model B equal the CPU path to 1e-3, without round trips', async () => {
    const cpu = await oneEpoch('cpu', 'B');
    const cuda = await oneEpoch('asc-cuda', 'B');
    expect(cuda.roundTrips).toEqual({});
    cuda.losses.forEach((l, i) =>
      expect(Math.abs(l - cpu.losses[i])).toBeLessThanOrEqual(1e-3 * Math.abs(cpu.losses[i])),
    );
    expect(cuda.accuracy).toBe(cpu.accuracy);
    expect(maxWeightDifference(cuda.weights, cpu.weights)).toBeLessThan(1e-3);
  });

  it('two runs are identical to the byte', async () => {
    const first = await oneEpoch('asc-cuda', 'B');
    const second = await oneEpoch('asc-cuda', 'B');
    expect(second.losses).toEqual(first.losses);
    second.weights.forEach((w, i) =>
      expect(Buffer.from(w.buffer)).toEqual(Buffer.from(first.weights[i].buffer)),
    );
  });

  it('random candidates train and infer without round trips', async () => {
    const sampler = new RandomSampler({ seed: 11 });
    for (const index of [0, 1]) {
      const { spec } = sampler.at(index);
      const result = await oneEpoch('asc-cuda', spec, 4);
      expect({ index, roundTrips: result.roundTrips }).toEqual({ index, roundTrips: {} });
      expect(Number.isFinite(result.losses[0])).toBe(true);
    }
  });

  it('tensors and device memory stay flat over many steps', async () => {
    await tf.setBackend('asc-cuda');
    const model = resolveModel('B').build(tf, { inputShape: [16, 16, 2], classes: 3 });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomNormal([4, 16, 16, 2], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3).toFloat();
    const optimizer = tf.train.adam(1e-3);
    const step = async () => {
      const loss = optimizer.minimize(
        () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
        variables,
      );
      await loss!.data();
      loss!.dispose();
    };
    const snapshot = () => {
      const m = (tf.backend() as AscCudaBackend).memory();
      return {
        tensors: tf.memory().numTensors,
        deviceBytes: m.device.inUseBytes,
        pooledBytes: m.device.pooledBytes,
      };
    };
    for (let i = 0; i < 10; i++) await step();
    const atTen = snapshot();
    for (let i = 0; i < 30; i++) await step();
    expect(snapshot()).toEqual(atTen);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
}

describe.each(TEST_DEVICES.map((d) => [d, deviceProblem(d)] as const))(
  'the trainer on asc-cuda (%s device)',
  (device, problem) => {
    if (problem !== undefined) {
      if (device === 'cuda' && process.env.ASC_REQUIRE_CUDA === '1') {
        throw new Error(`ASC_REQUIRE_CUDA=1 but ${problem}`);
      }
      it.skip(`skipped: ${problem}`, () => undefined);
      return;
    }
    runOn(device);
  },
);

describe('selecting the backend', () => {
  afterEach(async () => {
    delete process.env.ASC_CUDA_DEVICE;
    await tf.setBackend('cpu');
  });

  it("'cuda' without a usable device is an error naming the reason; 'auto' says why not", async () => {
    const info = cudaInfo();
    if (info.usable) {
      console.warn('a CUDA device is usable here: the no-device path is not exercised');
      return;
    }
    await expect(selectBackend('cuda')).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('cuda')).rejects.toThrow(info.reason);
    const auto = await selectBackend('auto');
    expect(auto.info.name).not.toBe('asc-cuda');
    expect(auto.info.notes.join(' ')).toContain(`asc-cuda: ${info.reason}`);
  });

  it("'cuda' on the emulated device (ASC_CUDA_DEVICE=emulated) is recorded as such", async () => {
    if (deviceProblem('emulated') !== undefined) return;
    process.env.ASC_CUDA_DEVICE = 'emulated';
    const { tf: chosen, info } = await selectBackend('cuda');
    expect(chosen.getBackend()).toBe('asc-cuda');
    expect(info).toMatchObject({ requested: 'cuda', name: 'asc-cuda', package: '@asc/native' });
    expect(info.cuda).toMatchObject({ device: 'emulated', gemm: 'builtin', tf32: false });
  });
});
