import { Rng } from '@asc/core';
import { memorySegmentSource, type ClipRef, type SegmentSource } from './segments';

/**
 * A synthetic set of segments in memory, for tests and device checks (the trainer's
 * tests, gpu-check's trainer checks): no audio, no features, no cache.
 */
export interface SyntheticSet {
  source: SegmentSource;
  train: ClipRef[];
  evaluate: ClipRef[];
  shape: [number, number, number];
}

/**
 * Clips whose class sets which third of the bands carries extra energy, in noise; an
 * easy but not trivial task for a tiny model (noise std = 1, signal = `strength`).
 */
export function syntheticSet(options: {
  clips: number;
  evaluateClips: number;
  segmentsPerClip: number;
  shape: [number, number, number];
  classes: number;
  seed: number;
  strength?: number;
}): SyntheticSet {
  const rng = Rng.fromSeed(options.seed);
  const [frames, bands, planes] = options.shape;
  const size = frames * bands * planes;
  const map = new Map<string, Float32Array>();
  const make = (prefix: string, n: number): ClipRef[] =>
    Array.from({ length: n }, (_, i) => {
      const classIndex = i % options.classes;
      const data = new Float32Array(options.segmentsPerClip * size);
      for (let j = 0; j < data.length; j++) {
        const band = Math.floor(j / planes) % bands;
        const hot = Math.floor((band * options.classes) / bands) === classIndex;
        data[j] = -40 + 5 * rng.normal() + (hot ? 5 * (options.strength ?? 1) : 0);
      }
      const file = `${prefix}-${i}.wav`;
      map.set(file, data);
      return { file, classIndex };
    });
  const train = make('train', options.clips);
  const evaluate = make('eval', options.evaluateClips);
  return { source: memorySegmentSource(map, options.shape), train, evaluate, shape: options.shape };
}
