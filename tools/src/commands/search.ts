import * as fs from 'fs';
import * as path from 'path';
import type { Argv } from 'yargs';
import {
  ArchSpecError,
  DEFAULT_HEARTBEAT,
  EvaluatorModuleError,
  StudyMismatchError,
  redactUrl,
  resolveEvaluatorModule,
  runSearch,
  type Candidate,
  type SearchEvent,
  type SearchSummary,
} from '@asc/zoo';
import { gitRevision } from '@asc/report';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';
import { checkPositiveIntegers } from '../cli/flags';

/** The study directory's files (see the brief's layout). */
export const STUDY_CONFIG_FILE = 'study.json';
export const STUDY_STORE_FILE = 'trials.sqlite';

export interface SearchArgs {
  study: string;
  storage?: string;
  trials: number;
  workers: number;
  seed?: number;
  epochs: number;
  dataset?: string;
  cache?: string;
  evaluator?: string;
  'evaluator-options'?: string;
  'min-kb'?: number;
  'max-kb'?: number;
  'heartbeat-timeout': number;
}

/** What `asc search --json` prints: the search summary and where the study is. */
export type SearchStudyResult = SearchSummary & { studyDir: string | null; store: string };

/** Reads study.json (or nothing when absent); a broken file is a usage error naming it. */
export function readStudyConfig(file: string): Record<string, unknown> | null {
  if (!fs.existsSync(file)) return null;
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${file}: not a readable study config (${(err as Error).message})`);
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

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

function parseEvaluatorOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--evaluator-options: ${(err as Error).message}`);
  }
}

/**
 * The search as `asc search` runs it: writes study.json (unless the store is shared), runs
 * the workers until the study holds `args.trials` complete trials, and prints the selection.
 * `extra` is recorded in the store with a new study (`asc run` adds its recipe and scale).
 */
export async function searchStudy(
  args: SearchArgs,
  out: Output,
  extra: Record<string, unknown> = {},
): Promise<SearchStudyResult> {
  checkPositiveIntegers({
    '--trials': args.trials,
    '--workers': args.workers,
    '--epochs': args.epochs,
  });
  if (!(args['heartbeat-timeout'] > 1)) {
    throw new UsageError(
      `--heartbeat-timeout must exceed 1 second, got ${args['heartbeat-timeout']}`,
    );
  }
  const shared = args.storage !== undefined;
  const studyDir = shared ? null : path.resolve(args.study);
  const configFile = studyDir ? path.join(studyDir, STUDY_CONFIG_FILE) : null;
  const stored = configFile ? readStudyConfig(configFile) : null;
  const storedWindow = stored?.window as { minKiB?: number; maxKiB?: number } | undefined;
  const seed = args.seed ?? (typeof stored?.seed === 'number' ? stored.seed : 1);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seed}`);
  const window = {
    minKiB: args['min-kb'] ?? storedWindow?.minKiB ?? 250,
    maxKiB: args['max-kb'] ?? storedWindow?.maxKiB ?? 500,
  };
  const name = shared
    ? args.study
    : typeof stored?.name === 'string'
      ? stored.name
      : path.basename(studyDir!);
  const storeLocation = shared ? args.storage! : path.join(studyDir!, STUDY_STORE_FILE);
  const dataset =
    args.dataset !== undefined
      ? path.resolve(args.dataset)
      : (stored?.dataset as string | undefined);
  const cache =
    args.cache !== undefined ? path.resolve(args.cache) : (stored?.cache as string | undefined);
  const featureConfigHash = cache !== undefined ? featureConfigHashOf(cache) : null;
  const recipe = { name: 'search', epochs: args.epochs };
  const evaluatorOptions = {
    ...parseEvaluatorOptions(args['evaluator-options']),
    ...(dataset !== undefined ? { dataset } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(studyDir ? { studyDir } : {}),
  };

  let evaluatorModule: string;
  try {
    evaluatorModule = resolveEvaluatorModule(args.evaluator);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  if (studyDir && configFile) {
    fs.mkdirSync(studyDir, { recursive: true });
    const config = {
      ...(stored ?? {}),
      name,
      seed,
      trials: args.trials,
      window,
      recipe,
      ...(dataset !== undefined ? { dataset } : {}),
      ...(cache !== undefined ? { cache } : {}),
      featureConfigHash:
        featureConfigHash ?? (stored?.featureConfigHash as string | null | undefined) ?? null,
      storage: STUDY_STORE_FILE,
      createdAt: stored?.createdAt ?? new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    writeAtomically(configFile, JSON.stringify(config, null, 2) + '\n');
  }

  out.info(
    `study "${name}" in ${redactUrl(storeLocation)}: seed ${seed}, ${window.minKiB} < KB < ${window.maxKiB}, ` +
      `${args.epochs} epochs, ${args.workers} worker${args.workers === 1 ? '' : 's'}, target ${args.trials} complete trials`,
  );
  const progress = createProgress({
    label: 'search',
    total: args.trials,
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

  let summary: SearchSummary;
  try {
    summary = await runSearch({
      storeLocation,
      studyName: name,
      seed,
      trials: args.trials,
      workers: args.workers,
      epochs: args.epochs,
      window,
      featureConfigHash,
      extra: {
        recipe,
        ...(dataset !== undefined ? { dataset } : {}),
        // The code that ran the search, for the report's manifest.
        code: gitRevision(__dirname),
        ...extra,
      },
      evaluatorModule,
      evaluatorOptions,
      heartbeat: {
        timeoutMs: args['heartbeat-timeout'] * 1000,
        intervalMs: Math.min(DEFAULT_HEARTBEAT.intervalMs, (args['heartbeat-timeout'] * 1000) / 4),
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
  const result = { ...summary, studyDir, store: redactUrl(storeLocation) };
  if (summary.end === 'exhausted') out.warn(`asc search: ${summary.message}`);
  if (summary.end !== 'done' && summary.end !== 'exhausted') {
    throw new CommandFailed(summary.message ?? `the search ended early (${summary.end})`, result);
  }
  return result;
}

/** `asc search`: the random architecture search of the paper, resumable, with worker processes. */
export const searchCommand = defineCommand<SearchArgs>({
  command: 'search',
  describe: 'Random architecture search under the size window; re-running resumes the study',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('study', {
        type: 'string',
        demandOption: true,
        describe: 'Study directory (study.json, trials.sqlite); with --storage, the study name',
      })
      .option('storage', {
        type: 'string',
        describe:
          'Trial store URL (postgresql://user@host:port/db) shared by several machines; ' +
          '?asc_retry_ms=N bounds how long an unreachable server is retried; ' +
          'default: STUDY/trials.sqlite',
      })
      .option('trials', {
        type: 'number',
        demandOption: true,
        describe: 'Complete trials to reach',
      })
      .option('workers', {
        type: 'number',
        default: 1,
        describe: 'Worker processes on this machine',
      })
      .option('seed', { type: 'number', describe: "Study seed (default: the study's, else 1)" })
      .option('epochs', { type: 'number', default: 3, describe: 'Training epochs per candidate' })
      .option('dataset', { type: 'string', describe: 'Dataset directory (for the evaluator)' })
      .option('cache', { type: 'string', describe: 'Feature cache directory (for the evaluator)' })
      .option('evaluator', {
        type: 'string',
        describe:
          "Module exporting createEvaluator(options) (default: the trainer's, @asc/trainer/evaluator)",
      })
      .option('evaluator-options', {
        type: 'string',
        describe: 'Extra evaluator options, a JSON object',
      })
      .option('min-kb', {
        type: 'number',
        describe: 'Lower size bound in KB, strict (default 250)',
      })
      .option('max-kb', {
        type: 'number',
        describe: 'Upper size bound in KB, strict (default 500)',
      })
      .option('heartbeat-timeout', {
        type: 'number',
        default: DEFAULT_HEARTBEAT.timeoutMs / 1000,
        describe:
          'Seconds without a heartbeat after which a trial counts as dead and is offered again',
      }) as Argv<SearchArgs & GlobalOptions>,
  run: (args, out) => searchStudy(args, out),
});
