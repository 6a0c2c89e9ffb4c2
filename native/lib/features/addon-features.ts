import { loadAddon } from '../addon';
import type { AudioSource } from '../audio/types';
import type { BatchOutcome } from './batch';
import type { FeatureConfig } from './config';

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
    },
    onOutcome: (o: BatchOutcome) => void,
  ): { promise: Promise<void>; cancel(): void };
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
