import type { SizeWindow, TrialRecord } from '@asc/zoo';
import {
  accuracyByGrowthSpec,
  accuracyVsSizeSpec,
  CANDIDATE_ROLE,
  type HistogramBar,
  type MeanMark,
  type ScatterPoint,
} from './charts';
import type { Figure, Table } from './model';
import { binEdges, histogram, niceBins } from './stats';

/** A complete trial with its metrics (what Figures 3 and 4 plot). */
export type ScoredTrial = TrialRecord & { accuracy: number; loss: number };

/** The complete trials that have both an accuracy and a loss. */
export function scoredTrials(trials: readonly TrialRecord[]): ScoredTrial[] {
  return trials.filter(
    (t): t is ScoredTrial => t.status === 'complete' && t.accuracy !== null && t.loss !== null,
  );
}

export const ROLE_BEST_ACCURACY = 'best accuracy';
export const ROLE_LOWEST_LOSS = 'lowest loss';

/** Figure 3: every scored candidate's accuracy against its size; selections marked. */
export function figure3(
  scored: readonly ScoredTrial[],
  selected: { bestAccuracy: number | null; lowestLoss: number | null },
  sizeWindow: SizeWindow | null,
): Figure {
  const roleOf = (t: ScoredTrial): string => {
    const roles = [
      t.trialId === selected.bestAccuracy ? ROLE_BEST_ACCURACY : null,
      t.trialId === selected.lowestLoss ? ROLE_LOWEST_LOSS : null,
    ].filter((r): r is string => r !== null);
    return roles.length > 0 ? roles.join(' and ') : CANDIDATE_ROLE;
  };
  const points: ScatterPoint[] = scored.map((t) => ({
    trialId: t.trialId,
    archId: t.archId,
    sizeKiB: t.sizeKiB,
    accuracy: t.accuracy,
    role: roleOf(t),
  }));
  const data: Table = {
    id: 'figure3-data',
    title: 'Figure 3 data',
    caption: 'Every complete candidate: model size (float32) and accuracy after the search recipe.',
    columns: [
      { key: 'trialId', label: 'trial', format: { kind: 'integer' } },
      { key: 'archId', label: 'architecture', format: { kind: 'text' } },
      { key: 'sizeKiB', label: 'size (KiB)', format: { kind: 'fixed', decimals: 1 } },
      { key: 'accuracy', label: 'accuracy', format: { kind: 'percent', decimals: 2 } },
      { key: 'role', label: 'role', format: { kind: 'text' } },
    ],
    rows: points.map((p) => ({ ...p })),
    notes: [],
  };
  const notes = scored.length === 0 ? ['No complete candidates yet: the scatter is empty.'] : [];
  return {
    id: 'figure3',
    title: 'Figure 3',
    caption:
      `Accuracy of the ${scored.length} complete candidates (search recipe) against their model ` +
      'size; the best-accuracy and lowest-loss candidates are marked' +
      (sizeWindow
        ? `, dashed lines bound the size window ${sizeWindow.minKiB}..${sizeWindow.maxKiB} KiB.`
        : '.'),
    vegaLite: accuracyVsSizeSpec(points, sizeWindow),
    data,
    notes,
  };
}

/**
 * Figure 4: per growth ratio, the fraction of its candidates in each accuracy bin (bins
 * shared by all ratios), with this study's mean; the paper's mean is drawn when it falls
 * inside the plotted accuracy range (a synthetic study can sit far from it).
 */
export function figure4(scored: readonly ScoredTrial[], means: Table): Figure {
  const bins = niceBins(scored.map((t) => t.accuracy));
  const bars: HistogramBar[] = [];
  // Panels for the ratios of the table beside the figure (the paper's five at least).
  for (const growth of means.rows.map((r) => r.growth as number)) {
    const group = scored.filter((t) => t.spec.growth === growth);
    if (group.length === 0) continue;
    histogram(
      group.map((t) => t.accuracy),
      bins,
    ).forEach((count, i) => {
      const [binStart, binEnd] = binEdges(bins, i);
      bars.push({ growth, binStart, binEnd, count, fraction: count / group.length });
    });
  }
  const [lo] = binEdges(bins, 0);
  const [, hi] = binEdges(bins, bins.count - 1);
  const marks: MeanMark[] = [];
  let paperOutside = false;
  for (const row of means.rows) {
    const growth = row.growth as number;
    if (typeof row.meanAccuracy === 'number') {
      marks.push({ growth, accuracy: row.meanAccuracy, source: 'this study' });
    }
    if (typeof row.paperMeanAccuracy === 'number' && (row.candidates as number) > 0) {
      if (row.paperMeanAccuracy >= lo && row.paperMeanAccuracy <= hi) {
        marks.push({ growth, accuracy: row.paperMeanAccuracy, source: 'paper' });
      } else {
        paperOutside = true;
      }
    }
  }
  const notes: string[] = [];
  if (scored.length === 0) notes.push('No complete candidates yet: the histograms are empty.');
  if (paperOutside) {
    notes.push(
      "The paper's means (92.5% to 93.3%) lie outside this study's accuracy range, so they are " +
        'given in the table only.',
    );
  }
  return {
    id: 'figure4',
    title: 'Figure 4',
    caption:
      'Normalised histograms of candidate accuracy per growth ratio of filter number ' +
      `(bin width ${(bins.width * 100).toFixed(2)} points; each ratio's bars sum to 1), ` +
      "with each ratio's mean accuracy as a vertical line.",
    vegaLite: accuracyByGrowthSpec(
      bars,
      marks,
      Array.from({ length: bins.count + 1 }, (_, i) =>
        i < bins.count ? binEdges(bins, i)[0] : hi,
      ),
    ),
    data: {
      id: 'figure4-data',
      title: 'Figure 4 data',
      caption: 'Histogram bars: candidates per accuracy bin and growth ratio, and their fraction.',
      columns: [
        { key: 'growth', label: 'growth ratio', format: { kind: 'fixed', decimals: 2 } },
        { key: 'binStart', label: 'from', format: { kind: 'percent', decimals: 2 } },
        { key: 'binEnd', label: 'to', format: { kind: 'percent', decimals: 2 } },
        { key: 'count', label: 'candidates', format: { kind: 'integer' } },
        { key: 'fraction', label: 'fraction', format: { kind: 'fixed', decimals: 3 } },
      ],
      rows: bars.map((b) => ({ ...b })),
      notes: [],
    },
    notes,
  };
}
