import type * as tfjs from '@tensorflow/tfjs';
import { AscError } from '@asc/core';
import { cudaErrorFromAddon } from '../cuda';
import type { DeviceKernelCodes, DeviceMemory, TrainDevice } from './device';
import { size } from './views';

type Tf = typeof tfjs;
type DataId = object;
type DataType = tfjs.DataType;
export type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];
export type TensorInfo = tfjs.TensorInfo;

/** The backend's name in tfjs (tf.setBackend('asc-cuda')). */
export const CUDA_BACKEND_NAME = 'asc-cuda';

/** The device ran out of memory for a tensor or a kernel's scratch space. */
export class DeviceMemoryError extends AscError {
  constructor(message: string) {
    super('device-out-of-memory', message);
  }
}

/**
 * The backend was used in a way it does not support (a disposed tensor, a dtype that
 * stays in host memory passed to a device kernel, an addon older than the facade).
 */
export class CudaBackendError extends AscError {
  constructor(message: string, context: Record<string, string> = {}) {
    super('cuda-backend', `asc-cuda: ${message}`, { context });
  }
}

/** Types an error of the device's functions (CUDA failures, out of memory). */
function deviceError(err: unknown): unknown {
  if ((err as { code?: unknown }).code === 'device-out-of-memory') {
    return new DeviceMemoryError((err as Error).message);
  }
  return cudaErrorFromAddon(err) ?? err;
}

/**
 * One tensor's data: on the device (`buffer`, a device buffer id, 0 for none yet), in
 * host memory (`host`: as written by tfjs, or as last downloaded), or both. Data is
 * immutable in tfjs (a variable's assign gets new data), so a host copy never goes stale.
 */
interface TensorData {
  dtype: DataType;
  /** Elements. */
  length: number;
  refCount: number;
  buffer: number;
  host: BackendValues | null;
}

/** Bytes per element on the device; 0 for dtypes that stay in host memory. */
export function elementBytes(dtype: DataType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'bool' ? 1 : 0;
}

function emptyValues(dtype: DataType, length: number): Float32Array | Int32Array | Uint8Array {
  return dtype === 'float32'
    ? new Float32Array(length)
    : dtype === 'int32'
      ? new Int32Array(length)
      : new Uint8Array(length);
}

/** What AscCudaBackend.memory() reports (tfjs's fields for GPU backends, and ours). */
export interface CudaBackendMemory {
  unreliable: false;
  numBytesInGPU: number;
  numBytesInGPUAllocated: number;
  numBytesInGPUFree: number;
  device: DeviceMemory;
}

/**
 * The tfjs backend 'asc-cuda': tensor data keyed by dataId lives in device memory
 * (uploaded lazily on a kernel's first use, downloaded when read), kernels run on the
 * device (kernels.ts), and kernels without a device version run on the CPU through a
 * counted host round trip (register.ts). The class is made per tfjs instance, since it
 * must extend that instance's KernelBackend.
 */
export interface AscCudaBackend extends tfjs.KernelBackend {
  readonly device: TrainDevice;
  readonly codes: DeviceKernelCodes;
  memory(): CudaBackendMemory;
  /** True when the tensor's dtype can live on the device. */
  onDevice(t: TensorInfo): boolean;
  /** The device buffer of a tensor, uploading its host values on first use. */
  bufferOf(t: TensorInfo): number;
  /** Host values of a (small) tensor: the host copy, or a download. */
  hostValues(t: TensorInfo): BackendValues;
  /** A new tensor of `shape` with an (uninitialised) device buffer. */
  output(shape: number[], dtype?: DataType): { info: TensorInfo; buffer: number };
  /** A new tensor sharing the data of `t` (as tfjs's Identity and Reshape do). */
  alias(t: TensorInfo, shape: number[], dtype?: DataType): TensorInfo;
  /** Runs device kernel `name` (native/cuda/train/kernels.h) on buffer ids. */
  run(name: string, ids: number[], params: number[]): void;
  /** Forgets the host copy of a tensor that is on the device (the next read downloads). */
  dropHostCopy(t: TensorInfo): void;
}

export type AscCudaBackendClass = new (
  device: TrainDevice,
  codes: DeviceKernelCodes,
) => AscCudaBackend;

export function defineCudaBackend(tf: Tf): AscCudaBackendClass {
  const Base = tf.KernelBackend as unknown as new () => tfjs.KernelBackend;

  return class AscCudaBackendImpl extends Base implements AscCudaBackend {
    private readonly data = new Map<DataId, TensorData>();
    private nextId = 0;

    constructor(
      readonly device: TrainDevice,
      readonly codes: DeviceKernelCodes,
    ) {
      super();
    }

    // ---- TensorStorage -------------------------------------------------------------

    override write(
      values: tfjs.backend_util.BackendValues,
      shape: number[],
      dtype: DataType,
    ): DataId {
      const dataId = { id: this.nextId++ };
      this.move(dataId, values, shape, dtype, 1);
      return dataId;
    }

    override move(
      dataId: DataId,
      values: tfjs.backend_util.BackendValues,
      shape: number[],
      dtype: DataType,
      refCount: number,
    ): void {
      this.data.set(dataId, {
        dtype,
        length: size(shape),
        refCount,
        buffer: 0,
        host: (values as BackendValues | null) ?? null,
      });
    }

    override readSync(dataId: DataId): tfjs.backend_util.BackendValues {
      const d = this.entry(dataId);
      if (d.host) return d.host;
      const values = emptyValues(d.dtype, d.length);
      if (d.buffer !== 0 && d.length > 0) this.call(() => this.device.download(d.buffer, values));
      d.host = values;
      return values;
    }

    override read(dataId: DataId): Promise<tfjs.backend_util.BackendValues> {
      return Promise.resolve(this.readSync(dataId));
    }

    override disposeData(dataId: DataId, force = false): boolean {
      const d = this.data.get(dataId);
      if (!d) return true;
      d.refCount -= 1;
      if (!force && d.refCount > 0) return false;
      if (d.buffer !== 0) this.device.release(d.buffer);
      this.data.delete(dataId);
      return true;
    }

    override refCount(dataId: DataId): number {
      return this.data.get(dataId)?.refCount ?? 0;
    }

    override incRef(dataId: DataId): void {
      this.entry(dataId).refCount += 1;
    }

    override numDataIds(): number {
      return this.data.size;
    }

    override memory(): CudaBackendMemory {
      const device = this.device.memory();
      return {
        unreliable: false,
        numBytesInGPU: device.inUseBytes,
        numBytesInGPUAllocated: device.inUseBytes + device.pooledBytes,
        numBytesInGPUFree: device.pooledBytes,
        device,
      };
    }

    override floatPrecision(): 32 {
      return 32;
    }

    override timerAvailable(): boolean {
      return true;
    }

    /** The device time of the work `f` enqueues (CUDA events; host time when emulated). */
    override async time(f: () => void): Promise<tfjs.BackendTimingInfo> {
      const start = this.device.mark();
      let end = 0;
      try {
        f();
        end = this.device.mark();
        return { kernelMs: this.call(() => this.device.elapsed(start, end)) };
      } finally {
        this.device.releaseMark(start);
        if (end !== 0) this.device.releaseMark(end);
      }
    }

    override dispose(): void {
      for (const d of this.data.values()) if (d.buffer !== 0) this.device.release(d.buffer);
      this.data.clear();
      this.device.trim();
    }

    // ---- For the kernels -----------------------------------------------------------

    private entry(dataId: DataId): TensorData {
      let d = this.data.get(dataId);
      if (!d) {
        // A tensor of another backend: tfjs moves it here (reads it there, calls move()),
        // as its DataStorage does for the built-in backends.
        (tf.engine() as unknown as { moveData(b: object, id: DataId): void }).moveData(
          this,
          dataId,
        );
        d = this.data.get(dataId);
      }
      if (!d) throw new CudaBackendError('no tensor data for this dataId (disposed?)');
      return d;
    }

    private call<T>(f: () => T): T {
      try {
        return f();
      } catch (err) {
        throw deviceError(err);
      }
    }

    onDevice(t: TensorInfo): boolean {
      return elementBytes(t.dtype) > 0;
    }

    bufferOf(t: TensorInfo): number {
      const d = this.entry(t.dataId);
      if (d.buffer !== 0) return d.buffer;
      const bytes = elementBytes(d.dtype);
      if (bytes === 0) throw new CudaBackendError(`${d.dtype} tensors stay in host memory`);
      const buffer = this.call(() => this.device.allocate(d.length * bytes));
      if (d.length > 0) {
        let host = d.host ?? emptyValues(d.dtype, d.length);
        // tfjs may hand over plain arrays or typed arrays of another type.
        const want = emptyValues(d.dtype, 0).constructor as
          Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
        if (!(host instanceof want)) host = want.from(host as ArrayLike<number>);
        try {
          this.call(() => this.device.upload(buffer, host as ArrayBufferView));
        } catch (err) {
          this.device.release(buffer);
          throw err;
        }
      }
      d.buffer = buffer;
      return buffer;
    }

    hostValues(t: TensorInfo): BackendValues {
      return this.readSync(t.dataId) as BackendValues;
    }

    output(shape: number[], dtype: DataType = 'float32'): { info: TensorInfo; buffer: number } {
      const length = size(shape);
      const buffer = this.call(() => this.device.allocate(length * elementBytes(dtype)));
      const dataId = { id: this.nextId++ };
      this.data.set(dataId, { dtype, length, refCount: 1, buffer, host: null });
      return { info: { dataId, shape, dtype }, buffer };
    }

    alias(t: TensorInfo, shape: number[], dtype: DataType = t.dtype): TensorInfo {
      this.incRef(t.dataId);
      return { dataId: t.dataId, shape, dtype };
    }

    run(name: string, ids: number[], params: number[]): void {
      const code = this.codes[name];
      if (code === undefined) {
        throw new CudaBackendError(
          `the addon has no device kernel '${name}'; rebuild it: npx nx run native:build`,
        );
      }
      this.call(() => this.device.run(code, Uint32Array.from(ids), Float64Array.from(params)));
    }

    dropHostCopy(t: TensorInfo): void {
      const d = this.entry(t.dataId);
      if (d.buffer !== 0) d.host = null;
    }
  };
}
