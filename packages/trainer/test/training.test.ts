import * as tf from '@tensorflow/tfjs';
import { Rng } from '@asc/core';
import { SEARCH_RECIPE, seededCopy, type InputNormaliser, type Trainer, type Recipe } from '../src';
import { syntheticTrainer } from '../src/synthetic';
import { syntheticSet, tinyModel } from './helpers';

const SHAPE: [number, number, number] = [8, 12, 2];

function trainerFor(
  model: tf.LayersModel,
  set: ReturnType<typeof syntheticSet>,
  recipe: Recipe,
  seed: number,
): { trainer: Trainer; inputs: InputNormaliser } {
  const rng = Rng.fromSeed(seed);
  return syntheticTrainer({
    tf,
    model,
    set,
    recipe,
    classes: 3,
    rngs: { shuffle: Rng.fromSeed(rng.seed()).state(), mixup: Rng.fromSeed(rng.seed()).state() },
  });
}

describe('Trainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('overfits a handful of batches (no mixup, no decay)', async () => {
    const set = syntheticSet({
      clips: 12,
      evaluateClips: 3,
      segmentsPerClip: 4,
      shape: SHAPE,
      classes: 3,
      seed: 3,
      strength: 0.3,
    });
    const recipe: Recipe = {
      ...SEARCH_RECIPE,
      epochs: 1,
      batchSize: 16,
      learningRate: 0.01,
      weightDecay: 0,
      mixup: null,
      schedule: { kind: 'step', factor: 1, everyEpochs: 1 },
    };
    const model = await seededCopy(tf, tinyModel(SHAPE, 3, 8), Rng.fromSeed(2));
    const { trainer, inputs } = trainerFor(model, set, recipe, 1);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 40; epoch++) {
      const r = await trainer.runEpoch(0);
      losses.push(r.record.trainLoss);
    }
    // 3 batches of 16 segments; the loss falls from ~0.64 to well below.
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[losses.length - 1]).toBeLessThan(0.3 * losses[0]);
    trainer.dispose();
    inputs.dispose();
    model.dispose();
  });
  it('uses batch statistics in training and updates the BN moving averages', async () => {
    const set = syntheticSet({
      clips: 3,
      evaluateClips: 3,
      segmentsPerClip: 2,
      shape: SHAPE,
      classes: 3,
      seed: 4,
    });
    const model = tinyModel(SHAPE, 3);
    const movingMean = model.weights.find((w) => w.name.includes('moving_mean'));
    expect(movingMean).toBeDefined();
    const before = Array.from(movingMean!.read().dataSync());
    const { trainer, inputs } = trainerFor(model, set, { ...SEARCH_RECIPE, epochs: 1 }, 2);
    await trainer.runEpoch(0);
    expect(Array.from(movingMean!.read().dataSync())).not.toEqual(before);
    trainer.dispose();
    inputs.dispose();
    model.dispose();
  });
  it('seededCopy makes initial weights a function of the seed', async () => {
    const base = tinyModel(SHAPE, 3);
    const a = await seededCopy(tf, base, Rng.fromSeed(5));
    const b = await seededCopy(tf, base, Rng.fromSeed(5));
    const c = await seededCopy(tf, base, Rng.fromSeed(6));
    const flat = (m: tf.LayersModel): number[] =>
      m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    // Same shapes and layer types as the original.
    expect(a.weights.map((w) => w.shape)).toEqual(base.weights.map((w) => w.shape));
    [base, a, b, c].forEach((m) => m.dispose());
  });
  it('a short training with the search recipe beats chance clearly', async () => {
    const set = syntheticSet({
      clips: 96,
      evaluateClips: 24,
      segmentsPerClip: 4,
      shape: SHAPE,
      classes: 3,
      seed: 9,
      strength: 2,
    });
    const model = await seededCopy(tf, tinyModel(SHAPE, 3, 8), Rng.fromSeed(1));
    const recipe: Recipe = { ...SEARCH_RECIPE, batchSize: 16, learningRate: 0.01 };
    const { trainer, inputs } = trainerFor(model, set, recipe, 7);
    let last = { testAccuracy: 0, testLoss: Infinity };
    for (let epoch = 0; epoch < 3; epoch++) last = (await trainer.runEpoch(epoch)).record;
    // Chance is 1/3 (8 of 24 clips) and log loss ln 3 = 1.0986.
    expect(last.testAccuracy).toBeGreaterThanOrEqual(2 / 3);
    expect(last.testLoss).toBeLessThan(1.05);
    trainer.dispose();
    inputs.dispose();
    model.dispose();
  });
});
