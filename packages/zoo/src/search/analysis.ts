import { IDENTITY_MODULE } from '../modules';
import { MODULE_B_IDS, moduleKind } from '../spec';
import type { TrialRecord, TrialStatus } from '../store/trial-store';
import { TRIAL_STATUSES } from '../store/trial-store';
import { inRace } from './pruner';

/** Accuracy statistics of one group of complete trials. */
export interface GroupStats {
  key: string;
  count: number;
  /** Mean clip accuracy (0..1); null for an empty group. */
  meanAccuracy: number | null;
  /** Sample standard deviation (n - 1); null below two trials. */
  stdAccuracy: number | null;
  minAccuracy: number | null;
  maxAccuracy: number | null;
  meanLoss: number | null;
  meanSizeKiB: number | null;
}

/** A selected candidate, with what the retrain step needs. */
export interface Candidate {
  trialId: number;
  number: number;
  archId: string;
  spec: TrialRecord['spec'];
  accuracy: number;
  loss: number;
  params: number;
  sizeKiB: number;
}

export interface Selection {
  /** Highest test accuracy (the paper's model A); ties go to the lower loss. */
  bestAccuracy: Candidate | null;
  /** Lowest test loss (the paper's model B); ties go to the higher accuracy. */
  lowestLoss: Candidate | null;
}

/** One rung of a study's pruner, as its trials went through it. */
export interface RungSummary {
  rung: number;
  epochs: number;
  /** Trials that reached the rung (a re-run counts once, with the rungs it carries). */
  reached: number;
  /** Of those, the ones promoted on: at the next rung or training toward it. */
  promoted: number;
  /** Of those, the ones pruned there. */
  stopped: number;
}

/** What the study's training cost. */
export interface ComputeSummary {
  /** Training samples trained, every run of every trial; null when no trial recorded it. */
  trainedSamples: number | null;
  /** Trials that trained but recorded no samples (evaluators that do not say). */
  trialsWithoutSamples: number;
  /** Evaluator-reported seconds, every run of every trial. */
  seconds: number;
}

export interface StudyAnalysis {
  counts: Record<TrialStatus, number>;
  /** Per rung of the pruner (one rung under the paper's protocol); empty before rungs. */
  rungs: RungSummary[];
  compute: ComputeSummary;
  complete: number;
  /** Raw sampler draws rejected by the size window up to the last proposal (not failures). */
  rejectedBySize: number;
  overall: GroupStats;
  /** Figure 4: by growth ratio of filter number. */
  byGrowth: GroupStats[];
  byBlocks: GroupStats[];
  /** A trial counts once in every module type it contains (identity excluded). */
  byModule: GroupStats[];
  /** By the pools of a trial's blocks: all average, all max, or mixed. */
  byPooling: GroupStats[];
  selection: Selection;
}

function stats(key: string, trials: TrialRecord[]): GroupStats {
  const acc = trials.map((t) => t.accuracy as number);
  const n = acc.length;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const m = mean(acc);
  const std =
    n >= 2 && m !== null ? Math.sqrt(acc.reduce((s, a) => s + (a - m) ** 2, 0) / (n - 1)) : null;
  return {
    key,
    count: n,
    meanAccuracy: m,
    stdAccuracy: std,
    minAccuracy: n ? Math.min(...acc) : null,
    maxAccuracy: n ? Math.max(...acc) : null,
    meanLoss: mean(trials.map((t) => t.loss as number)),
    meanSizeKiB: mean(trials.map((t) => t.sizeKiB)),
  };
}

function groupBy(
  trials: TrialRecord[],
  keys: string[],
  keyOf: (t: TrialRecord) => string[],
): GroupStats[] {
  return keys.map((k) =>
    stats(
      k,
      trials.filter((t) => keyOf(t).includes(k)),
    ),
  );
}

function candidate(t: TrialRecord): Candidate {
  return {
    trialId: t.trialId,
    number: t.number,
    archId: t.archId,
    spec: t.spec,
    accuracy: t.accuracy as number,
    loss: t.loss as number,
    params: t.params,
    sizeKiB: t.sizeKiB,
  };
}

/** Best-accuracy and lowest-loss candidates among complete trials. */
export function selectCandidates(trials: TrialRecord[]): Selection {
  const done = trials.filter(
    (t) => t.status === 'complete' && t.accuracy !== null && t.loss !== null,
  );
  if (done.length === 0) return { bestAccuracy: null, lowestLoss: null };
  const byAccuracy = [...done].sort(
    (a, b) =>
      (b.accuracy as number) - (a.accuracy as number) ||
      (a.loss as number) - (b.loss as number) ||
      a.number - b.number,
  );
  const byLoss = [...done].sort(
    (a, b) =>
      (a.loss as number) - (b.loss as number) ||
      (b.accuracy as number) - (a.accuracy as number) ||
      a.number - b.number,
  );
  return { bestAccuracy: candidate(byAccuracy[0]), lowestLoss: candidate(byLoss[0]) };
}

/** How the study's trials went through its rungs (from their rung records). */
export function rungSummaries(trials: readonly TrialRecord[]): RungSummary[] {
  const racing = trials.filter(inRace);
  const epochs = new Map<number, number>();
  for (const t of racing) for (const r of t.rungs) epochs.set(r.rung, r.epochs);
  return [...epochs.keys()]
    .sort((a, b) => a - b)
    .map((rung) => {
      const reached = racing.filter((t) => t.rungs.some((r) => r.rung === rung));
      const promoted = reached.filter(
        (t) => t.rungs.some((r) => r.rung > rung) || (t.status === 'running' && t.rung! > rung),
      );
      return {
        rung,
        epochs: epochs.get(rung) as number,
        reached: reached.length,
        promoted: promoted.length,
        stopped: reached.filter((t) => t.status === 'pruned' && t.rung === rung).length,
      };
    });
}

/** Ranks of `values` from 1, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson's of the ranks); null below 3 pairs or without spread. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length || xs.length < 3) return null;
  const [rx, ry] = [ranks(xs), ranks(ys)];
  const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/**
 * How well a low rung ranks the trials as the top rung does: Spearman's correlation of
 * the metric at `rung` and at the top, over the trials that reached the top.
 */
export function rungRankCorrelation(
  trials: readonly TrialRecord[],
  rung: number,
  metric: 'accuracy' | 'loss',
): { rung: number; epochs: number | null; trials: number; rho: number | null } {
  const top = trials.filter((t) => t.status === 'complete' && t.rungs.some((r) => r.rung === rung));
  const at = (t: TrialRecord, k: number) => t.rungs.find((r) => r.rung === k)![metric];
  const last = (t: TrialRecord) => t.rungs[t.rungs.length - 1][metric];
  return {
    rung,
    epochs: top[0]?.rungs.find((r) => r.rung === rung)?.epochs ?? null,
    trials: top.length,
    rho: spearman(
      top.map((t) => at(t, rung)),
      top.map(last),
    ),
  };
}

export function computeSummary(trials: readonly TrialRecord[]): ComputeSummary {
  let trainedSamples: number | null = null;
  let trialsWithoutSamples = 0;
  let seconds = 0;
  for (const t of trials) {
    seconds += t.seconds ?? 0;
    if (t.trainedSamples !== null) trainedSamples = (trainedSamples ?? 0) + t.trainedSamples;
    else if (t.seconds !== null) trialsWithoutSamples++;
  }
  return { trainedSamples, trialsWithoutSamples, seconds };
}

/** The paper's analysis of a study's complete trials (Figure 4 and its siblings). */
export function analyseTrials(trials: TrialRecord[]): StudyAnalysis {
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<
    TrialStatus,
    number
  >;
  for (const t of trials) counts[t.status]++;
  const done = trials.filter((t) => t.status === 'complete' && t.accuracy !== null);
  const growths = [...new Set([1, 1.25, 1.5, 1.75, 2, ...done.map((t) => t.spec.growth)])].sort(
    (a, b) => a - b,
  );
  const blockCounts = [...new Set([2, 3, 4, ...done.map((t) => t.spec.blocks.length)])].sort(
    (a, b) => a - b,
  );
  return {
    counts,
    rungs: rungSummaries(trials),
    compute: computeSummary(trials),
    complete: done.length,
    rejectedBySize: trials.reduce((m, t) => Math.max(m, t.rejectedBySize), 0),
    overall: stats('all', done),
    byGrowth: groupBy(
      done,
      growths.map((g) => g.toFixed(2)),
      (t) => [t.spec.growth.toFixed(2)],
    ),
    byBlocks: groupBy(done, blockCounts.map(String), (t) => [String(t.spec.blocks.length)]),
    byModule: groupBy(
      done,
      MODULE_B_IDS.map((id) => moduleKind(id).label),
      (t) =>
        t.spec.blocks
          .flatMap(([a, b]) => [a, b])
          .filter((id) => id !== IDENTITY_MODULE)
          .map((id) => moduleKind(id).label),
    ),
    byPooling: groupBy(done, ['all avg', 'all max', 'mixed'], (t) => {
      const pools = new Set(t.spec.blocks.map((b) => b[2]));
      return [pools.size > 1 ? 'mixed' : pools.has('avg') ? 'all avg' : 'all max'];
    }),
    selection: selectCandidates(trials),
  };
}
