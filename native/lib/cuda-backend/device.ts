import { AddonUnavailableError, loadAddon } from '../addon';
import { CudaUnavailableError, cudaErrorFromAddon } from '../cuda';

/**
 * The device of the tfjs backend 'asc-cuda' (native/cuda/train/device.h): buffers named
 * by ids, copies, kernel calls, timing marks. 'cuda' is the GPU; 'emulated' keeps the
 * buffers in host memory and runs the same device programs as host loops, so that the
 * whole backend runs (and is tested) on machines without a GPU.
 */
export type DeviceKind = 'cuda' | 'emulated';

export interface DeviceOptions {
  device: DeviceKind;
  /** CUDA device index (default 0). */
  cudaDevice?: number;
  /** TF32 tensor-core math in cuBLAS products (default false: float32). */
  tf32?: boolean;
  /** Use cuBLAS when it loads (default true). */
  cublas?: boolean;
}

/** The device's memory pool and traffic counters. */
export interface DeviceMemory {
  /** Bytes in buffers that hold tensors or scratch space now. */
  inUseBytes: number;
  /** Bytes in freed blocks the pool keeps for reuse. */
  pooledBytes: number;
  peakBytes: number;
  blocksInUse: number;
  freshAllocations: number;
  reuses: number;
  trims: number;
  buffers: number;
  kernelCalls: number;
  uploads: number;
  uploadBytes: number;
  downloads: number;
  downloadBytes: number;
}

export interface DeviceDescription {
  kind: DeviceKind;
  description: string;
  /** What computes matrix products: 'cublas x.y.z from ...' or 'builtin (...)'. */
  gemm: string;
}

/** The addon's TrainDevice object (src/binding/cuda_train.cc). */
export interface TrainDevice {
  allocate(bytes: number): number;
  release(id: number): void;
  upload(id: number, values: ArrayBufferView): void;
  download(id: number, into: ArrayBufferView): void;
  copy(dst: number, src: number, bytes: number): void;
  run(kernel: number, ids: Uint32Array, params: Float64Array): void;
  synchronize(): void;
  mark(): number;
  elapsed(start: number, end: number): number;
  releaseMark(mark: number): void;
  memory(): DeviceMemory;
  trim(): void;
  describe(): DeviceDescription;
}

/** The device kernels' codes (native/cuda/train/kernels.h), by name. */
export type DeviceKernelCodes = Readonly<Record<string, number>>;

interface CudaTrainBinding {
  TrainDevice: new (options: DeviceOptions) => TrainDevice;
  kernels: DeviceKernelCodes;
  /** Codes of the unary ops the device adds to the CPU kernels' (programs.h). */
  unary: Readonly<Record<string, number>>;
}

function binding(): CudaTrainBinding {
  const addon = loadAddon();
  if (!addon.cudaTrain) {
    throw new AddonUnavailableError('the native addon was built without the CUDA backend', []);
  }
  return addon.cudaTrain as CudaTrainBinding;
}

/** The device kernels' codes and the device's extra unary op codes. */
export function deviceCodes(): {
  kernels: DeviceKernelCodes;
  unary: Readonly<Record<string, number>>;
} {
  const b = binding();
  return { kernels: b.kernels, unary: b.unary };
}

/**
 * Opens a device; throws CudaUnavailableError (code and reason) when a GPU was asked for
 * and cannot be used, AddonUnavailableError without the addon.
 */
export function openDevice(options: DeviceOptions): TrainDevice {
  const { TrainDevice } = binding();
  try {
    return new TrainDevice(options);
  } catch (err) {
    throw cudaErrorFromAddon(err) ?? err;
  }
}

export { CudaUnavailableError };
