import { cudaInfo, CudaUnavailableError } from '../cuda';
import type { FeatureBackend } from './backend';

/**
 * Where the features are computed. 'auto': CUDA when the addon was built with it and a
 * device is usable, else the CPU. 'emulated': the CUDA path with its kernels run on the
 * host (slow; for tests and for checking the device arithmetic without a GPU).
 */
export type FeatureDevice = 'auto' | 'cpu' | 'cuda' | 'emulated';

/** The device a build uses and a sentence saying why. */
export interface DeviceChoice {
  device: 'cpu' | 'cuda' | 'emulated';
  reason: string;
}

/** Options of the CUDA path. */
export interface CudaFeatureOptions {
  /** CUDA device index (default 0). */
  device?: number;
  /** Device memory the pipeline may use, tables and all slots (default 2 GiB). */
  memoryBytes?: number;
  /** 'auto' (default): cuFFT when libcufft loads, else the built-in FFT. */
  fft?: 'auto' | 'cufft' | 'builtin';
}

/**
 * Resolves `requested` for a backend. Throws CudaUnavailableError when 'cuda' (or
 * 'emulated') cannot be used; 'auto' never throws and says why it chose the CPU.
 */
export function resolveFeatureDevice(
  requested: FeatureDevice,
  backend: FeatureBackend,
): DeviceChoice {
  if (requested === 'cpu') return { device: 'cpu', reason: 'the CPU was asked for' };
  if (backend === 'js') {
    if (requested === 'auto') {
      return { device: 'cpu', reason: 'the TypeScript backend computes on the CPU only' };
    }
    throw new CudaUnavailableError(
      'no-addon',
      'the TypeScript backend computes on the CPU only (use the native backend)',
    );
  }
  if (requested === 'emulated') {
    return { device: 'emulated', reason: 'the CUDA kernels emulated on the host were asked for' };
  }
  const info = cudaInfo();
  if (info.usable) return { device: 'cuda', reason: info.reason };
  if (requested === 'cuda') {
    throw new CudaUnavailableError(info.code as CudaUnavailableError['code'], info.reason);
  }
  return { device: 'cpu', reason: `CUDA is not usable: ${info.reason}` };
}
