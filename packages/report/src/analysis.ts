import type { GroupStats, StudyAnalysis } from '@asc/zoo';
import type { Column, Table } from './model';
import { PAPER_GROWTH_MEANS } from './paper';

const STAT_COLUMNS: Column[] = [
  { key: 'count', label: 'candidates', format: { kind: 'integer' } },
  { key: 'meanAccuracy', label: 'mean accuracy', format: { kind: 'percent', decimals: 2 } },
  { key: 'stdAccuracy', label: 'accuracy s.d.', format: { kind: 'percent', decimals: 2 } },
  { key: 'minAccuracy', label: 'min accuracy', format: { kind: 'percent', decimals: 2 } },
  { key: 'maxAccuracy', label: 'max accuracy', format: { kind: 'percent', decimals: 2 } },
  { key: 'meanLoss', label: 'mean loss', format: { kind: 'fixed', decimals: 4 } },
  { key: 'meanSizeKiB', label: 'mean size (KiB)', format: { kind: 'fixed', decimals: 1 } },
];

function groupTable(
  id: string,
  title: string,
  caption: string,
  keyLabel: string,
  groups: GroupStats[],
): Table {
  return {
    id,
    title,
    caption,
    columns: [{ key: 'group', label: keyLabel, format: { kind: 'text' } }, ...STAT_COLUMNS],
    rows: groups.map((g) => ({
      group: g.key,
      count: g.count,
      meanAccuracy: g.meanAccuracy,
      stdAccuracy: g.stdAccuracy,
      minAccuracy: g.minAccuracy,
      maxAccuracy: g.maxAccuracy,
      meanLoss: g.meanLoss,
      meanSizeKiB: g.meanSizeKiB,
    })),
    notes: [],
  };
}

/**
 * The table beside Figure 4: the zoo's statistics per growth ratio, largest ratio first
 * as in the paper's text, with the paper's mean accuracy per ratio.
 */
export function growthMeansTable(analysis: StudyAnalysis): Table {
  const rows = [...analysis.byGrowth]
    .map((g) => ({ growth: Number(g.key), ...g }))
    .sort((a, b) => b.growth - a.growth)
    .map((g) => ({
      growth: g.growth,
      candidates: g.count,
      meanAccuracy: g.meanAccuracy,
      stdAccuracy: g.stdAccuracy,
      meanSizeKiB: g.meanSizeKiB,
      paperMeanAccuracy: PAPER_GROWTH_MEANS.get(g.growth) ?? null,
    }));
  return {
    id: 'growth-ratio-means',
    title: 'Mean accuracy per growth ratio',
    caption:
      'Complete candidates of this study grouped by the growth ratio of filter number; ' +
      "the paper's means (Section 4.4) for reference.",
    columns: [
      { key: 'growth', label: 'growth ratio', format: { kind: 'fixed', decimals: 2 } },
      { key: 'candidates', label: 'candidates', format: { kind: 'integer' } },
      { key: 'meanAccuracy', label: 'mean accuracy', format: { kind: 'percent', decimals: 2 } },
      { key: 'stdAccuracy', label: 'accuracy s.d.', format: { kind: 'percent', decimals: 2 } },
      { key: 'meanSizeKiB', label: 'mean size (KiB)', format: { kind: 'fixed', decimals: 1 } },
      {
        key: 'paperMeanAccuracy',
        label: 'paper mean accuracy',
        format: { kind: 'percent', decimals: 1 },
      },
    ],
    rows,
    notes: [],
  };
}

/** Accuracy against the other configuration choices: blocks, module types, pooling. */
export function configurationTables(analysis: StudyAnalysis): Table[] {
  return [
    groupTable(
      'accuracy-overall',
      'All complete candidates',
      'Accuracy over every complete candidate.',
      'candidates',
      [analysis.overall],
    ),
    groupTable(
      'accuracy-by-blocks',
      'Accuracy by number of blocks',
      'Complete candidates grouped by their number of convolutional blocks.',
      'blocks',
      analysis.byBlocks,
    ),
    groupTable(
      'accuracy-by-module',
      'Accuracy by module type',
      'A candidate counts once in every module type it contains (identity excluded).',
      'module',
      analysis.byModule,
    ),
    groupTable(
      'accuracy-by-pooling',
      'Accuracy by pooling',
      'Candidates whose blocks all pool by average, all by max, or mixed.',
      'pooling',
      analysis.byPooling,
    ),
  ];
}
