// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: checking a dataset and generating the synthetic one.
import * as fs from 'fs';
import {
  DatasetError,
  emptyLabelCounts,
  formatProblem,
  inspectDataset,
  SCENE_LABELS,
  summarizeDataset,
  SynthError,
  synthesizeDataset,
  type DatasetSummary,
  type SynthOptions,
  type SynthReport,
} from '@asc/datasets';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

function countsTable(summary: DatasetSummary): string[] {
  const head = ['split', ...SCENE_LABELS, 'total'];
  const rows = (['train', 'evaluate', 'test'] as const).map((split) => {
    const counts = summary.splits[split];
    const total = SCENE_LABELS.reduce((sum, label) => sum + counts[label], 0);
    return [split, ...SCENE_LABELS.map((label) => String(counts[label])), String(total)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  return [format(head), ...rows.map(format)];
}

/**
 * Reads the dataset at `dir`, prints counts per split and class and every problem, and
 * returns the summary; throws CommandFailed (exit 1, summary still printed under --json)
 * when the dataset is unusable.
 */
export async function checkDataset(
  dir: string,
  out: Output,
  options: { checkAudio?: boolean; checkHeaders?: boolean } = {},
): Promise<DatasetSummary> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${dir}: no such directory`);
  }
  let summary: DatasetSummary;
  try {
    summary = summarizeDataset(await inspectDataset(dir, options));
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    const empty = {
      train: emptyLabelCounts(),
      evaluate: emptyLabelCounts(),
      test: emptyLabelCounts(),
    };
    for (const problem of err.problems) out.warn(`error: ${formatProblem(problem)}`);
    throw new CommandFailed(err.message, {
      files: 0,
      splits: empty,
      missingAudio: 0,
      problems: err.problems,
    });
  }
  out.info(`dataset ${dir}: ${summary.files} files`);
  for (const line of countsTable(summary)) out.info(`  ${line}`);
  const inSplits = SCENE_LABELS.reduce(
    (sum, label) => sum + summary.splits.train[label] + summary.splits.evaluate[label],
    0,
  );
  out.info(
    `  in neither split: ${summary.files - inSplits}; missing audio: ${summary.missingAudio}`,
  );
  const errors = summary.problems.filter((p) => p.severity === 'error');
  for (const problem of summary.problems) {
    out.warn(`${problem.severity}: ${formatProblem(problem)}`);
  }
  if (errors.length > 0) {
    throw new CommandFailed(
      `dataset ${dir} is unusable: ${errors.length} error${errors.length > 1 ? 's' : ''}` +
        ` (first: ${formatProblem(errors[0])})`,
      summary,
    );
  }
  out.info(
    summary.problems.length === 0
      ? 'no problems found'
      : `usable, with ${summary.problems.length} warning${summary.problems.length > 1 ? 's' : ''}`,
  );
  return summary;
}

/**
 * Generates (or completes, or leaves as it is) a synthetic dataset with a progress bar.
 * Out-of-range options are usage errors (exit 2); a directory that holds something else
 * is a failure (exit 1).
 */
export async function synthesizeWithProgress(
  options: Omit<SynthOptions, 'onProgress'>,
  out: Output,
): Promise<SynthReport> {
  const progress = createProgress({ label: 'synth', total: options.clips, unit: 'clips' });
  let report: SynthReport;
  try {
    report = await synthesizeDataset({ ...options, onProgress: (done) => progress.update(done) });
  } catch (err) {
    if (err instanceof SynthError && err.field !== undefined) throw new UsageError(err.message);
    throw err;
  }
  if (report.upToDate) {
    out.info(
      `synthetic dataset ${report.outDir} is already complete (${report.clips} clips); kept`,
    );
  } else {
    progress.finish();
    out.info(
      `synthetic dataset ${report.outDir}: ${report.rendered} clips rendered, ${report.kept} kept, ` +
        `${report.elapsedSeconds.toFixed(1)} s on ${report.threads} thread${report.threads > 1 ? 's' : ''}`,
    );
  }
  const { train, evaluate } = report.splits;
  const sum = (counts: typeof train): number =>
    SCENE_LABELS.reduce((s, label) => s + counts[label], 0);
  out.info(
    `  train ${sum(train)} clips from ${report.locations.train} locations, ` +
      `evaluate ${sum(evaluate)} clips from ${report.locations.evaluate} locations; ` +
      `${report.seconds} s at ${report.sampleRateHz} Hz, seed ${report.seed}, difficulty ${report.difficulty}`,
  );
  return report;
}
