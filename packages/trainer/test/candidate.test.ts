import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, TrialContext } from '@asc/zoo';
import { checkTrialResult } from '@asc/zoo';
import { createCandidateEvaluator } from '../src';
import { JS_CPU_BACKEND as BACKEND, TINY_SPEC as TINY, tinySet } from './helpers';

function context(seed: number, epochs: number, reported: EpochMetrics[]): TrialContext {
  return {
    trialId: seed,
    seed,
    epochs,
    signal: new AbortController().signal,
    reportEpoch: async (m) => {
      reported.push(m);
    },
  };
}

describe('createCandidateEvaluator', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const set = tinySet();
  const evaluator = createCandidateEvaluator({
    tf,
    backend: BACKEND,
    train: { source: set.source, clips: set.train },
    evaluate: { source: set.source, clips: set.evaluate },
    classes: 3,
  });
  afterAll(() => evaluator.dispose());

  it('returns a valid TrialResult, reports every epoch, and is a function of the seed', async () => {
    const reported: EpochMetrics[] = [];
    const a = checkTrialResult(await evaluator.evaluate(TINY, context(5, 2, reported)));
    expect(reported.map((m) => m.epoch)).toEqual([1, 2]);
    expect(a.epochs).toEqual(reported);
    expect(Object.keys(a.epochs[0]).sort()).toEqual([
      'epoch',
      'samplesPerSec',
      'seconds',
      'segmentAccuracy',
      'testAccuracy',
      'testLoss',
      'trainLoss',
    ]);
    expect(a.accuracy).toBe(reported[1].testAccuracy);
    const b = await evaluator.evaluate(TINY, context(5, 2, []));
    expect(b.loss).toBe(a.loss);
    expect(b.epochs[1].trainLoss).toBe(a.epochs[1].trainLoss);
  });

  it('keeps the tensor count flat over many candidates', async () => {
    await evaluator.evaluate(TINY, context(1, 1, []));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) await evaluator.evaluate(TINY, context(100 + i, 1, []));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when the trial is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const ctx = { ...context(3, 1, []), signal: controller.signal };
    const before = tf.memory().numTensors;
    await expect(evaluator.evaluate(TINY, ctx)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
