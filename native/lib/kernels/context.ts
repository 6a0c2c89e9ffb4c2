import type * as tfjs from '@tensorflow/tfjs';
import type { KernelBinding } from './binding';
import type { OutputPool } from './output-pool';

export type Tfjs = typeof tfjs;
export type TensorInfo = tfjs.TensorInfo;

/** What tfjs passes to a kernel function. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | null | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

/** The part of tfjs-backend-cpu's MathBackendCPU the kernels use. */
export interface CpuBackend {
  data: {
    get(dataId: object): { values?: unknown; dtype: string } | undefined;
    has(dataId: object): boolean;
  };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  incRef(dataId: object): void;
}

/** Everything a native kernel needs: tfjs (for its shape helpers), the addon, the pool. */
export class NativeContext {
  constructor(
    readonly tf: Tfjs,
    readonly native: KernelBinding,
    private readonly pool: OutputPool | null,
  ) {}

  /** The float32 values of a tensor in place, or null when it is not plain float32. */
  values(args: KernelArgs, t: TensorInfo | null | undefined): Float32Array | null {
    if (!t || t.dtype !== 'float32') return null;
    const entry = (args.backend as CpuBackend).data.get(t.dataId);
    return entry?.values instanceof Float32Array ? entry.values : null;
  }

  /** The int32 values of a tensor in place, or null when it is not plain int32. */
  int32Values(args: KernelArgs, t: TensorInfo | null | undefined): Int32Array | null {
    if (!t || t.dtype !== 'int32') return null;
    const entry = (args.backend as CpuBackend).data.get(t.dataId);
    return entry?.values instanceof Int32Array ? entry.values : null;
  }

  /** A new tensor sharing the data of `t` (as tfjs's own Identity and Reshape do). */
  alias(args: KernelArgs, t: TensorInfo, shape: number[]): TensorInfo {
    (args.backend as CpuBackend).incRef(t.dataId);
    return { dataId: t.dataId, shape, dtype: t.dtype };
  }

  /** An output tensor of `shape`, filled by `fill` (which must write every value). */
  output(args: KernelArgs, shape: number[], fill: (out: Float32Array) => void): TensorInfo {
    const out = this.allocate(shape);
    fill(out);
    return (args.backend as CpuBackend).makeTensorInfo(shape, 'float32', out);
  }

  /** Uninitialised memory for an output of `shape` (wrap it with `tensor`). */
  allocate(shape: number[]): Float32Array {
    const length = shape.reduce((a, b) => a * b, 1);
    return this.pool ? this.pool.take(length) : new Float32Array(length);
  }

  tensor(args: KernelArgs, shape: number[], values: Float32Array): TensorInfo {
    return (args.backend as CpuBackend).makeTensorInfo(shape, 'float32', values);
  }
}

/** A replacement kernel: its result, or null when it does not handle these arguments. */
export type NativeKernel = (
  args: KernelArgs,
  ctx: NativeContext,
) => TensorInfo | TensorInfo[] | null;
