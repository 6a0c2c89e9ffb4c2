import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tfjs from '@tensorflow/tfjs';
import type { Argv } from 'yargs';
import {
  cudaRoundTrips,
  nativeKernelMemoryStats,
  registerCudaBackend,
  registerNativeKernels,
  resetCudaKernelDispatchCounts,
  unregisterNativeKernels,
  type AscCudaBackend,
  type DeviceKind,
} from '@asc/native';
import { AdamL2 } from '@asc/trainer';
import { DEFAULT_WEIGHT_INIT, resolveModel, type ArchSpec, type WeightInit } from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { checkPositiveIntegers, initFlag, type InitArgs } from '../cli/flags';

type Tf = typeof tfjs;

export interface TrainBenchArgs extends InitArgs {
  model: string;
  threads?: number;
  steps: number;
  batch: number;
  jsBatch: number;
  js: boolean;
  torch: boolean;
  reuseComparison: boolean;
  profile: boolean;
  device: 'cpu' | 'cuda';
}

/** Time a training step spends in one kernel (tf.profile of one step, --profile). */
export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/** `asc bench train --json` (the issue's keys first). */
export interface TrainBenchResult {
  model: string;
  /** The models' initial weights and stem (--init). */
  init: WeightInit;
  nativeTrainSamplesPerSec: number;
  nativeInferSamplesPerSec: number;
  jsTrainSamplesPerSec: number | null;
  torchTrainSamplesPerSec: number | null;
  torchInferSamplesPerSec: number | null;
  threads: number;
  jsInferSamplesPerSec: number | null;
  params: number;
  batch: number;
  /** The JS kernels run at this (small) batch: one step at 64 would take many minutes. */
  jsBatch: number;
  steps: number;
  /** Seconds of each timed native training step: their spread shows the machine's noise. */
  nativeTrainStepSeconds: number[];
  nativeTrainOverTorch: number | null;
  nativeInferOverTorch: number | null;
  nativeTrainOverJs: number | null;
  nativeInferOverJs: number | null;
  /** Training with fresh output arrays for every op (--reuse-comparison). */
  nativeTrainNoReuseSamplesPerSec?: number;
  torchAllocator?: 'jemalloc' | 'default';
  torchVersion?: string;
  torchError?: string;
  /**
   * Process CPU seconds (all threads) per training step, ours and PyTorch's: on a shared
   * machine the wall-clock rates follow the load, CPU time much less.
   */
  nativeTrainCpuSecondsPerStep: number;
  torchTrainCpuSecondsPerStep: number | null;
  /** 1-minute load average when the run started: other work on the machine slows it. */
  loadAverage: number;
  /** OpenBLAS's kernel set for the native run. */
  blasCore: string;
  /** With --profile: one native training step's kernels, by time spent, longest first. */
  nativeTrainKernels?: KernelTime[];
}

interface Throughput {
  trainSamplesPerSec: number;
  inferSamplesPerSec: number;
  stepSeconds: number[];
  /** Process CPU seconds (all threads) per training step. */
  trainCpuSecondsPerStep: number;
  /** The model's input (height, width, channels) and number of classes. */
  inputShape: number[];
  classes: number;
  /** One more training step's kernels (when asked for), by time spent. */
  kernels?: KernelTime[];
}

/** The kernels of one call of `step` by total time, from tf.profile (wall ms per kernel). */
export async function profileKernels(
  tf: Tf,
  step: () => Promise<unknown> | unknown,
): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    await step();
    return [];
  });
  const byName = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    // Op scopes ('fusedConv2d__op') are listed too, with their kernels' time inside.
    if (k.name.endsWith('__op')) continue;
    const entry = byName.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += Number(k.kernelTimeMs) || 0;
    byName.set(k.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}

type BuildModel = (tf: Tf) => tfjs.LayersModel;

/**
 * Training (forward, backward, Adam: the trainer's step, without its data pipeline) and
 * inference throughput of a fresh model.
 */
async function measureTfjs(
  tf: Tf,
  build: BuildModel,
  batch: number,
  steps: number,
  warmup: number,
  profile = false,
): Promise<Throughput> {
  const model = build(tf);
  const inputShape = (model.inputs[0].shape as number[]).slice(1);
  const classes = (model.outputs[0].shape as number[])[1];
  const variables = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
  // PyTorch's torch.optim.Adam defaults, as torch_model.py uses them.
  const optimizer = new AdamL2(tf, variables, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0,
  });
  const x = tf.randomNormal([batch, ...inputShape]);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32') as tfjs.Tensor1D, classes).toFloat(),
  );
  const trainStep = async (): Promise<void> => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tfjs.Tensor),
        variables,
      );
      optimizer.applyGradients(
        variables.map((v) => grads[v.name]),
        1e-3,
      );
      return value;
    });
    await loss.data();
    loss.dispose();
  };
  try {
    for (let i = 0; i < warmup; i++) await trainStep();
    const stepSeconds: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const t0 = process.hrtime.bigint();
      await trainStep();
      stepSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const cpu = process.cpuUsage(cpu0);
    const trainCpuSecondsPerStep = (cpu.user + cpu.system) / 1e6 / steps;
    const kernels = profile ? await profileKernels(tf, trainStep) : undefined;
    const infer = () =>
      tf.tidy(() => (model.predict(x, { batchSize: batch }) as tfjs.Tensor).dataSync());
    for (let i = 0; i < warmup; i++) infer();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) infer();
    const inferSeconds = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
    const trainSeconds = stepSeconds.reduce((a, b) => a + b, 0) / steps;
    return {
      trainSamplesPerSec: batch / trainSeconds,
      inferSamplesPerSec: batch / inferSeconds,
      stepSeconds,
      trainCpuSecondsPerStep,
      inputShape,
      classes,
      ...(kernels ? { kernels } : {}),
    };
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

const JEMALLOC_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
];

// Debian's python3-torch lives in the system Python, which a pyenv shim may hide; a CUDA
// PyTorch is the python3 on the PATH (a GPU machine's virtual environment).
function torchPython(device: 'cpu' | 'cuda'): string {
  if (process.env.ASC_TORCH_PYTHON) return process.env.ASC_TORCH_PYTHON;
  if (device === 'cuda') return 'python3';
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function hasTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's PyTorch (and jemalloc) when missing and we may; returns why not. */
function ensureTorch(python: string, out: Output): string | null {
  if (hasTorch(python)) return null;
  if (process.getuid?.() !== 0) return `${python} cannot import torch (apt install python3-torch)`;
  out.info('PyTorch is missing: apt-get install python3-torch libjemalloc2 ...');
  const r = spawnSync(
    'apt-get',
    ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', 'python3-torch', 'libjemalloc2'],
    { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
  if (r.status !== 0 || !hasTorch(python)) {
    return `installing python3-torch failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
  }
  return null;
}

/** Where the PyTorch reference runs: a python3 with torch, the folder of torch_model.py. */
export interface TorchLocation {
  python?: string;
  scriptsDir?: string;
}

interface TorchResult {
  /** Parameters of the PyTorch model: the zoo's count when both build the same network. */
  params: number;
  trainSamplesPerSec: number;
  inferSamplesPerSec: number;
  trainCpuSecondsPerStep: number;
  torchVersion: string;
  allocator: 'jemalloc' | 'default';
  /** The device PyTorch ran on ('cpu' or the GPU's name). */
  device: string;
}

function runTorch(
  what: { spec: ArchSpec } | { model: 'mobilenet-v2' },
  inputShape: number[],
  classes: number,
  batch: number,
  threads: number,
  steps: number,
  blasCore: string,
  out: Output,
  device: 'cpu' | 'cuda' = 'cpu',
  where: TorchLocation = {},
): TorchResult | { error: string } {
  const python = where.python ?? torchPython(device);
  // Debian's PyTorch has no CUDA: on a GPU machine PyTorch is there or it is not.
  const missing =
    device === 'cuda'
      ? hasTorch(python)
        ? null
        : `${python} cannot import torch (set ASC_TORCH_PYTHON to a CUDA PyTorch's python)`
      : ensureTorch(python, out);
  if (missing) return { error: missing };
  const jemalloc = JEMALLOC_PATHS.find((p) => fs.existsSync(p));
  const env = { ...process.env };
  // Debian's PyTorch uses OpenBLAS too, and on a VM that hides the CPU model it needs the
  // same core type we give ours (about 2x faster training here): its fastest setup.
  if (!env.OPENBLAS_CORETYPE && blasCore) env.OPENBLAS_CORETYPE = blasCore;
  if (jemalloc) {
    env.LD_PRELOAD = jemalloc;
    env.MALLOC_CONF = 'oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1';
  } else {
    out.warn('libjemalloc2 not found: PyTorch runs with the default allocator (slower)');
  }
  const script = path.join(
    where.scriptsDir ?? path.join(__dirname, '..', '..', 'bench'),
    'torch_model.py',
  );
  const [height, width, channels] = inputShape;
  const r = spawnSync(
    python,
    [
      script,
      ...('spec' in what ? ['--spec', JSON.stringify(what.spec)] : ['--model', what.model]),
      ...['--threads', `${threads}`, '--batch', `${batch}`, '--classes', `${classes}`],
      ...['--height', `${height}`, '--width', `${width}`, '--channels', `${channels}`],
      ...['--train-steps', `${steps}`, '--infer-steps', `${steps}`],
      ...['--device', device],
    ],
    { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) {
    return { error: `torch_model.py failed (${r.status}): ${r.stderr.trim().split('\n').pop()}` };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as Omit<TorchResult, 'allocator'>;
    return { ...parsed, allocator: jemalloc ? 'jemalloc' : 'default' };
  } catch {
    return { error: `torch_model.py printed no JSON result: ${line.slice(0, 200)}` };
  }
}

type TorchDefinition = { spec: ArchSpec } | { model: 'mobilenet-v2' };

/** What torch_model.py builds for a zoo model: its spec, MobileNet V2, or nothing. */
function torchDefinition(resolved: ReturnType<typeof resolveModel>): TorchDefinition | null {
  if (resolved.spec) return { spec: resolved.spec };
  return resolved.name === 'mobilenet-v2' ? { model: 'mobilenet-v2' } : null;
}

/**
 * The PyTorch reference of `resolved`: `run` with its torch_model.py definition, or an
 * error where there is none, or where it builds another network (another parameter
 * count: then there is nothing to compare). Reported on `out`, `where` saying what ran it.
 */
function torchReference(
  resolved: ReturnType<typeof resolveModel>,
  out: Output,
  run: (what: TorchDefinition) => TorchResult | { error: string },
  where: (torch: TorchResult) => string,
): TorchResult | { error: string } {
  const what = torchDefinition(resolved);
  let torch = what
    ? run(what)
    : { error: `no PyTorch definition of ${resolved.name} in torch_model.py` };
  if (!('error' in torch) && torch.params !== resolved.params) {
    torch = {
      error:
        `torch_model.py built ${torch.params} parameters, the zoo's ${resolved.name} has ` +
        `${resolved.params}: not the same network, so no comparison`,
    };
  }
  if ('error' in torch) {
    out.warn(`PyTorch reference: ${torch.error}`);
  } else {
    out.info(
      `PyTorch ${torch.torchVersion} ${where(torch)}: train ${fmt(torch.trainSamplesPerSec)} ` +
        `samples/s, infer ${fmt(torch.inferSamplesPerSec)} samples/s`,
    );
  }
  return torch;
}

/**
 * The longest `rows` kernels of a profiled step (`step`: what it was, default one training
 * step), one line each: milliseconds to `digits` decimals (the step's total to one fewer),
 * `what` the kind of time, `note` a remark on a kernel.
 */
export function showKernels(
  out: Output,
  kernels: KernelTime[],
  o: {
    what: string;
    rows: number;
    digits: number;
    step?: string;
    note?: (k: KernelTime) => string;
  },
): void {
  const total = kernels.reduce((t, k) => t + k.ms, 0);
  out.info(
    `  ${o.step ?? 'one training step'}, ${total.toFixed(o.digits - 1)} ms ${o.what}; the longest:`,
  );
  for (const k of kernels.slice(0, o.rows)) {
    out.info(
      `    ${k.kernel.padEnd(38)} ${String(k.calls).padStart(5)} calls ` +
        `${k.ms.toFixed(o.digits).padStart(o.digits + 7)} ms ` +
        `${((100 * k.ms) / total).toFixed(1).padStart(5)} %${o.note?.(k) ?? ''}`,
    );
  }
}

function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? a / b : null;
}

function fmt(v: number | null, digits = 1): string {
  return v === null ? 'n/a' : v.toFixed(digits);
}

async function bench(args: TrainBenchArgs, out: Output): Promise<TrainBenchResult> {
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const resolved = resolveModel(args.model);
  const init = args.init ?? DEFAULT_WEIGHT_INIT;
  const build: BuildModel = (t) => resolved.build(t, { init });
  const threads = args.threads ?? os.cpus().length;
  const loadAverage = os.loadavg()[0];
  out.info(
    `${resolved.name} (${init} init): ${resolved.params.toLocaleString('en')} parameters, batch ${args.batch}, ` +
      `${threads} threads, ${args.steps} timed steps (load average ${loadAverage.toFixed(1)})`,
  );

  let js: Throughput | null = null;
  if (args.js) {
    unregisterNativeKernels(tf);
    out.info(`tfjs JS kernels: one step at batch ${args.jsBatch} ...`);
    js = await measureTfjs(tf, build, args.jsBatch, 1, 0);
    out.info(
      `tfjs JS kernels:   train ${fmt(js.trainSamplesPerSec, 3)} samples/s, ` +
        `infer ${fmt(js.inferSamplesPerSec, 3)} samples/s (batch ${args.jsBatch})`,
    );
  }

  const handle = registerNativeKernels(tf, { threads });
  if (!handle.active) throw new CommandFailed(`native kernels unavailable: ${handle.reason}`);
  const native = await measureTfjs(tf, build, args.batch, args.steps, 1, args.profile);
  const memory = nativeKernelMemoryStats();
  unregisterNativeKernels(tf);
  const steps = native.stepSeconds;
  out.info(
    `tfjs native (OpenBLAS ${handle.blasCore}): train ${fmt(native.trainSamplesPerSec)} samples/s ` +
      `(steps ${Math.min(...steps).toFixed(2)}-${Math.max(...steps).toFixed(2)} s), ` +
      `infer ${fmt(native.inferSamplesPerSec)} samples/s`,
  );
  if (memory) {
    out.info(
      `  output memory: ${(memory.reusedBytes / 2 ** 30).toFixed(1)} GiB reused, ` +
        `${(memory.freshBytes / 2 ** 30).toFixed(1)} GiB fresh`,
    );
  }
  if (native.kernels) showKernels(out, native.kernels, { what: 'in kernels', rows: 15, digits: 1 });

  const torch = args.torch
    ? torchReference(
        resolved,
        out,
        (what) =>
          runTorch(
            what,
            native.inputShape,
            native.classes,
            args.batch,
            threads,
            args.steps,
            handle.blasCore,
            out,
          ),
        (t) => `(${t.allocator})`,
      )
    : null;
  // Last: its garbage (gigabytes of arrays waiting for the GC) slows whatever runs next.
  let noReuse: Throughput | null = null;
  if (args.reuseComparison) {
    unregisterNativeKernels(tf);
    registerNativeKernels(tf, { threads, reuseMemory: false });
    noReuse = await measureTfjs(tf, build, args.batch, args.steps, 1);
    out.info(`tfjs native, fresh arrays: train ${fmt(noReuse.trainSamplesPerSec)} samples/s`);
    unregisterNativeKernels(tf);
  }

  const torchOk = torch && !('error' in torch) ? torch : null;
  const result: TrainBenchResult = {
    model: resolved.name,
    init,
    nativeTrainSamplesPerSec: native.trainSamplesPerSec,
    nativeInferSamplesPerSec: native.inferSamplesPerSec,
    jsTrainSamplesPerSec: js?.trainSamplesPerSec ?? null,
    torchTrainSamplesPerSec: torchOk?.trainSamplesPerSec ?? null,
    torchInferSamplesPerSec: torchOk?.inferSamplesPerSec ?? null,
    threads,
    jsInferSamplesPerSec: js?.inferSamplesPerSec ?? null,
    params: resolved.params,
    batch: args.batch,
    jsBatch: args.jsBatch,
    steps: args.steps,
    nativeTrainStepSeconds: steps,
    nativeTrainOverTorch: ratio(native.trainSamplesPerSec, torchOk?.trainSamplesPerSec ?? null),
    nativeInferOverTorch: ratio(native.inferSamplesPerSec, torchOk?.inferSamplesPerSec ?? null),
    nativeTrainOverJs: ratio(native.trainSamplesPerSec, js?.trainSamplesPerSec ?? null),
    nativeInferOverJs: ratio(native.inferSamplesPerSec, js?.inferSamplesPerSec ?? null),
    nativeTrainCpuSecondsPerStep: native.trainCpuSecondsPerStep,
    torchTrainCpuSecondsPerStep: torchOk?.trainCpuSecondsPerStep ?? null,
    loadAverage,
    blasCore: handle.blasCore,
  };
  if (noReuse) result.nativeTrainNoReuseSamplesPerSec = noReuse.trainSamplesPerSec;
  if (native.kernels) result.nativeTrainKernels = native.kernels;
  if (torchOk) {
    result.torchAllocator = torchOk.allocator;
    result.torchVersion = torchOk.torchVersion;
  } else if (torch && 'error' in torch) {
    result.torchError = torch.error;
  }
  out.info(
    `native / PyTorch:  train ${fmt(result.nativeTrainOverTorch, 2)}x, ` +
      `infer ${fmt(result.nativeInferOverTorch, 2)}x`,
  );
  if (torchOk) {
    out.info(
      `CPU s per training step: native ${native.trainCpuSecondsPerStep.toFixed(2)}, ` +
        `PyTorch ${torchOk.trainCpuSecondsPerStep.toFixed(2)}`,
    );
  }
  out.info(
    `native / JS:       train ${fmt(result.nativeTrainOverJs, 0)}x, ` +
      `infer ${fmt(result.nativeInferOverJs, 0)}x`,
  );
  return result;
}

/** `asc bench train --device cuda --json` (the issue's keys first). */
export interface CudaTrainBenchResult {
  model: string;
  /** The models' initial weights and stem (--init). */
  init: WeightInit;
  cudaTrainSamplesPerSec: number;
  cudaInferSamplesPerSec: number;
  torchCudaTrainSamplesPerSec: number | null;
  torchCudaInferSamplesPerSec: number | null;
  /** Kernels that ran on the CPU through a host round trip in the timed steps, with counts. */
  roundTripKernels: Record<string, number>;
  cudaTrainOverTorch: number | null;
  cudaInferOverTorch: number | null;
  params: number;
  batch: number;
  steps: number;
  /** 'cuda', or 'emulated' (ASC_CUDA_DEVICE=emulated: host loops, for checks). */
  device: DeviceKind;
  /** The device and what computed the matrix products. */
  deviceDescription: string;
  gemm: string;
  tf32: boolean;
  cudaTrainStepSeconds: number[];
  /** The device memory pool's peak over the run, and what it held at the end. */
  devicePeakBytes: number;
  devicePooledBytes: number;
  torchDevice?: string;
  torchVersion?: string;
  torchError?: string;
  loadAverage: number;
  /** With --profile: one training step's kernels by device time, longest first. */
  cudaTrainKernels?: KernelTime[];
}

/** The asc-cuda backend against PyTorch on the same GPU (also run by gpu-check). */
export async function benchCuda(
  args: TrainBenchArgs,
  out: Output,
  torchAt: TorchLocation = {},
): Promise<CudaTrainBenchResult> {
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  tf.enableProdMode();
  const resolved = resolveModel(args.model);
  const init = args.init ?? DEFAULT_WEIGHT_INIT;
  const device: DeviceKind = process.env.ASC_CUDA_DEVICE === 'emulated' ? 'emulated' : 'cuda';
  let handle;
  try {
    handle = registerCudaBackend(tf, {
      device,
      ...(args.threads !== undefined ? { threads: args.threads } : {}),
    });
  } catch (err) {
    throw new CommandFailed(`--device cuda: ${(err as Error).message}`);
  }
  await tf.setBackend(handle.name);
  const loadAverage = os.loadavg()[0];
  out.info(
    `${resolved.name} (${init} init): ${resolved.params.toLocaleString('en')} parameters, batch ${args.batch}, ` +
      `${args.steps} timed steps on ${handle.description} (load average ${loadAverage.toFixed(1)})`,
  );
  resetCudaKernelDispatchCounts();
  const cuda = await measureTfjs(
    tf,
    (t) => resolved.build(t, { init }),
    args.batch,
    args.steps,
    1,
    args.profile,
  );
  const roundTripKernels = cudaRoundTrips();
  const memory = (tf.backend() as AscCudaBackend).memory().device;
  await tf.setBackend('cpu');
  out.info(
    `asc-cuda: train ${fmt(cuda.trainSamplesPerSec)} samples/s, infer ${fmt(cuda.inferSamplesPerSec)} ` +
      `samples/s; device memory peak ${(memory.peakBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  const trips = Object.entries(roundTripKernels);
  out.info(
    trips.length === 0
      ? '  host round trips: none'
      : `  host round trips: ${trips.map(([k, n]) => `${k} x${n}`).join(', ')}`,
  );
  if (cuda.kernels) {
    showKernels(out, cuda.kernels, {
      what: 'of device time in kernels',
      rows: 20,
      digits: 2,
      note: (k) => (roundTripKernels[k.kernel] ? ' (round trip)' : ''),
    });
  }
  const torch = args.torch
    ? torchReference(
        resolved,
        out,
        (what) =>
          runTorch(
            what,
            cuda.inputShape,
            cuda.classes,
            args.batch,
            args.threads ?? os.cpus().length,
            args.steps,
            '',
            out,
            'cuda',
            torchAt,
          ),
        (t) => `on ${t.device}`,
      )
    : null;
  const torchOk = torch && !('error' in torch) ? torch : null;
  const result: CudaTrainBenchResult = {
    model: resolved.name,
    init,
    cudaTrainSamplesPerSec: cuda.trainSamplesPerSec,
    cudaInferSamplesPerSec: cuda.inferSamplesPerSec,
    torchCudaTrainSamplesPerSec: torchOk?.trainSamplesPerSec ?? null,
    torchCudaInferSamplesPerSec: torchOk?.inferSamplesPerSec ?? null,
    roundTripKernels,
    cudaTrainOverTorch: ratio(cuda.trainSamplesPerSec, torchOk?.trainSamplesPerSec ?? null),
    cudaInferOverTorch: ratio(cuda.inferSamplesPerSec, torchOk?.inferSamplesPerSec ?? null),
    params: resolved.params,
    batch: args.batch,
    steps: args.steps,
    device: handle.device,
    deviceDescription: handle.description,
    gemm: handle.gemm,
    tf32: handle.tf32,
    cudaTrainStepSeconds: cuda.stepSeconds,
    devicePeakBytes: memory.peakBytes,
    devicePooledBytes: memory.pooledBytes,
    loadAverage,
  };
  if (torchOk) {
    result.torchDevice = torchOk.device;
    result.torchVersion = torchOk.torchVersion;
  } else if (torch && 'error' in torch) {
    result.torchError = torch.error;
  }
  if (cuda.kernels) result.cudaTrainKernels = cuda.kernels;
  out.info(
    `asc-cuda / PyTorch: train ${fmt(result.cudaTrainOverTorch, 2)}x, ` +
      `infer ${fmt(result.cudaInferOverTorch, 2)}x`,
  );
  return result;
}

/** `asc bench train`: tfjs training/inference with native kernels vs JS kernels and PyTorch. */
export const trainBenchCommand = defineCommand<TrainBenchArgs>({
  command: 'train',
  describe:
    'Training and inference samples/s: tfjs native kernels vs tfjs JS kernels vs PyTorch (same model, threads)',
  builder: (y: Argv<GlobalOptions>) =>
    initFlag(y, 'the model', DEFAULT_WEIGHT_INIT)
      .option('model', {
        type: 'string',
        default: 'B',
        describe: "A zoo model: 'B', 'A', 'mobilenet-v2', an arch id or a spec.json",
      })
      .option('threads', { type: 'number', describe: 'Threads (default: the cores)' })
      .option('steps', { type: 'number', default: 5, describe: 'Timed steps per measurement' })
      .option('batch', { type: 'number', default: 64, describe: 'Batch size' })
      .option('js-batch', {
        type: 'number',
        default: 2,
        describe: 'Batch of the single JS-kernel step (a batch of 64 takes many minutes)',
      })
      .option('js', {
        type: 'boolean',
        default: true,
        describe: 'Measure the JS kernels (--no-js)',
      })
      .option('torch', { type: 'boolean', default: true, describe: 'Measure PyTorch (--no-torch)' })
      .option('reuse-comparison', {
        type: 'boolean',
        default: false,
        describe: 'Also train with fresh output arrays per op (no memory reuse)',
      })
      .option('profile', {
        type: 'boolean',
        default: false,
        describe: "Time one more training step's kernels (tf.profile) and list them",
      })
      .option('device', {
        choices: ['cpu', 'cuda'] as const,
        default: 'cpu' as const,
        describe:
          'cpu: tfjs with the native CPU kernels; cuda: the asc-cuda backend against PyTorch on the same GPU',
      }) as unknown as Argv<TrainBenchArgs>,
  run: async (args, out) => {
    checkPositiveIntegers({
      '--threads': args.threads,
      '--steps': args.steps,
      '--batch': args.batch,
      '--js-batch': args.jsBatch,
    });
    try {
      resolveModel(args.model);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return args.device === 'cuda' ? benchCuda(args, out) : bench(args, out);
  },
});
