import type * as tfType from '@tensorflow/tfjs';
import { Rng } from '@asc/core';
import { InputNormaliser } from './inputs';
import { fitNormalisation } from './normalisation';
import type { Recipe } from './recipe';
import { memorySegmentSource, type ClipRef, type SegmentSource } from './segments';
import { Trainer, type TrainerRngStates } from './trainer';

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

/**
 * A Trainer of `model` on a synthetic set, its inputs normalised over the set's training
 * clips: what the trainer's tests and gpu-check's trainer checks train. Dispose both.
 */
export function syntheticTrainer(options: {
  tf: typeof tfType;
  model: tfType.LayersModel;
  set: SyntheticSet;
  recipe: Recipe;
  classes: number;
  rngs: TrainerRngStates;
}): { trainer: Trainer; inputs: InputNormaliser } {
  const { tf, model, set, recipe, classes, rngs } = options;
  const inputs = new InputNormaliser(tf, set.shape, fitNormalisation(set.source, set.train));
  const trainer = new Trainer({
    tf,
    model,
    recipe,
    inputs,
    classes,
    train: { source: set.source, clips: set.train },
    evaluate: { source: set.source, clips: set.evaluate },
    rngs,
  });
  return { trainer, inputs };
}
