// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: a study's random search.
import * as path from 'path';
import {
  ArchSpecError,
  DEFAULT_HEARTBEAT,
  EvaluatorModuleError,
  StudyDir,
  StudyDirError,
  StudyMismatchError,
  STUDY_FILES,
  redactUrl,
  resolveEvaluatorModule,
  resolveStudySettings,
  runSearch,
  type Candidate,
  type SearchEvent,
  type SearchSummary,
  type SizeWindow,
  type StudyConfig,
  type DatasetSplitRecord,
} from '@asc/zoo';
import { gitRevision } from '@asc/report';
import { DatasetError, readDataset, splitOptionsOf, type SplitOptions } from '@asc/datasets';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

/** Where a study lives: a study directory (SQLite), or a named study in a shared store. */
export type StudyLocation = { dir: string } | { storage: string; name: string };

export interface SearchStudyOptions {
  study: StudyLocation;
  /** Complete trials to reach (earlier ones count). */
  trials: number;
  /** Worker processes on this machine. */
  workers: number;
  /** Training epochs per candidate. */
  epochs: number;
  /** Default: study.json's, else 1. */
  seed?: number;
  /** Each bound defaults to study.json's, else DEFAULT_SIZE_WINDOW's. */
  window?: Partial<SizeWindow>;
  /** Dataset and feature cache of the evaluator; default: study.json's. */
  dataset?: string;
  cache?: string;
  /** The folder layout's split; default: study.json's, else the dataset package's default. */
  split?: Partial<SplitOptions>;
  /** Module exporting createEvaluator(options); default: the trainer's. */
  evaluatorModule?: string;
  /** Further evaluator options (the trainer's: recipe, threads, backend). */
  evaluatorOptions?: Record<string, unknown>;
  /** Without a heartbeat for this long a trial counts as dead and is offered again. */
  heartbeatTimeoutMs?: number;
  /** Recorded in the store with a new study (`asc run` adds its recipe and scale). */
  extra?: Record<string, unknown>;
}

/** What `asc search --json` prints: the search summary and where the study is. */
export type SearchStudyResult = SearchSummary & { studyDir: string | null; store: string };

function featureConfigHashOf(cacheDir: string): string {
  // Loaded only when a cache is named: it needs the native package's TS facade, not the addon.
  const { openFeatureCache } = require('@asc/native') as typeof import('@asc/native');
  try {
    const cache = openFeatureCache(cacheDir);
    const hash = cache.configHash;
    cache.close();
    return hash;
  } catch (err) {
    throw new UsageError(`--cache ${cacheDir}: ${(err as Error).message}`);
  }
}

function describeCandidate(label: string, c: Candidate | null): string {
  if (!c) return `${label}: none (no complete trial)`;
  return (
    `${label}: trial ${c.number} ${c.archId}  accuracy ${(100 * c.accuracy).toFixed(2)}%  ` +
    `loss ${c.loss.toFixed(4)}  ${c.params.toLocaleString('en-US')} params (${c.sizeKiB.toFixed(1)} KB)`
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The classes and split of the dataset a study trains on, checked against what study.json
 * recorded when the study began: a study's candidates must all see the same classes and
 * the same evaluate clips.
 */
async function datasetClasses(
  dataset: string,
  split: Partial<SplitOptions> | undefined,
  stored: StudyConfig | null,
): Promise<{ labels: string[]; split: DatasetSplitRecord }> {
  let read;
  try {
    read = await readDataset(dataset, { split, checkAudio: false });
  } catch (err) {
    if (err instanceof DatasetError) throw new CommandFailed(err.message);
    throw err;
  }
  const record = { layout: read.layout, ...read.splitMethod };
  if (stored?.labels !== undefined && !sameList(stored.labels, read.labels)) {
    throw new UsageError(
      `the study's classes are ${stored.labels.join(', ')} (study.json), but ${dataset} has ` +
        `${read.labels.join(', ')}; use its dataset or a new study`,
    );
  }
  if (stored?.split !== undefined && stored.split.digest !== record.digest) {
    throw new UsageError(
      `${dataset} no longer splits as when the study began (split digest ${record.digest}, ` +
        `study.json: ${stored.split.digest}): its files, labels or split options changed; ` +
        'restore them or use a new study',
    );
  }
  return { labels: read.labels, split: record };
}

/** study.json of a study directory; an unusable one is a usage error naming it. */
export function readStudyConfig(studyDir: StudyDir): StudyConfig | null {
  try {
    return studyDir.readConfig();
  } catch (err) {
    if (err instanceof StudyDirError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * The random search of a study: records the settings in study.json (for a study
 * directory), runs the workers until the study holds `trials` complete trials, and prints
 * progress and the selection. Re-running resumes.
 */
export async function searchStudy(
  options: SearchStudyOptions,
  out: Output,
): Promise<SearchStudyResult> {
  const studyDir = 'dir' in options.study ? new StudyDir(options.study.dir) : null;
  const stored = studyDir ? readStudyConfig(studyDir) : null;
  const settings = resolveStudySettings(
    {
      seed: options.seed,
      window: options.window,
      dataset: options.dataset !== undefined ? path.resolve(options.dataset) : undefined,
      cache: options.cache !== undefined ? path.resolve(options.cache) : undefined,
    },
    stored,
  );
  const { seed, window, dataset, cache } = settings;
  const name = 'name' in options.study ? options.study.name : studyDir!.name(stored);
  const storeLocation = 'storage' in options.study ? options.study.storage : studyDir!.storeFile;
  const featureConfigHash = cache !== undefined ? featureConfigHashOf(cache) : null;
  const classes =
    dataset !== undefined
      ? await datasetClasses(dataset, options.split ?? splitOptionsOf(stored?.split), stored)
      : null;
  const labels = classes?.labels ?? stored?.labels;
  const split = classes?.split ?? stored?.split;
  const drawn = splitOptionsOf(split);
  const recipe = { name: 'search', epochs: options.epochs };
  const evaluatorOptions = {
    ...options.evaluatorOptions,
    ...(dataset !== undefined ? { dataset } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(drawn !== undefined ? { split: drawn } : {}),
    ...(studyDir ? { studyDir: studyDir.dir } : {}),
  };

  let evaluatorModule: string;
  try {
    evaluatorModule = resolveEvaluatorModule(options.evaluatorModule);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  if (studyDir) {
    const now = new Date().toISOString();
    studyDir.writeConfig({
      ...stored,
      name,
      seed,
      trials: options.trials,
      window,
      recipe,
      ...(dataset !== undefined ? { dataset } : {}),
      ...(cache !== undefined ? { cache } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(split !== undefined ? { split } : {}),
      featureConfigHash: featureConfigHash ?? stored?.featureConfigHash ?? null,
      storage: STUDY_FILES.store,
      createdAt: stored?.createdAt ?? now,
      updatedAt: now,
    });
  }

  const { workers } = options;
  out.info(
    `study "${name}" in ${redactUrl(storeLocation)}: seed ${seed}, ${window.minKiB} < KB < ${window.maxKiB}, ` +
      `${labels?.length ?? 3} classes, ` +
      `${options.epochs} epochs, ${workers} worker${workers === 1 ? '' : 's'}, target ${options.trials} complete trials`,
  );
  const progress = createProgress({
    label: 'search',
    total: options.trials,
    unit: 'trials',
    silent: false,
  });
  let complete = 0;
  const onEvent = (e: SearchEvent) => {
    if (e.type === 'stopping') {
      out.warn(`asc search: stopping (${e.reason}); running trials will be marked interrupted`);
      return;
    }
    if (e.type === 'worker-exit' && e.signal) {
      out.warn(`asc search: worker ${e.index} (pid ${e.pid}) was killed by ${e.signal}`);
      return;
    }
    if (e.type !== 'worker') return;
    const ev = e.event;
    if (ev.type === 'complete') {
      complete++;
      progress.update(complete, `last: ${ev.trial.archId} acc ${(100 * ev.accuracy).toFixed(2)}%`);
    } else if (ev.type === 'failed') {
      out.warn(`asc search: trial ${ev.trial.number} ${ev.trial.archId} failed: ${ev.error}`);
    } else if (ev.type === 'recovered') {
      for (const t of ev.trials)
        out.warn(`asc search: trial ${t.number} ${t.archId}: ${t.error}; offered again`);
    }
  };

  const timeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT.timeoutMs;
  let summary: SearchSummary;
  try {
    summary = await runSearch({
      storeLocation,
      studyName: name,
      seed,
      trials: options.trials,
      workers,
      epochs: options.epochs,
      window,
      ...(labels !== undefined ? { classes: labels.length } : {}),
      featureConfigHash,
      extra: {
        recipe,
        ...(dataset !== undefined ? { dataset } : {}),
        // With the study in its store, so an exported study.json names the classes too.
        ...(labels !== undefined ? { labels } : {}),
        ...(split !== undefined ? { split } : {}),
        // The code that ran the search, for the report's manifest.
        code: gitRevision(__dirname),
        ...options.extra,
      },
      evaluatorModule,
      evaluatorOptions,
      heartbeat: {
        timeoutMs,
        intervalMs: Math.min(DEFAULT_HEARTBEAT.intervalMs, timeoutMs / 4),
      },
      handleSignals: true,
      onEvent,
    });
  } catch (err) {
    if (
      err instanceof StudyMismatchError ||
      err instanceof EvaluatorModuleError ||
      err instanceof ArchSpecError
    ) {
      throw new UsageError(err.message);
    }
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  progress.finish(`${summary.complete} complete`);
  const c = summary.counts;
  out.info(
    `study "${summary.study}": ${c.complete} complete, ${c.failed} failed, ${c.interrupted} interrupted, ${c.running} running`,
  );
  out.info(describeCandidate('best accuracy', summary.selection.bestAccuracy));
  out.info(describeCandidate('lowest loss  ', summary.selection.lowestLoss));
  const result = {
    ...summary,
    studyDir: studyDir?.dir ?? null,
    store: redactUrl(storeLocation),
  };
  if (summary.end === 'exhausted') out.warn(`asc search: ${summary.message}`);
  if (summary.end !== 'done' && summary.end !== 'exhausted') {
    throw new CommandFailed(summary.message ?? `the search ended early (${summary.end})`, result);
  }
  return result;
}
