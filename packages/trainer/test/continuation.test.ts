import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, TrialContext, TrialResult, WeightInit } from '@asc/zoo';
import {
  SEARCH_RECIPE,
  createCandidateEvaluator,
  readCheckpoint,
  type CandidateEvaluator,
} from '../src';
import { JS_CPU_BACKEND, TINY_SPEC, tinySet } from './helpers';

/**
 * A promoted trial continues from its checkpoint exactly as an uninterrupted run of the
 * same length: same weights, Adam moments and step, random streams and position, to the
 * byte, including across a stop in the middle of an epoch and a fresh evaluator (as in
 * another worker process).
 */
// 12 training segments in batches of 5: an epoch is 5 + 5 + 2.
const set = tinySet();
const recipe = { ...SEARCH_RECIPE, batchSize: 5 };

function evaluator(init?: WeightInit): CandidateEvaluator {
  return createCandidateEvaluator({
    tf,
    backend: JS_CPU_BACKEND,
    train: { source: set.source, clips: set.train },
    evaluate: { source: set.source, clips: set.evaluate },
    classes: 3,
    recipe,
    init,
  });
}

function run(
  e: CandidateEvaluator,
  epochs: number,
  checkpoint: string,
  reported: EpochMetrics[] = [],
): Promise<TrialResult> {
  const context: TrialContext = {
    trialId: 1,
    seed: 42,
    epochs,
    maxEpochs: 3,
    checkpoint,
    signal: new AbortController().signal,
    reportEpoch: async (m) => {
      reported.push(m);
    },
  };
  return e.evaluate(TINY_SPEC, context);
}

/** The checkpoint's tensors as one buffer, and its meta. */
function state(file: string): { bytes: Buffer; meta: Record<string, unknown> } {
  const { meta, tensors } = readCheckpoint<Record<string, unknown>>(file);
  const bytes = Buffer.concat(tensors.map((t) => Buffer.from(t.values.buffer)));
  return { bytes, meta };
}

describe('a promoted trial continues from its checkpoint', () => {
  let dir: string;
  beforeAll(async () => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-continue-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('to the byte of an uninterrupted run, through a stop inside an epoch', async () => {
    const straight = path.join(dir, 'straight.ckpt');
    const promoted = path.join(dir, 'promoted.ckpt');
    // Rung 0 at 0.5 epoch: 6 samples -> two batches (10 samples), mid-epoch.
    const first = await run(evaluator(), 0.5, promoted);
    expect(first.samples).toBe(10);
    expect(first.trainedSamples).toBe(10);
    expect(first.epochs).toEqual([]);
    expect(state(promoted).meta.position).toMatchObject({ epoch: 0, batches: 2, samples: 10 });

    // Promoted to 1.5 epochs by a fresh evaluator; the other trains 0 -> 1.5 in one go.
    const reportedPromoted: EpochMetrics[] = [];
    const continued = await run(evaluator(), 1.5, promoted, reportedPromoted);
    const reportedStraight: EpochMetrics[] = [];
    const whole = await run(evaluator(), 1.5, straight, reportedStraight);
    expect(continued.trainedSamples).toBe(continued.samples! - 10);
    expect(whole.samples).toBe(22); // 12 + 5 + 5: the first batch boundary past 18
    expect(continued.samples).toBe(whole.samples);
    const [a, b] = [state(promoted), state(straight)];
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.meta.rngs).toEqual(b.meta.rngs);
    expect(a.meta.optimizerStep).toBe(b.meta.optimizerStep);
    expect(a.meta.position).toMatchObject({ epoch: 1, batches: 2, samples: 22 });
    expect(b.meta.position).toMatchObject({ epoch: 1, batches: 2, samples: 22 });
    expect(continued.accuracy).toBe(whole.accuracy);
    expect(continued.loss).toBe(whole.loss);
    // Epoch 1 ended in the continued call: its training loss covers the whole epoch.
    expect(reportedPromoted.map((m) => m.epoch)).toEqual([1]);
    expect(reportedPromoted[0].trainLoss).toBe(reportedStraight[0].trainLoss);
    expect(reportedPromoted[0].testLoss).toBe(reportedStraight[0].testLoss);
  });

  it('keeps the full schedule: stopping at an epoch boundary and going on equals one run', async () => {
    const promoted = path.join(dir, 'boundary.ckpt');
    const straight = path.join(dir, 'boundary-straight.ckpt');
    await run(evaluator(), 1, promoted);
    const continued = await run(evaluator(), 2, promoted);
    const whole = await run(evaluator(), 2, straight);
    expect(state(promoted).bytes.equals(state(straight).bytes)).toBe(true);
    expect(continued.loss).toBe(whole.loss);
    // The top rung (maxEpochs) writes no state: nothing is left to continue.
    const top = path.join(dir, 'top.ckpt');
    await run(evaluator(), 3, top);
    expect(fs.existsSync(top)).toBe(false);
  });

  it("trains from the start, to the same result, when the state is another trial's", async () => {
    const file = path.join(dir, 'other.ckpt');
    await run(evaluator(), 0.5, file);
    // A different initialisation: the saved state is not this trial's.
    const other = evaluator('glorot');
    const r = await run(other, 1, file);
    expect(r.trainedSamples).toBe(12);
    const fresh = await run(other, 1, path.join(dir, 'fresh.ckpt'));
    expect(r.loss).toBe(fresh.loss);
  });
});
