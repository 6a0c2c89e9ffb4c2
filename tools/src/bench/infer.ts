import * as os from 'os';
import type * as tfjs from '@tensorflow/tfjs';
import type { Argv } from 'yargs';
import {
  nativeKernelDispatchCounts,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
} from '@asc/native';
import { OnnxModel, exportOnnx, type CalibrationBatch } from '@asc/onnx';
import { foldedSeedRng } from '@asc/core';
import { DEFAULT_WEIGHT_INIT, foldBatchNorms, resolveModel, type WeightInit } from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import { checkPositiveIntegers, initFlag, type InitArgs } from '../cli/flags';
import type { Output } from '../cli/output';
import { profileKernels, showKernels, type KernelTime } from './train';

type Tf = typeof tfjs;

interface InferBenchArgs extends InitArgs {
  model: string;
  batch: number[];
  threads: number;
  seconds: number;
  wasm: boolean;
  profile: boolean;
}

/** One batch size's figures (the keys first); null where a runtime was skipped. */
export interface InferBenchRow {
  batch: number;
  /** The inference model: batch norms folded into the convolutions (foldBatchNorms). */
  nativeInferSamplesPerSec: number;
  /** The training graph as it is (a batch-norm kernel after each convolution). */
  nativeUnfoldedInferSamplesPerSec: number;
  ortInferSamplesPerSec: number;
  ortInt8InferSamplesPerSec: number;
  wasmInferSamplesPerSec: number | null;
  /** Ours over onnxruntime float32 (the target: >= 1 at batch 64). */
  nativeOverOrt: number;
  /** Process CPU milliseconds (all threads) per sample: steadier than rates on a busy machine. */
  nativeCpuMsPerSample: number;
  ortCpuMsPerSample: number;
  ortInt8CpuMsPerSample: number;
  wasmCpuMsPerSample: number | null;
  /**
   * With --profile: one native inference batch's kernels, longest first; `js` marks those
   * that ran in tfjs's JS kernels (not replaced, or declined by ours).
   */
  nativeKernels?: (KernelTime & { js: boolean })[];
}

/** `asc bench infer --json`. */
export interface InferBenchResult {
  model: string;
  /** The model's initial weights and stem (--init). */
  init: WeightInit;
  params: number;
  threads: number;
  /** tfjs's WebAssembly backend runs one thread in Node (tfjs issue 3830). */
  wasmThreads: number;
  results: InferBenchRow[];
  /** 1-minute load average when the run started: other work on the machine slows it. */
  loadAverage: number;
  /** Segments the int8 model was calibrated on (synthetic scalogram-like noise). */
  calibrationSegments: number;
}

interface Rate {
  samplesPerSec: number;
  cpuMsPerSample: number;
}

/**
 * Runs `step` (one batch) once to warm up, then for at least `seconds` and 3 times; the
 * rate is over wall time, the CPU figure over the process's user + system time.
 */
async function measure(
  step: () => Promise<unknown> | unknown,
  batch: number,
  seconds: number,
): Promise<Rate> {
  await step();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let runs = 0;
  let elapsed = 0;
  while (runs < 3 || elapsed < seconds) {
    await step();
    runs++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    samplesPerSec: (runs * batch) / elapsed,
    cpuMsPerSample: (cpu.user + cpu.system) / 1e3 / (runs * batch),
  };
}

/** Scalogram-like segments in dB (the model normalises them), seeded. */
function segments(count: number, size: number, seed: number): Float32Array {
  const r = foldedSeedRng(seed);
  return Float32Array.from({ length: count * size }, () => -40 + 15 * r.normal());
}

async function bench(args: InferBenchArgs, out: Output): Promise<InferBenchResult> {
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const resolved = resolveModel(args.model);
  const init = args.init ?? DEFAULT_WEIGHT_INIT;
  const loadAverage = os.loadavg()[0];
  out.info(
    `${resolved.name} (${init} init): ${resolved.params.toLocaleString('en')} parameters, batches ${args.batch.join(', ')}, ` +
      `${args.threads} threads (wasm: 1), at least ${args.seconds} s per figure (load average ${loadAverage.toFixed(1)})`,
  );
  const handle = registerNativeKernels(tf, { threads: args.threads });
  if (!handle.active) throw new CommandFailed(`native kernels unavailable: ${handle.reason}`);
  const model = resolved.build(tf, { seed: 1, init });
  const [h, w, c] = (model.inputs[0].shape as number[]).slice(1);
  const size = h * w * c;
  // The same input statistics for every runtime: the ONNX graph applies them itself.
  const mean = new Float32Array(w * c).fill(-40);
  const scale = new Float32Array(w * c).fill(15);
  const meanT = tf.tensor4d(mean, [1, 1, w, c]);
  const scaleT = tf.tensor4d(scale, [1, 1, w, c]);
  const folded = foldBatchNorms(tf, model);
  const tfjsStep = (m: tfjs.LayersModel, x: Float32Array, batch: number) => () =>
    tf.tidy(() =>
      tf
        .sigmoid(
          m.predict(tf.div(tf.sub(tf.tensor4d(x, [batch, h, w, c]), meanT), scaleT), {
            batchSize: batch,
          }) as tfjs.Tensor,
        )
        .dataSync(),
    );
  const calibrationSegments = 64;
  const calibration: CalibrationBatch[] = [
    { segments: segments(calibrationSegments, size, 7), count: calibrationSegments },
  ];
  const normalisation = { mean, scale };
  const float = await exportOnnx(model, { dtype: 'float32', normalisation });
  const int8 = await exportOnnx(model, {
    dtype: 'int8',
    normalisation,
    calibration,
    threads: args.threads,
  });
  // Deployment settings: every graph optimisation (QDQ becomes integer kernels).
  const ort = await OnnxModel.open(float.bytes, { threads: args.threads, optimization: 'all' });
  const ortInt8 = await OnnxModel.open(int8.bytes, { threads: args.threads, optimization: 'all' });

  const profileNative = async (step: () => unknown) => {
    resetNativeKernelDispatchCounts();
    const kernels = await profileKernels(tf, step);
    const counts = nativeKernelDispatchCounts();
    return kernels.map((k) => ({
      ...k,
      js: !(counts[k.kernel]?.native > 0) || counts[k.kernel].fallback > 0,
    }));
  };

  const rows: InferBenchRow[] = [];
  try {
    for (const batch of args.batch) {
      const x = segments(batch, size, batch);
      const native = await measure(tfjsStep(folded, x, batch), batch, args.seconds);
      const unfolded = await measure(tfjsStep(model, x, batch), batch, args.seconds);
      const nativeKernels = args.profile
        ? await profileNative(tfjsStep(folded, x, batch))
        : undefined;
      const o = await measure(() => ort.run(x, batch), batch, args.seconds);
      const q = await measure(() => ortInt8.run(x, batch), batch, args.seconds);
      rows.push({
        batch,
        nativeInferSamplesPerSec: native.samplesPerSec,
        nativeUnfoldedInferSamplesPerSec: unfolded.samplesPerSec,
        ortInferSamplesPerSec: o.samplesPerSec,
        ortInt8InferSamplesPerSec: q.samplesPerSec,
        wasmInferSamplesPerSec: null,
        nativeOverOrt: native.samplesPerSec / o.samplesPerSec,
        nativeCpuMsPerSample: native.cpuMsPerSample,
        ortCpuMsPerSample: o.cpuMsPerSample,
        ortInt8CpuMsPerSample: q.cpuMsPerSample,
        wasmCpuMsPerSample: null,
        ...(nativeKernels ? { nativeKernels } : {}),
      });
    }
  } finally {
    await ort.release();
    await ortInt8.release();
    unregisterNativeKernels(tf);
  }

  if (args.wasm) {
    // The same weights on tfjs's WebAssembly backend.
    const weights = model
      .getWeights()
      .map((t) => ({ shape: t.shape, values: t.dataSync().slice() }));
    require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm')))
      throw new CommandFailed('the tfjs wasm backend did not start');
    const wasmModel = resolved.build(tf, { seed: 1, init });
    wasmModel.setWeights(weights.map((t) => tf.tensor(t.values, t.shape)));
    const wasmMean = tf.tensor4d(mean, [1, 1, w, c]);
    const wasmScale = tf.tensor4d(scale, [1, 1, w, c]);
    for (const row of rows) {
      const x = segments(row.batch, size, row.batch);
      const r = await measure(
        () =>
          tf.tidy(() =>
            tf
              .sigmoid(
                wasmModel.predict(
                  tf.div(tf.sub(tf.tensor4d(x, [row.batch, h, w, c]), wasmMean), wasmScale),
                  { batchSize: row.batch },
                ) as tfjs.Tensor,
              )
              .dataSync(),
          ),
        row.batch,
        args.seconds,
      );
      row.wasmInferSamplesPerSec = r.samplesPerSec;
      row.wasmCpuMsPerSample = r.cpuMsPerSample;
    }
    wasmModel.dispose();
    tf.dispose([wasmMean, wasmScale]);
    await tf.setBackend('cpu');
  }
  model.dispose();
  folded.dispose();
  tf.dispose([meanT, scaleT]);

  for (const r of rows) {
    const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
    const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
    out.info(
      `batch ${r.batch}: native ${f(r.nativeInferSamplesPerSec)} ` +
        `(batch norms unfolded ${f(r.nativeUnfoldedInferSamplesPerSec)}), onnxruntime float32 ${f(r.ortInferSamplesPerSec)}, ` +
        `int8 ${f(r.ortInt8InferSamplesPerSec)}, tfjs wasm ${f(r.wasmInferSamplesPerSec)} samples/s; ` +
        `native / onnxruntime ${r.nativeOverOrt.toFixed(2)}x`,
    );
    out.info(
      `  CPU ms per sample: native ${ms(r.nativeCpuMsPerSample)}, onnxruntime ${ms(r.ortCpuMsPerSample)}, ` +
        `int8 ${ms(r.ortInt8CpuMsPerSample)}, wasm ${ms(r.wasmCpuMsPerSample)}`,
    );
    if (r.nativeKernels) {
      const js = new Set(r.nativeKernels.filter((k) => k.js).map((k) => k.kernel));
      showKernels(out, r.nativeKernels, {
        what: 'in kernels',
        rows: 15,
        digits: 2,
        step: `native, one batch of ${r.batch}`,
        note: (k) => (js.has(k.kernel) ? ' (tfjs JS)' : ''),
      });
    }
  }
  return {
    model: resolved.name,
    init,
    params: resolved.params,
    threads: args.threads,
    wasmThreads: 1,
    results: rows,
    loadAverage,
    calibrationSegments,
  };
}

/** `asc bench infer`: inference of one model on our kernels, onnxruntime and tfjs-wasm. */
export const inferBenchCommand = defineCommand<InferBenchArgs>({
  command: 'infer',
  describe:
    'Inference throughput: tfjs with our native kernels, onnxruntime float32 and int8, tfjs wasm',
  builder: (y: Argv<GlobalOptions>) =>
    initFlag(y, 'the model', DEFAULT_WEIGHT_INIT)
      .option('model', { type: 'string', default: 'B', describe: 'Model to run (asc zoo list)' })
      .option('batch', {
        type: 'number',
        array: true,
        default: [1, 64],
        describe: 'Batch sizes',
      })
      .option('threads', { type: 'number', default: 2, describe: 'Compute threads' })
      .option('seconds', {
        type: 'number',
        default: 3,
        describe: 'Minimum seconds timed per runtime and batch',
      })
      .option('wasm', {
        type: 'boolean',
        default: true,
        describe: 'Include tfjs-backend-wasm (--no-wasm skips it)',
      })
      .option('profile', {
        type: 'boolean',
        default: false,
        describe: "Time one more native batch's kernels (tf.profile) and list them",
      }) as unknown as Argv<InferBenchArgs & GlobalOptions>,
  run: async (args, out) => {
    checkPositiveIntegers({ '--threads': args.threads });
    for (const b of args.batch) checkPositiveIntegers({ '--batch': b });
    if (!(args.seconds > 0))
      throw new UsageError(`--seconds must be positive, got ${args.seconds}`);
    return bench(args, out);
  },
});
