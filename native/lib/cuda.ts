import { AscError } from '@asc/core';
import { addonAvailable, loadAddon } from './addon';

/**
 * The CUDA runtime as the addon reports it (native/cuda/common/runtime.h): whether the
 * addon was compiled with CUDA, the driver, the devices, and why CUDA cannot be used.
 * Shared by every CUDA part of the addon (the feature path, the tfjs kernels).
 */

/** Why CUDA cannot be used; 'usable' when it can. */
export type CudaStatusCode =
  | 'usable'
  | 'no-addon'
  | 'not-built'
  | 'no-driver'
  | 'driver-too-old'
  | 'no-device'
  | 'architecture'
  | 'out-of-memory'
  | 'unsupported-config'
  | 'cuda-error';

export interface CudaDevice {
  index: number;
  name: string;
  /** e.g. "9.0". */
  computeCapability: string;
  memoryBytes: number;
  multiprocessors: number;
  pciBusId: string;
  /** The kernel driver's release (e.g. "580.159.03"), or "CUDA 13.0" when unknown. */
  driver: string;
}

export interface CudaInfo {
  /** The addon was compiled with nvcc. */
  built: boolean;
  /** nvcc's version at build time, e.g. "13.0" (empty when not built). */
  nvcc: string;
  /** Compute capabilities compiled for, e.g. [75, 80, 90]. */
  architectures: number[];
  /** The CUDA runtime linked into the addon, e.g. "13.0". */
  runtime: string;
  /** The newest CUDA version the driver supports ("" without a driver). */
  driver: string;
  driverRelease: string;
  devices: CudaDevice[];
  usable: boolean;
  code: CudaStatusCode;
  /** Why CUDA is unusable, or which device is used. */
  reason: string;
  /** cuFFT, loaded at run time: where it was found, or why not. */
  cufft: { found: boolean; path?: string; version?: string; error?: string };
}

/**
 * CUDA was asked for and cannot be used: `code` says why ('no-driver', 'no-device',
 * 'driver-too-old', 'out-of-memory', ...), `reason` says it in a sentence with the remedy.
 */
export class CudaUnavailableError extends AscError {
  constructor(
    override readonly code: Exclude<CudaStatusCode, 'usable'>,
    readonly reason: string,
  ) {
    super(code, `CUDA is not usable: ${reason}`, { context: { reason } });
  }
}

/** A CUDA failure while work was running (a kernel or a copy failed). */
export class CudaRuntimeError extends AscError {
  constructor(message: string) {
    super('cuda-failed', message);
  }
}

const STATUS_CODES: readonly string[] = [
  'no-addon',
  'not-built',
  'no-driver',
  'driver-too-old',
  'no-device',
  'architecture',
  'out-of-memory',
  'unsupported-config',
  'cuda-error',
];

/**
 * Types an error from the addon's CUDA functions: CudaUnavailableError for the codes
 * above, CudaRuntimeError for 'cuda', undefined for anything else.
 */
export function cudaErrorFromAddon(
  err: unknown,
): CudaUnavailableError | CudaRuntimeError | undefined {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  if (code === 'cuda') return new CudaRuntimeError(message);
  if (typeof code === 'string' && STATUS_CODES.includes(code)) {
    return new CudaUnavailableError(code as CudaUnavailableError['code'], message);
  }
  return undefined;
}

/** The CUDA status; never throws (without the addon: code 'no-addon'). */
export function cudaInfo(): CudaInfo {
  if (!addonAvailable()) {
    let reason = 'the native addon is not built';
    try {
      loadAddon();
    } catch (err) {
      reason = (err as Error).message;
    }
    return {
      built: false,
      nvcc: '',
      architectures: [],
      runtime: '',
      driver: '',
      driverRelease: '',
      devices: [],
      usable: false,
      code: 'no-addon',
      reason,
      cufft: { found: false, error: reason },
    };
  }
  return (loadAddon() as unknown as { cudaInfo(): CudaInfo }).cudaInfo();
}
