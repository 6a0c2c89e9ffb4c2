import * as path from 'path';
import type * as tfjs from '@tensorflow/tfjs';
import {
  compareBackends,
  cudaKernelChecks,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
  unregisterCudaBackend,
  type AscCudaBackend,
  type DeviceCheck,
  type DeviceKind,
} from '@asc/native';
import {
  SEARCH_RECIPE,
  seededCopy,
  syntheticSet,
  syntheticTrainer,
  trainRun,
  type Recipe,
} from '@asc/trainer';
import { Rng } from '@asc/core';
import { RandomSampler, resolveModel, type ArchSpec } from '@asc/zoo';
import { benchCuda, type CudaTrainBenchResult } from '../bench/train';
import type { Output } from '../cli/output';
import { extractFeatures } from '../ops/features';
import { synthesizeWithProgress } from '../ops/dataset';

type Tf = typeof tfjs;

/**
 * The checks of the tfjs CUDA backend (issue 13) that scripts/gpu-check.sh runs on a GPU
 * ("train" in its result), and jest runs on the emulated device here
 * (tools/test/gpu-train-check.test.ts): the kernel checks of @asc/native, cuBLAS off and
 * TF32 on, the trainer on asc-cuda against the CPU path, a short `asc train`, and the
 * speed benchmark against PyTorch.
 */

/** Runs one named check (gpu-check's runner: records it, never throws); skip says why not. */
export type CheckRunner = (
  name: string,
  body: () => Promise<string>,
  skip?: string,
) => Promise<void>;

export interface TrainCheckOptions {
  tf: Tf;
  device: DeviceKind;
  workDir: string;
  threads: number;
  /** python3 with a CUDA torch for the PyTorch reference; null skips it. */
  python: string | null;
  /** Where torch_model.py is (the bundle's bench/), when not beside this module's sources. */
  scriptsDir?: string;
  /** Run the speed benchmark (Model B and MobileNet V2 at batch 64 and 256). */
  bench: boolean;
}

export interface TrainCheckResult {
  device: DeviceKind;
  /** What computed the matrix products. */
  gemm: string | null;
  /** ||TF32 - CPU|| / ||CPU|| of the product and convolution checks (null: not measured). */
  tf32RelativeError: number | null;
  /** Clip accuracy of the short `asc train`, on the CPU path and on asc-cuda. */
  accuracy: { cpu: number; cuda: number } | null;
  bench: (CudaTrainBenchResult | { model: string; batch: number; error: string })[];
}

const SHAPE: [number, number, number] = [32, 32, 2];

interface Epoch {
  losses: number[];
  accuracy: number;
  weights: Float32Array[];
  roundTrips: Record<string, number>;
}

/** One epoch of the trainer (three steps of batch 8 with 12 clips) on `backend`. */
async function trainerEpoch(
  tf: Tf,
  backend: string,
  spec: ArchSpec | string,
  clips = 12,
): Promise<Epoch> {
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
  const recipe: Recipe = { ...SEARCH_RECIPE, batchSize: 8 };
  const { trainer, inputs } = syntheticTrainer({
    tf,
    model,
    set,
    recipe,
    classes: 3,
    rngs: { shuffle: Rng.fromSeed(3).state(), mixup: Rng.fromSeed(4).state() },
  });
  try {
    resetCudaKernelDispatchCounts();
    const { record } = await trainer.runEpoch(0);
    return {
      losses: [record.trainLoss, record.testLoss],
      accuracy: record.testAccuracy,
      weights: model.weights.map((w) => Float32Array.from(w.read().dataSync())),
      roundTrips: cudaRoundTrips(),
    };
  } finally {
    trainer.dispose();
    inputs.dispose();
    model.dispose();
    await tf.setBackend('cpu');
  }
}

function noRoundTrips(what: string, e: Epoch): void {
  if (Object.keys(e.roundTrips).length > 0) {
    throw new Error(`${what}: host round trips ${JSON.stringify(e.roundTrips)}`);
  }
}

/**
 * The trainer on asc-cuda (registered on `device`) against the CPU path: three steps of
 * Model B to 1e-3, byte-identical reruns, random candidates without round trips, and
 * flat memory over many steps.
 */
export function trainerChecks(tf: Tf, device: DeviceKind): DeviceCheck[] {
  const on = (check: DeviceCheck): DeviceCheck => ({
    name: check.name,
    run: () => {
      registerCudaBackend(tf, { device });
      return check.run();
    },
  });
  return [
    on({
      name: 'three training steps of Model B equal the CPU path to 1e-3, without round trips',
      run: async () => {
        const cpu = await trainerEpoch(tf, 'cpu', 'B');
        const cuda = await trainerEpoch(tf, 'asc-cuda', 'B');
        noRoundTrips('Model B', cuda);
        const lossError = Math.max(
          ...cuda.losses.map((l, i) => Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i])),
        );
        let weightError = 0;
        cpu.weights.forEach((w, i) =>
          w.forEach((v, j) => {
            weightError = Math.max(
              weightError,
              Math.abs(v - cuda.weights[i][j]) / Math.max(1, Math.abs(v)),
            );
          }),
        );
        if (!(lossError <= 1e-3) || !(weightError < 1e-3) || cuda.accuracy !== cpu.accuracy) {
          throw new Error(
            `losses ${JSON.stringify(cuda.losses)} vs ${JSON.stringify(cpu.losses)}, ` +
              `weights off by ${weightError}, accuracy ${cuda.accuracy} vs ${cpu.accuracy}`,
          );
        }
        return `losses within ${lossError.toExponential(2)}, weights within ${weightError.toExponential(2)}`;
      },
    }),
    on({
      name: 'two training runs are identical to the byte',
      run: async () => {
        const first = await trainerEpoch(tf, 'asc-cuda', 'B');
        const second = await trainerEpoch(tf, 'asc-cuda', 'B');
        const same =
          first.losses.every((l, i) => Object.is(l, second.losses[i])) &&
          first.weights.every((w, i) =>
            Buffer.from(w.buffer).equals(Buffer.from(second.weights[i].buffer)),
          );
        if (!same)
          throw new Error(
            `losses ${JSON.stringify(first.losses)} then ${JSON.stringify(second.losses)}`,
          );
        return `${first.weights.length} weight tensors identical`;
      },
    }),
    on({
      name: 'random candidates train and infer without round trips',
      run: async () => {
        const sampler = new RandomSampler({ seed: 11 });
        const ids: string[] = [];
        for (const index of [0, 1, 2]) {
          const { spec, archId } = sampler.at(index);
          const e = await trainerEpoch(tf, 'asc-cuda', spec, 4);
          noRoundTrips(archId, e);
          if (!Number.isFinite(e.losses[0])) throw new Error(`${archId}: loss ${e.losses[0]}`);
          ids.push(archId);
        }
        return ids.join(', ');
      },
    }),
    on({
      name: 'tensors and device memory are the same after step 10 and step 40',
      run: async () => {
        await tf.setBackend('asc-cuda');
        const model = resolveModel('B').build(tf, { inputShape: [16, 16, 2], classes: 3 });
        const variables = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
        const x = tf.randomNormal([4, 16, 16, 2], 0, 1, 'float32', 5);
        const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3).toFloat());
        const optimizer = tf.train.adam(1e-3);
        const step = async () => {
          const loss = optimizer.minimize(
            () =>
              tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tfjs.Tensor),
            true,
            variables,
          ) as tfjs.Tensor;
          await loss.data();
          loss.dispose();
        };
        const snapshot = () => {
          const m = (tf.backend() as AscCudaBackend).memory().device;
          return JSON.stringify({
            tensors: tf.memory().numTensors,
            inUse: m.inUseBytes,
            pooled: m.pooledBytes,
          });
        };
        try {
          for (let i = 0; i < 10; i++) await step();
          const atTen = snapshot();
          for (let i = 0; i < 30; i++) await step();
          const atForty = snapshot();
          if (atForty !== atTen) throw new Error(`step 10 ${atTen}, step 40 ${atForty}`);
          return atTen;
        } finally {
          optimizer.dispose();
          tf.dispose([x, y]);
          model.dispose();
          await tf.setBackend('cpu');
        }
      },
    }),
  ];
}

/** ||a - b|| / ||b|| over all outputs. */
function normError(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let norm = 0;
  b.forEach((v, i) =>
    v.forEach((e, j) => {
      diff += (a[i][j] - e) ** 2;
      norm += e * e;
    }),
  );
  return Math.sqrt(diff / norm);
}

/**
 * Products and convolutions of the zoo's sizes, for the TF32 and no-cuBLAS checks; the
 * inputs are made inside (seeded), since the backend is registered again between checks.
 */
function productWork(tf: Tf): () => tfjs.Tensor[] {
  return () => {
    const x = tf.randomNormal([16, 32, 32, 24], 0, 1, 'float32', 1) as tfjs.Tensor4D;
    const w = tf.randomNormal([1, 1, 24, 72], 0, 0.2, 'float32', 2) as tfjs.Tensor4D;
    const stem = tf.randomNormal([3, 3, 24, 16], 0, 0.2, 'float32', 3) as tfjs.Tensor4D;
    const a = tf.randomNormal([64, 300], 0, 1, 'float32', 4);
    const b = tf.randomNormal([300, 130], 0, 1, 'float32', 5);
    return [
      tf.conv2d(x, w, 1, 'same'),
      tf.conv2d(x, stem, 2, 'same'),
      tf.matMul(a, b),
      ...tf.grads((p: tfjs.Tensor) =>
        tf
          .conv2d(p as tfjs.Tensor4D, w, 1, 'same')
          .square()
          .sum(),
      )([x]),
    ];
  };
}

export async function runTrainCheck(
  o: TrainCheckOptions,
  out: Output,
  test: CheckRunner,
): Promise<TrainCheckResult> {
  const { tf, device } = o;
  const result: TrainCheckResult = {
    device,
    gemm: null,
    tf32RelativeError: null,
    accuracy: null,
    bench: [],
  };
  let handle;
  try {
    handle = registerCudaBackend(tf, { device, threads: o.threads });
  } catch (err) {
    await test(`asc-cuda on ${device}`, () => Promise.reject(err));
    return result;
  }
  result.gemm = handle.gemm;
  out.info(`asc-cuda: ${handle.description}`);
  for (const c of cudaKernelChecks(tf, device))
    await test(`asc-cuda kernels: ${c.name}`, () => c.run());

  const work = productWork(tf);
  const cublas = handle.gemm.startsWith('cublas');
  await test(
    'asc-cuda products without cuBLAS (the built-in kernel) equal the CPU to 1e-4',
    async () => {
      registerCudaBackend(tf, { device, cublas: false });
      try {
        const r = await compareBackends(tf, work);
        const e = normError(r.cuda, r.cpu);
        if (!(e <= 1e-4)) throw new Error(`||built-in - CPU|| / ||CPU|| = ${e}`);
        return `||built-in - CPU|| / ||CPU|| = ${e.toExponential(2)}`;
      } finally {
        registerCudaBackend(tf, { device });
      }
    },
    cublas
      ? undefined
      : `cuBLAS is not loaded (${handle.gemm}): every check above used the built-in kernel`,
  );
  await test(
    'TF32 products (opt-in) within their tolerance, 2e-3 of the norm',
    async () => {
      registerCudaBackend(tf, { device, tf32: true });
      try {
        const r = await compareBackends(tf, work);
        const e = normError(r.cuda, r.cpu);
        result.tf32RelativeError = e;
        if (!(e <= 2e-3)) throw new Error(`||TF32 - CPU|| / ||CPU|| = ${e}`);
        return `||TF32 - CPU|| / ||CPU|| = ${e.toExponential(2)}`;
      } finally {
        registerCudaBackend(tf, { device });
      }
    },
    cublas ? undefined : 'TF32 needs cuBLAS',
  );
  for (const c of trainerChecks(tf, device))
    await test(`asc-cuda trainer: ${c.name}`, () => c.run());

  await test(
    'a short asc train on the synthetic set: asc-cuda reaches the CPU path accuracy within noise',
    async () => {
      const data = path.join(o.workDir, 'train-data');
      const report = await synthesizeWithProgress(
        { outDir: data, clips: 48, seed: 3, seconds: 4, difficulty: 0.3, threads: o.threads },
        out,
      );
      const cache = path.join(o.workDir, 'train-cache');
      await extractFeatures({ datasetDir: data, cacheDir: cache, threads: o.threads }, out);
      const recipe = { base: 'final', epochs: 2, batchSize: 16 } as unknown as Recipe;
      const train = async (backend: 'cpu' | 'cuda') =>
        trainRun({
          model: 'B',
          datasetDir: data,
          cacheDir: cache,
          runDir: path.join(o.workDir, `train-${backend}`),
          recipe,
          seed: 1,
          backend,
          threads: o.threads,
          onInfo: (line) => out.info(line),
        });
      const cpu = await train('cpu');
      const cuda = await train('cuda');
      const [a, b] = [cpu.history.at(-1)!.testAccuracy, cuda.history.at(-1)!.testAccuracy];
      result.accuracy = { cpu: a, cuda: b };
      const clips = Object.values(report.splits.evaluate).reduce((s, n) => s + n, 0);
      // Two standard errors of an accuracy over this many clips.
      const noise = 2 * Math.sqrt(Math.max(a * (1 - a), 0.05) / clips);
      if (Math.abs(a - b) > noise)
        throw new Error(`accuracy ${b} on asc-cuda, ${a} on the CPU (noise ${noise})`);
      return `accuracy ${(100 * b).toFixed(1)} % on asc-cuda, ${(100 * a).toFixed(1)} % on the CPU (${clips} clips)`;
    },
    device === 'cuda' ? undefined : 'the emulated device takes minutes for this (run with the GPU)',
  );

  if (o.bench) {
    for (const model of ['B', 'mobilenet-v2']) {
      for (const batch of [64, 256]) {
        try {
          const r = await benchCuda(
            {
              model,
              batch,
              steps: 5,
              threads: o.threads,
              torch: o.python !== null,
              profile: batch === 64 && model === 'B',
              device: 'cuda',
              js: false,
              jsBatch: 2,
              reuseComparison: false,
            },
            out,
            { python: o.python ?? undefined, scriptsDir: o.scriptsDir },
          );
          result.bench.push(r);
        } catch (err) {
          result.bench.push({
            model,
            batch,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    const b64 = result.bench.find(
      (r) => r.model === 'B' && r.batch === 64 && 'cudaTrainSamplesPerSec' in r,
    ) as CudaTrainBenchResult | undefined;
    await test(
      'bench: no host round trips in the timed training and inference steps',
      async () => {
        const trips = result.bench.filter(
          (r) => 'roundTripKernels' in r && Object.keys(r.roundTripKernels).length > 0,
        );
        if (trips.length > 0)
          throw new Error(
            JSON.stringify(
              trips.map((r) => [r.model, r.batch, (r as CudaTrainBenchResult).roundTripKernels]),
            ),
          );
        return `${result.bench.length} runs`;
      },
      b64 ? undefined : 'the Model B run failed',
    );
  }
  unregisterCudaBackend(tf);
  return result;
}
