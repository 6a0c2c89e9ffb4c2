import { loadAddon } from '../addon';
import type { AudioSource } from '../audio/types';
import type { BatchOutcome } from './batch';
import type { FeatureConfig } from './config';
import type { DeviceRun } from './cache';
import type { DeviceChoice } from './device';

// The feature functions of the compiled addon, typed (src/binding/features.cc).

export interface NativeClip {
  segments: Float32Array;
  count: number;
  segmentFrames: number;
  bands: number;
  frames: number;
  channels: number;
  source: AudioSource;
  channelsUsed: number[];
  truncated: boolean;
}

export interface NativeFeatures {
  morletFilterbank(
    nFft: number,
    J: number,
    Q: number,
  ): { xi: Float64Array; sigma: Float64Array; weights: Float32Array; bands: number; bins: number };
  computeClip(
    path: string,
    config: FeatureConfig,
    options?: { allowTruncated: boolean },
  ): Promise<NativeClip>;
  runBatch(
    paths: string[],
    options: {
      config: FeatureConfig;
      shardDir: string;
      dtype: 'float32' | 'float16';
      threads: number;
      allowTruncated: boolean;
      device?: DeviceChoice['device'];
      cudaDevice?: number;
      deviceMemoryBytes?: number;
      fft?: 'auto' | 'cufft' | 'builtin';
    },
    onOutcome: (o: BatchOutcome) => void,
  ): { promise: Promise<DeviceRun | { device: 'cpu' }>; cancel(): void };
  /** The CUDA kernels alone on clips already in device memory. */
  cudaComputeTime(
    config: FeatureConfig,
    options: {
      samples: number;
      channels: number;
      clips: number;
      fft?: 'auto' | 'cufft' | 'builtin';
      deviceMemoryBytes?: number;
      cudaDevice?: number;
      dtype?: 'float32' | 'float16';
    },
  ): Promise<{ secondsPerClip: number; description: string; fft: 'cufft' | 'builtin' }>;
  /** One frame's spectrum as the CUDA programs compute it, run on the host (tests). */
  emulatedFrameSpectrum(
    samples: Float32Array,
    frame: number,
    config: FeatureConfig,
    fft: 'builtin' | 'cufft',
  ): Float32Array;
  timeFftOnly(
    config: FeatureConfig,
    samples: number,
    channels: number,
    clips: number,
    threads: number,
  ): Promise<number>;
}

/** The addon's feature functions; throws AddonUnavailableError when it is not built. */
export function nativeFeatures(): NativeFeatures {
  return loadAddon() as unknown as NativeFeatures;
}
