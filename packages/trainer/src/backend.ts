import * as fs from 'fs';
import * as os from 'os';
import type * as tfType from '@tensorflow/tfjs';
import {
  cudaInfo,
  nativeKernelThreads,
  registerCudaBackend,
  registerNativeKernels,
  unregisterNativeKernels,
  type DeviceKind,
} from '@asc/native';
import { AscError } from '@asc/core';

type Tf = typeof tfType;

/**
 * Which tfjs backend to train on. 'auto' takes the first that works of tfjs-node-gpu
 * (only when a GPU is visible), @asc/native's 'asc-cuda' (when a CUDA device is usable),
 * tfjs-node, and tfjs's 'cpu' backend with the native kernels; 'cuda' is 'asc-cuda' or
 * an error naming why not; 'cpu-js' is the plain JavaScript 'cpu' backend (slow; for
 * checks).
 */
export type BackendRequest = 'auto' | 'cuda' | 'tensorflow-gpu' | 'tensorflow' | 'cpu' | 'cpu-js';

export const BACKEND_REQUESTS: readonly BackendRequest[] = [
  'auto',
  'cuda',
  'tensorflow-gpu',
  'tensorflow',
  'cpu',
  'cpu-js',
];

/** The device of the 'asc-cuda' backend, when it was chosen. */
export interface CudaBackendInfo {
  /** 'cuda', or 'emulated' (ASC_CUDA_DEVICE=emulated: host memory, for checks). */
  device: DeviceKind;
  /** The device and what computes matrix products. */
  description: string;
  gemm: string;
  tf32: boolean;
}

/** What was chosen; goes into the run record and the first log line. */
export interface BackendInfo {
  /** What was asked for. */
  requested: BackendRequest;
  /** The tfjs backend name (tf.getBackend()). */
  name: string;
  /** The npm package providing tf. */
  package: string;
  version: string;
  /** Compute threads (native kernel pool, or TensorFlow's intra-op pool). */
  threads: number;
  nativeKernels: boolean;
  /** Why alternatives were passed over. */
  notes: string[];
  /** With 'asc-cuda': its device. */
  cuda?: CudaBackendInfo;
}

export interface SelectedBackend {
  tf: Tf;
  info: BackendInfo;
}

export class BackendUnavailableError extends AscError {
  constructor(
    readonly requested: BackendRequest,
    readonly reasons: string[],
  ) {
    super('backend-unavailable', `backend '${requested}' is unavailable: ${reasons.join('; ')}`, {
      context: { requested, reasons },
    });
  }
}

export function parseBackendRequest(value: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new RangeError(
    `unknown backend '${value}' (expected one of ${BACKEND_REQUESTS.join(', ')})`,
  );
}

/** NVIDIA GPUs the driver exposes (none on machines without the driver). */
function visibleGpus(): number {
  try {
    return fs.readdirSync('/proc/driver/nvidia/gpus').length;
  } catch {
    return 0;
  }
}

function tensorflowThreads(): number {
  const n = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return Number.isInteger(n) && n > 0 ? n : os.cpus().length;
}

/** Loads a tfjs-node flavour; these are optional dependencies, often absent. */
function loadNode(pkg: string): Tf {
  return require(pkg) as Tf;
}

function loadTfjs(): Tf {
  return require('@tensorflow/tfjs') as Tf;
}

function packageVersion(tf: Tf, key: string): string {
  const versions = tf.version as unknown as Record<string, string>;
  return versions[key] ?? versions['tfjs-core'] ?? 'unknown';
}

/** The record of the backend chosen: what every route knows, and what it adds. */
function chosen(
  tf: Tf,
  requested: BackendRequest,
  pkg: string,
  version: string,
  rest: Pick<BackendInfo, 'threads' | 'nativeKernels' | 'notes' | 'cuda'>,
): SelectedBackend {
  return {
    tf,
    info: {
      requested,
      name: tf.getBackend(),
      package: pkg,
      version,
      ...rest,
    },
  };
}

async function tryNode(
  requested: BackendRequest,
  pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node',
  notes: string[],
): Promise<SelectedBackend | string> {
  let tf: Tf;
  try {
    tf = loadNode(pkg);
  } catch (err) {
    return `${pkg} did not load (${(err as Error).message.split('\n')[0]})`;
  }
  if (pkg === '@tensorflow/tfjs-node-gpu' && visibleGpus() === 0) {
    return `${pkg} loaded but no GPU is visible`;
  }
  if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not start`;
  await tf.ready();
  return chosen(tf, requested, pkg, packageVersion(tf, pkg.replace('@tensorflow/', '')), {
    threads: tensorflowThreads(),
    nativeKernels: false,
    notes,
  });
}

async function cpuBackend(
  requested: BackendRequest,
  withNativeKernels: boolean,
  threads: number | undefined,
  notes: string[],
): Promise<SelectedBackend> {
  const tf = loadTfjs();
  // Prod mode silences the "kernel already registered" warnings of kernel overrides.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
  let nativeKernels = false;
  let kernelThreads = 1;
  if (withNativeKernels) {
    const handle = registerNativeKernels(tf, threads !== undefined ? { threads } : undefined);
    nativeKernels = handle.active;
    if (nativeKernels) kernelThreads = handle.threads;
    else notes.push(`native kernels not registered: ${handle.reason ?? 'unknown reason'}`);
  } else {
    unregisterNativeKernels(tf);
  }
  return chosen(tf, requested, '@tensorflow/tfjs', packageVersion(tf, 'tfjs'), {
    threads: kernelThreads,
    nativeKernels,
    notes,
  });
}

/**
 * The 'asc-cuda' backend, or why not. ASC_CUDA_DEVICE=emulated puts it on the emulated
 * device (host memory and host loops: slow, for checking the backend without a GPU).
 */
async function tryCuda(
  requested: BackendRequest,
  threads: number | undefined,
  notes: string[],
): Promise<SelectedBackend | string> {
  const device: DeviceKind = process.env.ASC_CUDA_DEVICE === 'emulated' ? 'emulated' : 'cuda';
  if (device === 'cuda') {
    const info = cudaInfo();
    if (!info.usable) return `asc-cuda: ${info.reason}`;
  }
  const tf = loadTfjs();
  tf.enableProdMode();
  let handle;
  try {
    handle = registerCudaBackend(tf, { device, ...(threads !== undefined ? { threads } : {}) });
  } catch (err) {
    return `asc-cuda: ${(err as Error).message}`;
  }
  if (!(await tf.setBackend(handle.name))) return 'asc-cuda did not start';
  await tf.ready();
  // The backend is the addon's: its version, not tfjs's, says which kernels ran.
  const nativeVersion = (require('@asc/native/package.json') as { version: string }).version;
  return chosen(tf, requested, '@asc/native', nativeVersion, {
    // The CPU kernel threads (host round trips); the device does the rest.
    threads: nativeKernelThreads(),
    nativeKernels: true,
    notes,
    cuda: {
      device: handle.device,
      description: handle.description,
      gemm: handle.gemm,
      tf32: handle.tf32,
    },
  });
}

/**
 * Picks and initialises the tfjs backend. An explicit request that cannot be met throws
 * BackendUnavailableError; 'auto' falls through to the pure 'cpu' backend at worst.
 */
export async function selectBackend(
  requested: BackendRequest = 'auto',
  options: { threads?: number } = {},
): Promise<SelectedBackend> {
  const notes: string[] = [];
  if (requested === 'auto' || requested === 'tensorflow-gpu') {
    const gpu = await tryNode(requested, '@tensorflow/tfjs-node-gpu', notes);
    if (typeof gpu !== 'string') return gpu;
    if (requested === 'tensorflow-gpu') throw new BackendUnavailableError(requested, [gpu]);
    notes.push(gpu);
  }
  if (requested === 'auto' || requested === 'cuda') {
    const cuda = await tryCuda(requested, options.threads, notes);
    if (typeof cuda !== 'string') return cuda;
    if (requested === 'cuda') throw new BackendUnavailableError(requested, [cuda]);
    notes.push(cuda);
  }
  if (requested === 'auto' || requested === 'tensorflow') {
    const node = await tryNode(requested, '@tensorflow/tfjs-node', notes);
    if (typeof node !== 'string') return node;
    if (requested === 'tensorflow') throw new BackendUnavailableError(requested, [node]);
    notes.push(node);
  }
  return cpuBackend(requested, requested !== 'cpu-js', options.threads, notes);
}

/** One line for logs and the progress output. */
export function describeBackend(info: BackendInfo): string {
  if (info.cuda) return `backend ${info.name} via ${info.package}: ${info.cuda.description}`;
  const kernels =
    info.name === 'cpu' ? (info.nativeKernels ? ' + native kernels' : ' (pure JS)') : '';
  return `backend ${info.name}${kernels} via ${info.package} ${info.version}, ${info.threads} thread(s)`;
}
