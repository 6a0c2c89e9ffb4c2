import * as path from 'path';
import type { Pruner } from '../src/search/pruner';
import type { TrialRecord } from '../src/store/trial-store';

export const RUNG_EVALUATOR = path.join(__dirname, 'fixtures', 'rung-evaluator.js');
const { expectedMetrics, samplesOf } = require(RUNG_EVALUATOR) as {
  expectedMetrics(archId: string, epochs: number): { accuracy: number; loss: number };
  samplesOf(epochs: number): number;
};

/**
 * What a finished study under a pruner must hold, whatever was killed on the way:
 * - exactly `n` finished trials (complete or pruned), distinct, none running or waiting;
 * - each with complete rung records: every rung from its bracket's first to the one it
 *   stopped at, at the pruner's epochs, with the samples and metrics of that budget;
 * - complete exactly at the top rung, and at least one complete;
 * - every trial that did not finish re-run exactly once;
 * - nothing trained twice: along a trial and the retries before it, the samples trained
 *   add up to its last rung's (promotions and re-runs continued from the checkpoint),
 *   when every worker shares the checkpoints (one machine); at least that otherwise;
 * - the promotions that the end state calls for all made: at each rung, the top
 *   max(1, floor(n / eta)) of the n trials that reached it went on.
 */
export function expectFinishedStudy(
  trials: TrialRecord[],
  pruner: Pruner,
  n: number,
  o: { sharedCheckpoints?: boolean } = {},
): void {
  const top = pruner.rungs.length - 1;
  const finished = trials.filter((t) => t.status === 'complete' || t.status === 'pruned');
  expect(finished).toHaveLength(n);
  expect(new Set(finished.map((t) => t.archId)).size).toBe(n);
  expect(trials.filter((t) => t.status === 'running' || t.requeued)).toEqual([]);
  expect(finished.some((t) => t.status === 'complete')).toBe(true);
  const byId = new Map(trials.map((t) => [t.trialId, t]));
  for (const t of finished) {
    const first = pruner.bracketStart(t.bracket);
    expect(t.rungs.map((r) => r.rung)).toEqual(
      Array.from({ length: t.rung! - first + 1 }, (_, i) => first + i),
    );
    for (const r of t.rungs) {
      expect(r.epochs).toBe(pruner.rungs[r.rung]);
      expect(r.samples).toBe(samplesOf(r.epochs));
      expect(r.accuracy).toBeCloseTo(expectedMetrics(t.archId, r.epochs).accuracy, 12);
    }
    expect(t.status).toBe(t.rung === top ? 'complete' : 'pruned');
    let trained = 0;
    for (let x: TrialRecord | undefined = t; x; x = x.retryOf ? byId.get(x.retryOf) : undefined) {
      trained += x.trainedSamples ?? 0;
    }
    const last = t.rungs[t.rungs.length - 1].samples!;
    if (o.sharedCheckpoints === false) expect(trained).toBeGreaterThanOrEqual(last);
    else expect(trained).toBe(last);
  }
  for (const t of trials.filter((x) => x.status !== 'complete' && x.status !== 'pruned')) {
    expect(trials.filter((r) => r.retryOf === t.trialId)).toHaveLength(1);
  }
  const eta = pruner.config.reductionFactor;
  for (let b = 0; b < pruner.brackets; b++) {
    for (let k = pruner.bracketStart(b); k < top; k++) {
      const reached = finished.filter((t) => t.bracket === b && t.rungs.some((r) => r.rung === k));
      if (reached.length === 0) continue;
      const at = (t: TrialRecord) => t.rungs.find((r) => r.rung === k)!.accuracy;
      const ranked = [...reached].sort((x, y) => at(y) - at(x));
      const quota = Math.max(1, Math.floor(reached.length / eta));
      for (const t of ranked.slice(0, quota)) expect(t.rung).toBeGreaterThan(k);
    }
  }
}
