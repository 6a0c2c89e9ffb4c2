import type * as tfjs from '@tensorflow/tfjs';
import * as os from 'os';
import { AddonUnavailableError } from '../addon';
import { adamStepKernel } from './adam';
import {
  batchNormInferenceGradient,
  batchNormInferenceKernel,
  batchNormKernel,
  batchNormTrainingGradient,
  batchNormTrainingKernel,
} from './batch-norm';
import { tryKernelBinding, type NativeKernelNames } from './binding';
import * as conv from './conv';
import { NativeContext, type KernelArgs, type NativeKernel, type Tfjs } from './context';
import * as ew from './elementwise';
import { invertedResidualKernel } from './inverted-residual';
import { GRADIENT_KERNELS, NATIVE_GRADIENTS, swishGradient, swishKernel } from './gradients';
import * as mm from './matmul';
import { OutputPool } from './output-pool';
import { recordingMean, recordingSquare, recordingSub } from './moments-fold';
import { recordingSigmoid, zeroAwareAdd, zeroAwareNeg, zeroAwareSum } from './swish-fold';
import * as pool from './pool';

/** The tfjs 'cpu' kernels we replace, by tfjs kernel name. */
export const NATIVE_KERNELS: Readonly<Record<string, NativeKernel>> = {
  Conv2D: conv.conv2d,
  FusedConv2D: conv.fusedConv2d,
  Conv2DBackpropInput: conv.conv2dBackpropInput,
  Conv2DBackpropFilter: conv.conv2dBackpropFilter,
  DepthwiseConv2dNative: conv.depthwiseConv2d,
  FusedDepthwiseConv2D: conv.fusedDepthwiseConv2d,
  DepthwiseConv2dNativeBackpropInput: conv.depthwiseBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: conv.depthwiseBackpropFilter,
  MaxPool: pool.maxPool,
  AvgPool: pool.avgPool,
  MaxPoolGrad: pool.maxPoolGrad,
  AvgPoolGrad: pool.avgPoolGrad,
  BatchMatMul: mm.batchMatMul,
  _FusedMatMul: mm.fusedMatMul,
  FusedBatchNorm: batchNormKernel,
  Add: zeroAwareAdd(ew.binary('Add')),
  Sub: recordingSub(ew.binary('Sub')),
  Multiply: ew.binary('Multiply'),
  RealDiv: ew.binary('RealDiv'),
  SquaredDifference: ew.binary('SquaredDifference'),
  Maximum: ew.binary('Maximum'),
  Minimum: ew.binary('Minimum'),
  Sigmoid: recordingSigmoid(ew.unary('Sigmoid')),
  Square: recordingSquare(ew.unary('Square')),
  Rsqrt: ew.unary('Rsqrt'),
  Sqrt: ew.unary('Sqrt'),
  Neg: zeroAwareNeg(ew.unary('Neg')),
  Relu: ew.unary('Relu'),
  Relu6: ew.unary('Relu6'),
  Exp: ew.unary('Exp'),
  Abs: ew.unary('Abs'),
  Reciprocal: ew.unary('Reciprocal'),
  Step: ew.unary('Step'),
  Sum: zeroAwareSum(ew.sum),
  Mean: recordingMean(ew.mean),
  Tile: ew.tile,
  PadV2: ew.padV2,
  GatherV2: ew.gather,
};

/** The kernels the addon adds to tfjs, by role (their names come from the addon). */
const ADDED_KERNELS: Readonly<Record<keyof NativeKernelNames, NativeKernel>> = {
  ...GRADIENT_KERNELS,
  swish: swishKernel,
  batchNormTraining: batchNormTrainingKernel,
  batchNormInference: batchNormInferenceKernel,
  adamStep: adamStepKernel,
  invertedResidual: invertedResidualKernel,
};

/** How often a kernel ran natively, and how often it declined to tfjs's JS kernel. */
export interface NativeKernelDispatch {
  native: number;
  fallback: number;
}

/** Dispatch counts by tfjs kernel name, across registrations until reset. */
const dispatchCounts = new Map<string, NativeKernelDispatch>();

function dispatchCounter(name: string): NativeKernelDispatch {
  let counter = dispatchCounts.get(name);
  if (!counter) {
    counter = { native: 0, fallback: 0 };
    dispatchCounts.set(name, counter);
  }
  return counter;
}

/**
 * How often each registered kernel ran natively or declined (arguments it does not
 * handle) since the last reset: what proves that a result came from the addon.
 */
export function nativeKernelDispatchCounts(): Record<string, NativeKernelDispatch> {
  return Object.fromEntries([...dispatchCounts].map(([name, c]) => [name, { ...c }]));
}

export function resetNativeKernelDispatchCounts(): void {
  // Zeroed in place: registered kernels hold their counters.
  for (const counter of dispatchCounts.values()) {
    counter.native = 0;
    counter.fallback = 0;
  }
}

export interface NativeKernelOptions {
  /** Threads of the kernel pool (default: every hardware thread). */
  threads?: number;
  /**
   * Reuse the memory of disposed outputs (default true): fresh large arrays cost a page
   * fault per 4 KiB on first touch.
   */
  reuseMemory?: boolean;
}

/** What registerNativeKernels did. */
export interface NativeKernelsHandle {
  /** True when the native kernels now serve backend 'cpu'. */
  active: boolean;
  /** Why they are not active (ASC_NATIVE_KERNELS=0, addon missing...). */
  reason?: string;
  /** The kernel names replaced. */
  kernels: string[];
  threads: number;
  /** OpenBLAS's kernel set ('SkylakeX', 'Haswell', ...; see blas-core.ts); '' when inactive. */
  blasCore: string;
}

type KernelConfig = tfjs.KernelConfig;

/** Methods of the cpu backend we wrap to recycle memory; restored on unregister. */
const HOOKED_METHODS = ['disposeData', 'write', 'readSync', 'read'] as const;
type HookedMethod = (typeof HOOKED_METHODS)[number];
type Hookable = Record<HookedMethod, (...a: unknown[]) => unknown> & {
  data: { get(id: object): { values?: unknown } | undefined; has(id: object): boolean };
};

interface Registration {
  tf: Tfjs;
  originals: Map<string, KernelConfig>;
  originalGradients: Map<string, tfjs.GradConfig>;
  addedKernels: string[];
  addedGradients: string[];
  backend: Hookable | null;
  ownMethods: Map<HookedMethod, PropertyDescriptor | undefined>;
  pool: OutputPool | null;
}

let current: Registration | null = null;

/** Counters of the output pool of the current registration (null when none). */
export function nativeKernelMemoryStats(): OutputPool['stats'] | null {
  return current?.pool?.stats ?? null;
}

function hookBackend(backend: Hookable, pool: OutputPool, reg: Registration): void {
  for (const name of HOOKED_METHODS) {
    reg.ownMethods.set(name, Object.getOwnPropertyDescriptor(backend, name));
  }
  const original = Object.fromEntries(
    HOOKED_METHODS.map((name) => [name, backend[name].bind(backend)]),
  ) as Record<HookedMethod, (...a: unknown[]) => unknown>;
  backend.disposeData = (...a: unknown[]) => {
    const dataId = a[0] as object;
    const values = backend.data.get(dataId)?.values;
    const result = original.disposeData(...a);
    if (values !== undefined && !backend.data.has(dataId)) pool.release(values);
    return result;
  };
  backend.write = (...a: unknown[]) => {
    pool.noteWrite(a[0]);
    return original.write(...a);
  };
  backend.readSync = (...a: unknown[]) => {
    const values = original.readSync(...a);
    pool.escape(values);
    return values;
  };
  backend.read = async (...a: unknown[]) => {
    const values = await original.read(...a);
    pool.escape(values);
    return values;
  };
}

function unhookBackend(reg: Registration): void {
  if (!reg.backend) return;
  for (const [name, descriptor] of reg.ownMethods) {
    if (descriptor) Object.defineProperty(reg.backend, name, descriptor);
    else delete (reg.backend as Partial<Hookable>)[name];
  }
}

/**
 * Replaces the heavy kernels of tfjs's 'cpu' backend with the addon's native ones.
 * A no-op (active: false, with the reason) when ASC_NATIVE_KERNELS=0 or the addon is not
 * built. Arguments a native kernel does not handle go to the original JS kernel.
 */
export function registerNativeKernels(
  tf: Tfjs,
  options: NativeKernelOptions = {},
): NativeKernelsHandle {
  if (process.env.ASC_NATIVE_KERNELS === '0') {
    return {
      active: false,
      reason: 'disabled by ASC_NATIVE_KERNELS=0',
      kernels: [],
      threads: 0,
      blasCore: '',
    };
  }
  const native = tryKernelBinding();
  if (native instanceof AddonUnavailableError) {
    return { active: false, reason: native.message, kernels: [], threads: 0, blasCore: '' };
  }
  if (options.threads !== undefined) setNativeKernelThreads(options.threads);
  if (current && current.tf !== tf) unregisterNativeKernels(current.tf);
  if (current) {
    return {
      active: true,
      kernels: [...current.originals.keys()],
      threads: native.threads(),
      blasCore: native.blasCore(),
    };
  }
  const reuse = options.reuseMemory ?? true;
  // Arrays under 128 KiB come from V8's heap cheaply. The free lists may hold up to half
  // the machine's memory: a training step's peak (Model B, batch 64: ~8 GiB) comes back
  // every step, and arrays dropped for want of room are page-faulted in again.
  const outputPool = reuse ? new OutputPool(32 * 1024, os.totalmem() / 2) : null;
  const reg: Registration = {
    tf,
    originals: new Map(),
    originalGradients: new Map(),
    addedKernels: [],
    addedGradients: [],
    backend: null,
    ownMethods: new Map(),
    pool: outputPool,
  };
  const ctx = new NativeContext(tf, native, outputPool);
  for (const [name, impl] of Object.entries(NATIVE_KERNELS)) {
    const original = tf.getKernel(name, 'cpu');
    if (!original) continue;
    const fallback = original.kernelFunc;
    const count = dispatchCounter(name);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({
      ...original,
      kernelFunc: ((args: KernelArgs) => {
        const result = impl(args, ctx);
        if (!result) {
          count.fallback++;
          return fallback(args as never);
        }
        count.native++;
        return result;
      }) as unknown as tfjs.KernelFunc,
    });
    reg.originals.set(name, original);
  }
  for (const [role, impl] of Object.entries(ADDED_KERNELS)) {
    const name = native.names[role as keyof NativeKernelNames];
    const count = dispatchCounter(name);
    tf.registerKernel({
      kernelName: name,
      backendName: 'cpu',
      kernelFunc: ((args: KernelArgs) => {
        const result = impl(args, ctx);
        // The gradients check their inputs before dispatching, so this is a bug.
        if (!result) throw new Error(`${name}: arguments the native kernel does not handle`);
        count.native++;
        return result;
      }) as unknown as tfjs.KernelFunc,
    });
    reg.addedKernels.push(name);
  }
  for (const gradient of [
    swishGradient(tf),
    batchNormTrainingGradient(tf),
    batchNormInferenceGradient(tf),
  ]) {
    tf.registerGradient(gradient);
    reg.addedGradients.push(gradient.kernelName);
  }
  for (const [name, rewrite] of Object.entries(NATIVE_GRADIENTS)) {
    const original = tf.getGradient(name);
    if (!original) continue;
    tf.registerGradient({ ...original, gradFunc: rewrite(tf, original.gradFunc) });
    reg.originalGradients.set(name, original);
  }
  const backend = outputPool ? (tf.findBackend('cpu') as unknown as Hookable | null) : null;
  if (outputPool && backend) {
    reg.backend = backend;
    hookBackend(backend, outputPool, reg);
  }
  current = reg;
  return {
    active: true,
    kernels: [...reg.originals.keys()],
    threads: native.threads(),
    blasCore: native.blasCore(),
  };
}

/** Puts back the original JS kernels (a no-op when nothing is registered). */
export function unregisterNativeKernels(tf: Tfjs): void {
  if (!current || current.tf !== tf) return;
  for (const [name, original] of current.originals) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
  }
  for (const name of current.addedKernels) tf.unregisterKernel(name, 'cpu');
  for (const gradient of current.addedGradients) tf.unregisterGradient(gradient);
  for (const original of current.originalGradients.values()) tf.registerGradient(original);
  unhookBackend(current);
  current.pool?.clear();
  current = null;
}

/** Threads of the native kernel pool; 0 when the addon is not available. */
export function nativeKernelThreads(): number {
  const native = tryKernelBinding();
  return native instanceof AddonUnavailableError ? 0 : native.threads();
}

/** Resizes the native kernel pool (at least 1 thread). */
export function setNativeKernelThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`native kernel threads must be a whole number >= 1, got ${n}`);
  }
  const native = tryKernelBinding();
  if (native instanceof AddonUnavailableError) throw native;
  native.setThreads(n);
}
