import type { PrunerConfig, StudyAnalysis, TrialRecord } from '@asc/zoo';
import type { Fact, Table } from './model';

/** The study's pruner as recorded with it (absent: the paper's protocol, before pruners). */
export function prunerOf(config: Record<string, unknown> | null): PrunerConfig | null {
  const p = config?.pruner as PrunerConfig | undefined;
  return p && typeof p.kind === 'string' ? p : null;
}

/** Whether the study ran with rungs below the top (a pruner, or observation rungs). */
export function hasRungs(pruner: PrunerConfig | null): boolean {
  return pruner !== null && (pruner.kind !== 'none' || pruner.minEpochs < pruner.maxEpochs);
}

const formatEpochs = (e: number): string => String(+e.toFixed(4));

/** Per rung: the trials that reached it, went on, stopped there, and its budget. */
export function rungsTable(analysis: StudyAnalysis): Table {
  return {
    id: 'rungs',
    title: 'Rungs and promotions',
    caption:
      'Each rung of the pruner: its budget, the trials that reached it, those promoted to the ' +
      'next rung and those pruned there. Figures 3 and 4 plot the trials of the top rung.',
    columns: [
      { key: 'rung', label: 'rung', format: { kind: 'integer' } },
      { key: 'epochs', label: 'epochs', format: { kind: 'fixed', decimals: 3 } },
      { key: 'reached', label: 'trials reached', format: { kind: 'integer' } },
      { key: 'promoted', label: 'promoted on', format: { kind: 'integer' } },
      { key: 'stopped', label: 'pruned there', format: { kind: 'integer' } },
    ],
    rows: analysis.rungs.map((r) => ({ ...r })),
    notes: [],
  };
}

/**
 * The compute spent, beside what the paper's protocol would have spent on the same
 * finished trials (each trained the full budget): samples per epoch are read from the
 * rung records (samples at a rung over its epochs).
 */
export function computeFacts(
  trials: readonly TrialRecord[],
  analysis: StudyAnalysis,
  pruner: PrunerConfig | null,
): Fact[] {
  const facts: Fact[] = [];
  if (pruner && hasRungs(pruner)) {
    facts.push({
      label: 'pruner',
      value:
        `${pruner.kind}: rungs at ${analysis.rungs.map((r) => formatEpochs(r.epochs)).join(', ')} ` +
        `epochs, reduction factor ${pruner.reductionFactor}, ranked by ${pruner.metric}`,
    });
  }
  const { trainedSamples } = analysis.compute;
  facts.push({
    label: 'trained samples, all trials and runs',
    value: trainedSamples === null ? 'not recorded' : trainedSamples.toLocaleString('en-US'),
  });
  const record = trials.flatMap((t) => t.rungs).find((r) => r.samples !== null && r.epochs > 0);
  if (pruner && trainedSamples !== null && record) {
    const perEpoch = (record.samples as number) / record.epochs;
    const finished = analysis.counts.complete + analysis.counts.pruned;
    const protocol = Math.round(finished * pruner.maxEpochs * perEpoch);
    facts.push({
      label: "the paper's protocol on as many trials (full budget each)",
      value: `${protocol.toLocaleString('en-US')} samples; this study trained ${(
        (100 * trainedSamples) /
        protocol
      ).toFixed(1)} % of that`,
    });
  }
  return facts;
}
