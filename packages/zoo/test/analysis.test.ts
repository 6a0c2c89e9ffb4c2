import { analyseTrials, selectCandidates, spearman } from '../src/search/analysis';
import type { ArchSpec } from '../src/spec';
import type { TrialRecord } from '../src/store/trial-store';

let next = 0;
function trial(
  spec: ArchSpec,
  accuracy: number | null,
  loss: number | null,
  status = 'complete',
): TrialRecord {
  const n = next++;
  return {
    trialId: n + 1,
    number: n,
    studyName: 's',
    sampleIndex: n,
    archId: `arch-${n}`,
    spec,
    seed: n,
    status: status as TrialRecord['status'],
    params: 100,
    sizeKiB: 300 + n,
    sizeKiBFp16: 150,
    rejectedBySize: 10 * n,
    accuracy,
    loss,
    segmentAccuracy: null,
    backend: null,
    seconds: 1,
    epochs: [],
    startedAt: 0,
    endedAt: 1,
    heartbeatAt: 1,
    worker: 'w',
    host: 'h',
    pid: 1,
    error: null,
    featureConfigHash: null,
    retryOf: null,
    requeued: false,
    bracket: 0,
    rung: 0,
    rungs: [],
    trainedSamples: null,
  };
}

const g = (growth: number, blocks: ArchSpec['blocks']): ArchSpec => ({
  stemFilters: 8,
  growth,
  blocks,
});

describe('study analysis', () => {
  const trials = [
    trial(
      g(1, [
        [0, 1, 'avg'],
        [3, 1, 'avg'],
      ]),
      0.9,
      0.3,
    ),
    trial(
      g(1, [
        [2, 4, 'max'],
        [0, 1, 'max'],
        [0, 1, 'avg'],
      ]),
      0.94,
      0.25,
    ),
    trial(
      g(2, [
        [0, 2, 'avg'],
        [0, 2, 'max'],
      ]),
      0.92,
      0.2,
    ),
    trial(
      g(2, [
        [0, 2, 'avg'],
        [0, 2, 'avg'],
      ]),
      0.8,
      0.5,
      'failed',
    ),
    trial(
      g(1.5, [
        [0, 1, 'avg'],
        [0, 1, 'avg'],
      ]),
      null,
      null,
      'running',
    ),
  ];
  const a = analyseTrials(trials);

  it('computes mean, sample std and count by growth ratio (hand-computed)', () => {
    const one = a.byGrowth.find((s) => s.key === '1.00')!;
    expect(one.count).toBe(2);
    expect(one.meanAccuracy).toBeCloseTo(0.92, 12);
    expect(one.stdAccuracy).toBeCloseTo(
      Math.sqrt(((0.9 - 0.92) ** 2 + (0.94 - 0.92) ** 2) / 1),
      12,
    );
    const two = a.byGrowth.find((s) => s.key === '2.00')!;
    expect(two).toMatchObject({ count: 1, meanAccuracy: 0.92, stdAccuracy: null });
    expect(a.byGrowth.find((s) => s.key === '1.75')).toMatchObject({
      count: 0,
      meanAccuracy: null,
    });
    expect(a.byGrowth.map((s) => s.key)).toEqual(['1.00', '1.25', '1.50', '1.75', '2.00']);
  });

  it('groups by blocks, module type and pooling', () => {
    expect(a.byBlocks.map((s) => [s.key, s.count])).toEqual([
      ['2', 2],
      ['3', 1],
      ['4', 0],
    ]);
    expect(a.byModule.map((s) => [s.key, s.count])).toEqual([
      ['3 × 3 DSC', 2],
      ['5 × 5 DSC', 2],
      ['3 × 3 IRwLB', 1],
      ['5 × 5 IRwLB', 1],
    ]);
    expect(a.byPooling.map((s) => [s.key, s.count])).toEqual([
      ['all avg', 1],
      ['all max', 0],
      ['mixed', 2],
    ]);
  });

  it('counts statuses and size rejections and selects best accuracy and lowest loss', () => {
    expect(a.counts).toEqual({ running: 1, complete: 3, failed: 1, interrupted: 0, pruned: 0 });
    expect(a.rejectedBySize).toBe(trials[4].rejectedBySize);
    expect(a.selection.bestAccuracy?.trialId).toBe(trials[1].trialId);
    expect(a.selection.lowestLoss?.trialId).toBe(trials[2].trialId);
    expect(a.overall.count).toBe(3);
  });

  it('breaks accuracy ties by loss and loss ties by accuracy', () => {
    const s = g(1, [
      [0, 1, 'avg'],
      [0, 1, 'avg'],
    ]);
    const tied = [trial(s, 0.9, 0.4), trial(s, 0.9, 0.3), trial(s, 0.8, 0.3)];
    const sel = selectCandidates(tied);
    expect(sel.bestAccuracy?.trialId).toBe(tied[1].trialId);
    expect(sel.lowestLoss?.trialId).toBe(tied[1].trialId);
    expect(selectCandidates([])).toEqual({ bestAccuracy: null, lowestLoss: null });
  });
});

describe('spearman', () => {
  it('matches hand-computed rank correlations, ties by mean rank', () => {
    // Ranks (1, 2, 3, 4, 5) against (2, 1, 4, 3, 5): d^2 sums to 4, rho = 1 - 6*4/(5*24) = 0.8.
    expect(spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // Ties: x ranks (1.5, 1.5, 3), y ranks (1, 2, 3): Pearson of the ranks = sqrt(3)/2.
    expect(spearman([5, 5, 7], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(spearman([1, 2], [1, 2])).toBeNull();
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
