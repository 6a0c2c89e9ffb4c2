// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: checking a dataset and generating the synthetic one.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicSync } from '@asc/core';
import {
  DatasetError,
  formatProblem,
  inspectDataset,
  summarizeDataset,
  SynthError,
  synthesizeDataset,
  totalOf,
  type Dataset,
  type DatasetSummary,
  type SplitOptions,
  type SynthOptions,
  type SynthReport,
} from '@asc/datasets';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

/** Right-aligned columns after a left-aligned first one. */
function alignRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  '),
  );
}

/** A row per class (any number of them), a column per split, and the totals. */
function countsTable(summary: DatasetSummary): string[] {
  const splits = ['train', 'evaluate', 'test'] as const;
  return alignRows([
    ['class', ...splits],
    ...summary.labels.map((label) => [
      label,
      ...splits.map((split) => String(summary.splits[split][label])),
    ]),
    ['total', ...splits.map((split) => String(totalOf(summary.splits[split])))],
  ]);
}

/** One line on the layout and how its split was made. */
function describeSplit(summary: DatasetSummary): string {
  const m = summary.splitMethod;
  const classes = `${summary.labels.length} classes`;
  if (m.method === 'fold1') {
    return `DCASE layout (meta.csv), ${classes}; split: evaluation_setup/fold1_*.csv (digest ${m.digest})`;
  }
  const g = m.groups;
  const kept = [
    g.location > 0 ? `${g.location} by TAU location` : '',
    g.folder > 0 ? `${g.folder} by sub-folder` : '',
    g.name > 0 ? `${g.name} by numbered name` : '',
    g.file > 0 ? `${g.file} on their own` : '',
  ].filter(Boolean);
  return (
    `folder layout (audio/<label>/), ${classes}; split drawn with seed ${m.seed}, ` +
    `evaluate fraction ${m.evaluateFraction}; clips kept with their recording: ${kept.join(', ')} ` +
    `(digest ${m.digest})`
  );
}

/** Writes which clip is in which split: `filename TAB scene_label TAB split`, one row per clip. */
function writeSplitList(file: string, dataset: Dataset): void {
  const rows = dataset.clips.map((c) => `${c.file}\t${c.label}\t${c.split}\n`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomicSync(file, 'filename\tscene_label\tsplit\n' + rows.join(''));
}

export interface CheckDatasetOptions {
  checkAudio?: boolean;
  checkHeaders?: boolean;
  /** The folder layout's split (see @asc/datasets). */
  split?: Partial<SplitOptions>;
  /** Also write which clip is in which split to this file (tab-separated). */
  writeSplit?: string;
}

/**
 * Reads the dataset at `dir` (either layout), prints counts per class and split, how it
 * was split, and every problem, and returns the summary; throws CommandFailed (exit 1,
 * summary still printed under --json) when the dataset is unusable.
 */
export async function checkDataset(
  dir: string,
  out: Output,
  options: CheckDatasetOptions = {},
): Promise<DatasetSummary> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${dir}: no such directory`);
  }
  let dataset: Dataset;
  try {
    dataset = await inspectDataset(dir, options);
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    for (const problem of err.problems) out.warn(`error: ${formatProblem(problem)}`);
    throw new CommandFailed(err.message, {
      files: 0,
      labels: [],
      splits: { train: {}, evaluate: {}, test: {} },
      missingAudio: 0,
      problems: err.problems,
    });
  }
  const summary = summarizeDataset(dataset);
  out.info(`dataset ${dir}: ${summary.files} files`);
  out.info(`  ${describeSplit(summary)}`);
  for (const line of countsTable(summary)) out.info(`  ${line}`);
  const inSplits = totalOf(summary.splits.train) + totalOf(summary.splits.evaluate);
  out.info(
    `  in neither split: ${summary.files - inSplits}; missing audio: ${summary.missingAudio}`,
  );
  if (options.writeSplit !== undefined) {
    writeSplitList(options.writeSplit, dataset);
    out.info(`  split written to ${options.writeSplit}`);
  }
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
  out.info(
    `  ${report.labels.length} classes; train ${totalOf(train)} clips from ${report.locations.train} locations, ` +
      `evaluate ${totalOf(evaluate)} clips from ${report.locations.evaluate} locations; ` +
      `${report.seconds} s at ${report.sampleRateHz} Hz, seed ${report.seed}, difficulty ${report.difficulty}`,
  );
  return report;
}
