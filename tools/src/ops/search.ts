// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: a study's random search.
import * as path from 'path';
import {
  ArchSpecError,
  DEFAULT_HEARTBEAT,
  EvaluatorModuleError,
  PrunerConfigError,
  StudyDir,
  StudyDirError,
  StudyMismatchError,
  STUDY_FILES,
  createPruner,
  describeWindow,
  redactUrl,
  resolveEvaluatorModule,
  resolveStudySettings,
  runSearch,
  type Candidate,
  type RungSummary,
  type SearchEvent,
  type SearchSummary,
  type SizeWindow,
  type StudyConfig,
  type DatasetSplitRecord,
  type StudySettings,
  type StudySettingsRequest,
} from '@asc/zoo';
import type { FeatureConfig } from '@asc/native';
import { gitRevision } from '@asc/report';
import { DatasetError, readDataset, splitOptionsOf, type SplitOptions } from '@asc/datasets';
import { CommandFailed, UsageError } from '../cli/errors';
import { completeWindow } from '../cli/limits';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

/** Where a study lives: a study directory (SQLite), or a named study in a shared store. */
export type StudyLocation = { dir: string } | { storage: string; name: string };

/** What defines a study, as asked for; the rest comes from study.json, then the defaults. */
export interface StudyRequest {
  study: StudyLocation;
  /** Training epochs of a candidate's full budget (the top rung). */
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
  /** Sampler, pruner and initialisation; default: study.json's, else random, none, pytorch. */
  sampler?: StudySettingsRequest['sampler'];
  pruner?: StudySettingsRequest['pruner'];
  init?: StudySettingsRequest['init'];
}

export interface SearchStudyOptions extends StudyRequest {
  /** Finished trials to reach (complete, or pruned under a pruner; earlier ones count). */
  trials: number;
  /** Worker processes on this machine. */
  workers: number;
  /**
   * Where trials keep their training state between rungs; default: the study directory's
   * checkpoints/, or asc-checkpoints/<study> here for a shared store.
   */
  checkpointDir?: string;
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

function featureConfigOf(cacheDir: string): { hash: string; config: FeatureConfig } {
  // Loaded only when a cache is named: it needs the native package's TS facade, not the addon.
  const { openFeatureCache } = require('@asc/native') as typeof import('@asc/native');
  try {
    const cache = openFeatureCache(cacheDir);
    const features = { hash: cache.configHash, config: cache.config };
    cache.close();
    return features;
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

/** A study as asked for, resolved: where it is and every setting that defines it. */
export interface ResolvedStudy {
  studyDir: StudyDir | null;
  stored: StudyConfig | null;
  settings: StudySettings;
  name: string;
  storeLocation: string;
  featureConfigHash: string | null;
  /** The dataset's classes and split (checked against study.json's), when known. */
  labels: string[] | undefined;
  split: DatasetSplitRecord | undefined;
}

/**
 * Resolves a study's settings (flags, else study.json, else the defaults), checks that
 * the pruner's make sense (a usage error naming the setting otherwise), completes the
 * window (a MAC limit counts the segments of the cache's feature configuration, else the
 * default one's) and reads the dataset's classes and split.
 */
export async function resolveStudy(o: StudyRequest): Promise<ResolvedStudy> {
  const studyDir = 'dir' in o.study ? new StudyDir(o.study.dir) : null;
  const stored = studyDir ? readStudyConfig(studyDir) : null;
  const settings = resolveStudySettings(
    {
      seed: o.seed,
      window: o.window,
      dataset: o.dataset !== undefined ? path.resolve(o.dataset) : undefined,
      cache: o.cache !== undefined ? path.resolve(o.cache) : undefined,
      epochs: o.epochs,
      sampler: o.sampler,
      pruner: o.pruner,
      init: o.init,
    },
    stored,
  );
  try {
    createPruner(settings.pruner);
  } catch (err) {
    if (err instanceof PrunerConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { cache, dataset } = settings;
  const features = cache !== undefined ? featureConfigOf(cache) : null;
  settings.window = completeWindow(settings.window, features?.config);
  const classes =
    dataset !== undefined
      ? await datasetClasses(dataset, o.split ?? splitOptionsOf(stored?.split), stored)
      : null;
  return {
    studyDir,
    stored,
    settings,
    name: 'name' in o.study ? o.study.name : studyDir!.name(stored),
    storeLocation: 'storage' in o.study ? o.study.storage : studyDir!.storeFile,
    featureConfigHash: features?.hash ?? null,
    labels: classes?.labels ?? stored?.labels,
    split: classes?.split ?? stored?.split,
  };
}

/**
 * Writes a study directory's study.json with the resolved settings (so that the next
 * search, ask or tell needs no flags); nothing for a shared store.
 */
export function recordStudyConfig(r: ResolvedStudy, extra: Record<string, unknown>): void {
  if (!r.studyDir) return;
  const { seed, window, dataset, cache, sampler, pruner, init } = r.settings;
  const now = new Date().toISOString();
  r.studyDir.writeConfig({
    ...r.stored,
    name: r.name,
    seed,
    ...extra,
    window,
    ...(dataset !== undefined ? { dataset } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(r.labels !== undefined ? { labels: r.labels } : {}),
    ...(r.split !== undefined ? { split: r.split } : {}),
    featureConfigHash: r.featureConfigHash ?? r.stored?.featureConfigHash ?? null,
    sampler,
    pruner,
    init,
    storage: STUDY_FILES.store,
    createdAt: r.stored?.createdAt ?? now,
    updatedAt: now,
  });
}

/** The search's settings in a line: the sampler, and the pruner with its rungs. */
export function describeSearch(s: StudySettings): string {
  const sampler =
    s.sampler.kind === 'evolution'
      ? `evolution (population ${s.sampler.population}, tournament ${s.sampler.tournament})`
      : 'random';
  const p = s.pruner;
  const rungs = createPruner(p)
    .rungs.map((e) => +e.toFixed(4))
    .join(', ');
  const pruner =
    p.kind === 'none' && p.minEpochs === p.maxEpochs
      ? `the paper's protocol (${p.maxEpochs} epochs)`
      : `${p.kind} (rungs at ${rungs} epochs, eta ${p.reductionFactor}, by ${p.metric})`;
  return `sampler ${sampler}, ${pruner}, ${s.init} initialisation`;
}

/** One line per rung: how many trials reached it, went on, stopped there. */
export function describeRungs(rungs: readonly RungSummary[]): string[] {
  return rungs.map(
    (r) =>
      `rung ${r.rung} (${+r.epochs.toFixed(4)} epochs): ${r.reached} reached, ` +
      `${r.promoted} promoted, ${r.stopped} pruned there`,
  );
}

/**
 * The search of a study: records the settings in study.json (for a study directory),
 * runs the workers until the study holds `trials` finished trials, and prints progress,
 * the rungs, the compute and the selection. Re-running resumes.
 */
export async function searchStudy(
  options: SearchStudyOptions,
  out: Output,
): Promise<SearchStudyResult> {
  const resolved = await resolveStudy(options);
  const { studyDir, settings, name, storeLocation, featureConfigHash, labels, split } = resolved;
  const drawn = splitOptionsOf(split);
  const { seed, window, dataset, cache, sampler, pruner, init } = settings;
  const recipe = { name: 'search', epochs: options.epochs };
  const checkpointDir = path.resolve(
    options.checkpointDir ??
      (studyDir ? path.join(studyDir.dir, 'checkpoints') : path.join('asc-checkpoints', name)),
  );
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

  const { workers } = options;
  out.info(
    `study "${name}" in ${redactUrl(storeLocation)}: seed ${seed}, ${describeWindow(window)}, ` +
      `${labels?.length ?? 3} classes, ${workers} worker${workers === 1 ? '' : 's'}, ` +
      `target ${options.trials} finished trials`,
  );
  out.info(`  ${describeSearch(settings)}`);
  const progress = createProgress({
    label: 'search',
    total: options.trials,
    unit: 'trials',
    silent: false,
  });
  // Finished trials as the events tell them: a promotion takes one back.
  let finished = 0;
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
    if (ev.type === 'complete' || ev.type === 'pruned') {
      finished++;
      const where = ev.type === 'pruned' ? ` (pruned at rung ${ev.trial.rung})` : '';
      progress.update(
        finished,
        `last: ${ev.trial.archId} acc ${(100 * ev.accuracy).toFixed(2)}%${where}`,
      );
    } else if (ev.type === 'start' && ev.via === 'promote') {
      finished--;
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
      pruner,
      sampler,
      init,
      checkpointDir,
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
      // Only settings the study accepted go into study.json.
      onStudyOpened: () => recordStudyConfig(resolved, { trials: options.trials, recipe }),
      onEvent,
    });
  } catch (err) {
    if (
      err instanceof StudyMismatchError ||
      err instanceof EvaluatorModuleError ||
      err instanceof ArchSpecError ||
      err instanceof PrunerConfigError
    ) {
      throw new UsageError(err.message);
    }
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  progress.finish(`${summary.finished} finished`);
  const c = summary.counts;
  out.info(
    `study "${summary.study}": ${c.complete} complete, ${c.pruned} pruned, ${c.failed} failed, ` +
      `${c.interrupted} interrupted, ${c.running} running`,
  );
  if (pruner.kind !== 'none' || pruner.minEpochs < pruner.maxEpochs) {
    for (const line of describeRungs(summary.rungs)) out.info(`  ${line}`);
  }
  out.info(
    `trained samples: ${summary.trainedSamples === null ? 'not recorded' : summary.trainedSamples.toLocaleString('en-US')}`,
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
