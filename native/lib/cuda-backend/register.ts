import type * as tfjs from '@tensorflow/tfjs';
import { AddonUnavailableError } from '../addon';
import { kernelBinding } from '../kernels/binding';
import type { KernelArgs } from '../kernels/context';
import { registerNativeKernels } from '../kernels/register';
import {
  CUDA_BACKEND_NAME,
  CudaBackendError,
  defineCudaBackend,
  type AscCudaBackend,
  type TensorInfo,
} from './backend';
import { deviceCodes, openDevice, type DeviceKind, type DeviceOptions } from './device';
import {
  CUDA_ADDED_KERNELS,
  CUDA_KERNELS,
  type CudaKernel,
  type CudaKernelContext,
} from './kernels';

type Tf = typeof tfjs;

export interface CudaBackendOptions {
  /** 'cuda' (default): the GPU; 'emulated': host memory and host loops (tests, checks). */
  device?: DeviceKind;
  /** CUDA device index (default 0). */
  cudaDevice?: number;
  /** TF32 tensor-core math in cuBLAS products (default: ASC_CUDA_TF32=1, else false). */
  tf32?: boolean;
  /** cuBLAS for matrix products when it loads (default: true unless ASC_CUBLAS=0). */
  cublas?: boolean;
  /** Threads of the CPU kernels (round trips, the emulated device). */
  threads?: number;
}

/** What registerCudaBackend did. */
export interface CudaBackendHandle {
  name: typeof CUDA_BACKEND_NAME;
  device: DeviceKind;
  /** The device and what computes matrix products, in words. */
  description: string;
  /** 'cublas x.y.z (...) from path', or 'builtin (why)'. */
  gemm: string;
  tf32: boolean;
  /** tfjs kernels with a device version (they still round-trip for arguments they decline). */
  kernels: string[];
  /** tfjs kernels that always run on the CPU through a host round trip. */
  roundTripKernels: string[];
}

/** How often a kernel ran on the device, and how often through a host round trip. */
export interface CudaKernelDispatch {
  device: number;
  roundTrip: number;
}

const dispatchCounts = new Map<string, CudaKernelDispatch>();

function counter(name: string): CudaKernelDispatch {
  let c = dispatchCounts.get(name);
  if (!c) {
    c = { device: 0, roundTrip: 0 };
    dispatchCounts.set(name, c);
  }
  return c;
}

/**
 * How often each kernel ran on the device or through a host round trip (download the
 * inputs, tfjs's CPU kernel, upload the outputs) since the last reset.
 */
export function cudaKernelDispatchCounts(): Record<string, CudaKernelDispatch> {
  return Object.fromEntries([...dispatchCounts].map(([name, c]) => [name, { ...c }]));
}

export function resetCudaKernelDispatchCounts(): void {
  for (const c of dispatchCounts.values()) {
    c.device = 0;
    c.roundTrip = 0;
  }
}

/** The kernels that went through host round trips since the last reset, with counts. */
export function cudaRoundTrips(): Record<string, number> {
  return Object.fromEntries(
    [...dispatchCounts].filter(([, c]) => c.roundTrip > 0).map(([name, c]) => [name, c.roundTrip]),
  );
}

interface CpuBackend {
  write(values: unknown, shape: number[], dtype: tfjs.DataType): object;
  readSync(dataId: object): tfjs.backend_util.BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Runs tfjs's CPU kernel (with @asc/native's CPU kernels where they apply) on host
 * copies of the inputs, and writes its outputs back as asc-cuda tensors.
 */
function roundTrip(tf: Tf, cpuKernel: tfjs.KernelFunc, args: KernelArgs, b: AscCudaBackend) {
  const cpu = tf.findBackend('cpu') as unknown as CpuBackend;
  const made: object[] = [];
  const toCpu = (t: TensorInfo | null | undefined) => {
    if (!t) return t;
    const dataId = cpu.write(b.readSync(t.dataId), t.shape, t.dtype);
    made.push(dataId);
    return { dataId, shape: t.shape, dtype: t.dtype };
  };
  const inputs = Array.isArray(args.inputs)
    ? (args.inputs as TensorInfo[]).map(toCpu)
    : Object.fromEntries(Object.entries(args.inputs).map(([k, t]) => [k, toCpu(t)]));
  try {
    const result = cpuKernel({ inputs, backend: cpu, attrs: args.attrs } as never) as
      TensorInfo | TensorInfo[];
    const back = (t: TensorInfo): TensorInfo => {
      const values = cpu.readSync(t.dataId);
      const dataId = b.write(values, t.shape, t.dtype);
      cpu.disposeData(t.dataId);
      return { dataId, shape: t.shape, dtype: t.dtype };
    };
    return Array.isArray(result) ? result.map(back) : back(result);
  } finally {
    for (const dataId of made) cpu.disposeData(dataId);
  }
}

interface Registration {
  tf: Tf;
  handle: CudaBackendHandle;
  options: DeviceOptions;
  kernels: string[];
}

let current: Registration | null = null;

function envFlag(name: string): boolean | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Registers the tfjs backend 'asc-cuda' (select it with `tf.setBackend('asc-cuda')`):
 * the addon's device kernels for the kernels the zoo's models, their gradients, the
 * trainer's loss, mixup and metrics dispatch, and a host round trip through tfjs's CPU
 * kernels for every other kernel. Registers @asc/native's CPU kernels too (round trips
 * use them, and they install the fused kernels' gradients).
 *
 * Throws CudaUnavailableError (with the reason) when options.device is 'cuda' and no
 * CUDA device is usable, AddonUnavailableError without the addon.
 */
export function registerCudaBackend(tf: Tf, options: CudaBackendOptions = {}): CudaBackendHandle {
  const kind = options.device ?? 'cuda';
  if (current && current.tf === tf && current.handle.device === kind) return current.handle;
  if (current) unregisterCudaBackend(current.tf);
  const cpu = registerNativeKernels(
    tf,
    options.threads !== undefined ? { threads: options.threads } : {},
  );
  if (!cpu.active) {
    throw new AddonUnavailableError(
      `the asc-cuda backend needs the native kernels: ${cpu.reason}`,
      [],
    );
  }
  const deviceOptions: DeviceOptions = {
    device: kind,
    cudaDevice: options.cudaDevice ?? 0,
    tf32: options.tf32 ?? envFlag('ASC_CUDA_TF32') ?? false,
    cublas: options.cublas ?? envFlag('ASC_CUBLAS') ?? true,
  };
  const device = openDevice(deviceOptions);
  // The device opened: only now is an earlier registration (other options) replaced.
  const selected = current !== null && tf.getBackend() === CUDA_BACKEND_NAME;
  if (current) unregisterCudaBackend(current.tf);
  const codes = deviceCodes();
  const native = kernelBinding();
  const Backend = defineCudaBackend(tf);
  if (tf.findBackendFactory(CUDA_BACKEND_NAME)) tf.removeBackend(CUDA_BACKEND_NAME);
  // A factory that hands out one backend: tfjs may call it again after removeBackend.
  let instance: AscCudaBackend | null = null;
  tf.registerBackend(CUDA_BACKEND_NAME, () => (instance ??= new Backend(device, codes.kernels)), 0);
  const ctx: CudaKernelContext = { tf, ops: native.ops, extraUnary: codes.unary };

  const registered: string[] = [];
  const register = (name: string, impl: CudaKernel | null) => {
    const cpuKernel = tf.getKernel(name, 'cpu')?.kernelFunc;
    const count = counter(name);
    tf.registerKernel({
      kernelName: name,
      backendName: CUDA_BACKEND_NAME,
      kernelFunc: ((args: KernelArgs) => {
        const b = args.backend as AscCudaBackend;
        const result = impl ? impl(args, b, ctx) : null;
        if (result) {
          count.device++;
          return result;
        }
        if (!cpuKernel) {
          throw new CudaBackendError(
            `${name}: no device version for these arguments and no CPU kernel`,
            {
              kernel: name,
            },
          );
        }
        count.roundTrip++;
        return roundTrip(tf, cpuKernel, args, b);
      }) as unknown as tfjs.KernelFunc,
    });
    registered.push(name);
  };
  for (const [name, impl] of Object.entries(CUDA_KERNELS)) register(name, impl);
  for (const [role, impl] of Object.entries(CUDA_ADDED_KERNELS)) {
    register(native.names[role as keyof typeof native.names], impl);
  }
  const roundTripKernels: string[] = [];
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (registered.includes(config.kernelName)) continue;
    register(config.kernelName, null);
    roundTripKernels.push(config.kernelName);
  }
  const description = device.describe();
  const handle: CudaBackendHandle = {
    name: CUDA_BACKEND_NAME,
    device: kind,
    description: description.description,
    gemm: description.gemm,
    tf32: Boolean(deviceOptions.tf32),
    kernels: registered.filter((k) => !roundTripKernels.includes(k)),
    roundTripKernels,
  };
  current = { tf, handle, options: deviceOptions, kernels: registered };
  if (selected) void tf.setBackend(CUDA_BACKEND_NAME);
  return handle;
}

/** Removes the backend and its kernels (a no-op when it is not registered). */
export function unregisterCudaBackend(tf: Tf): void {
  if (!current || current.tf !== tf) return;
  if (tf.getBackend() === CUDA_BACKEND_NAME) tf.setBackend('cpu');
  for (const name of current.kernels) tf.unregisterKernel(name, CUDA_BACKEND_NAME);
  if (tf.findBackendFactory(CUDA_BACKEND_NAME)) tf.removeBackend(CUDA_BACKEND_NAME);
  current = null;
}

/** The registered backend's handle, or null. */
export function cudaBackendHandle(): CudaBackendHandle | null {
  return current?.handle ?? null;
}
