import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { WeightInit } from '../models/tf';
import type { SearchSpace, SizeWindow } from '../space';
import { openTrialStore } from '../store/open';
import type { TrialStatus } from '../store/trial-store';
import { analyseTrials, type RungSummary, type Selection } from './analysis';
import type { EvaluatorOptions } from './evaluate';
import {
  DEFAULT_HEARTBEAT,
  recoverDeadTrials,
  validateHeartbeat,
  type HeartbeatSettings,
} from './heartbeat';
import { resolveEvaluatorModule } from './load-evaluator';
import { paperProtocol, type PrunerConfig } from './pruner';
import { planClaim } from './schedule';
import { Study, type SamplerChoice } from './study';
import type { WorkerEvent, WorkerExit } from './worker';
import type { WorkerMessage, WorkerProcessConfig } from './worker-process';

export interface SearchOptions {
  /** The trial store (a SQLite file path for the default engine). */
  storeLocation: string;
  studyName: string;
  seed: number;
  /**
   * Run until this many trials of the study are finished: complete, or pruned for good
   * under a pruner (resuming counts earlier ones).
   */
  trials: number;
  workers?: number;
  /** A trial's full budget; the pruner's `maxEpochs` when a pruner is given. */
  epochs?: number;
  /** The paper's protocol (one rung of `epochs`) when absent. */
  pruner?: PrunerConfig;
  /** The random sampler (the paper's) when absent. */
  sampler?: SamplerChoice;
  /** Where trials keep their training state between rungs; none: each rung retrains. */
  checkpointDir?: string;
  /** How the candidates' weights start (PyTorch's by default); passed to the evaluator. */
  init?: WeightInit;
  window?: SizeWindow;
  space?: SearchSpace;
  /** Classes of the models' head (default 3), which the size window counts. */
  classes?: number;
  featureConfigHash?: string | null;
  /** Recorded with the study (recipe, dataset paths). */
  extra?: Record<string, unknown>;
  /** Module exporting createEvaluator(options); the trainer's by default. */
  evaluatorModule?: string;
  evaluatorOptions?: Record<string, unknown>;
  heartbeat?: HeartbeatSettings;
  abortGraceMs?: number;
  pollMs?: number;
  maxConsecutiveFailures?: number;
  /** Worker processes that died (not stopped by us) are replaced at most this many times. */
  maxRespawns?: number;
  /** Aborting stops the search gracefully (running trials are marked interrupted). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers that stop the search gracefully (the CLI does). */
  handleSignals?: boolean;
  /**
   * Called once the study is created or reopened with these settings (and before any
   * trial runs): where a caller records them, so that a refused search records nothing.
   */
  onStudyOpened?(study: Study): void;
  onEvent?(e: SearchEvent): void;
}

export type SearchEvent =
  | { type: 'worker'; index: number; event: WorkerEvent }
  | { type: 'spawn'; index: number; pid: number; respawn: boolean }
  | { type: 'worker-exit'; index: number; pid: number; code: number | null; signal: string | null }
  | { type: 'stopping'; reason: string };

export type SearchEnd = 'done' | 'interrupted' | 'exhausted' | 'failing' | 'workers-died';

export interface SearchSummary {
  study: string;
  target: number;
  complete: number;
  /** Complete plus pruned: what the target counts. */
  finished: number;
  counts: Record<TrialStatus, number>;
  /** Training samples the study's trials trained, all runs (null: none recorded). */
  trainedSamples: number | null;
  /** How the trials went through the pruner's rungs. */
  rungs: RungSummary[];
  end: SearchEnd;
  /** Why the search ended short of the target, when it did. */
  message?: string;
  selection: Selection;
}

function workerScript(): string {
  const candidates = [
    path.join(__dirname, 'worker-process.js'),
    // Running from TypeScript sources (tests): use the built worker.
    path.resolve(__dirname, '..', '..', 'dist', 'search', 'worker-process.js'),
  ];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found)
    throw new Error(`the search worker is not built (${candidates[1]}): run npx nx run zoo:build`);
  return found;
}

/**
 * Runs a study with W worker processes sharing the store until `trials` trials are
 * complete. Re-running with the same options resumes: complete trials count, interrupted
 * ones and those of dead workers are offered again.
 */
export async function runSearch(o: SearchOptions): Promise<SearchSummary> {
  if (!Number.isInteger(o.trials) || o.trials < 1)
    throw new RangeError(`trials must be a positive integer, got ${o.trials}`);
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const pruner = o.pruner ?? paperProtocol(o.epochs ?? 3);
  const epochs = pruner.maxEpochs;
  const heartbeat = validateHeartbeat(o.heartbeat ?? DEFAULT_HEARTBEAT);
  const emit = (e: SearchEvent) => o.onEvent?.(e);
  // Before anything is written: a missing evaluator must not leave an empty study behind.
  const evaluatorModule = resolveEvaluatorModule(o.evaluatorModule);
  const script = workerScript();

  const store = await openTrialStore(o.storeLocation);
  try {
    const study = await Study.open(store, {
      name: o.studyName,
      seed: o.seed,
      window: o.window,
      space: o.space,
      classes: o.classes,
      featureConfigHash: o.featureConfigHash,
      pruner,
      sampler: o.sampler,
      init: o.init,
      extra: o.extra,
    });
    o.onStudyOpened?.(study);
    await recoverDeadTrials(store, study.name, { timeoutMs: heartbeat.timeoutMs });
    const summary = async (end: SearchEnd, message?: string): Promise<SearchSummary> => {
      const analysis = analyseTrials(await study.trials());
      const finished = analysis.counts.complete + analysis.counts.pruned;
      return {
        study: study.name,
        target: o.trials,
        complete: analysis.counts.complete,
        finished,
        counts: analysis.counts,
        trainedSamples: analysis.compute.trainedSamples,
        rungs: analysis.rungs,
        end: end === 'done' && finished < o.trials ? 'workers-died' : end,
        message,
        selection: analysis.selection,
      };
    };
    // Awaited here, before the finally block closes the store under its queries.
    if (planClaim(await study.trials(), study.pruner, o.trials).kind === 'done') {
      return await summary('done');
    }
    return await new Promise<SearchSummary>((resolve, reject) => {
      const children = new Map<number, ChildProcess>();
      const exits: WorkerExit[] = [];
      const fatal: string[] = [];
      let stopping: string | undefined;
      let respawns = 0;
      const maxRespawns = o.maxRespawns ?? 2 * workers;

      const stop = (reason: string) => {
        if (stopping) {
          // A second request: stop waiting for the evaluators.
          for (const c of children.values()) c.kill('SIGKILL');
          return;
        }
        stopping = reason;
        emit({ type: 'stopping', reason });
        for (const c of children.values()) c.kill('SIGTERM');
      };
      const onSignal = (sig: NodeJS.Signals) => stop(`received ${sig}`);
      const onAbort = () => stop('aborted');
      if (o.handleSignals) {
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        o.signal?.removeEventListener('abort', onAbort);
      };

      const spawn = (index: number, respawn: boolean) => {
        const config: WorkerProcessConfig = {
          storeLocation: o.storeLocation,
          studyName: study.name,
          evaluatorModule,
          evaluatorOptions: {
            ...(o.evaluatorOptions ?? {}),
            init: study.init,
            epochs,
            workerIndex: index,
            workers,
          } as EvaluatorOptions,
          target: o.trials,
          epochs,
          checkpointDir: o.checkpointDir ?? null,
          heartbeat,
          workerIndex: index,
          abortGraceMs: o.abortGraceMs,
          pollMs: o.pollMs,
          maxConsecutiveFailures: o.maxConsecutiveFailures,
        };
        const child = fork(script, [JSON.stringify(config)], {
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        });
        // Worker output goes to stderr so that the command's stdout stays machine-readable.
        child.stdout?.pipe(process.stderr);
        let finished = false;
        child.on('message', (m: WorkerMessage) => {
          if (m.type === 'event') emit({ type: 'worker', index, event: m.event });
          else if (m.type === 'exit') {
            finished = true;
            exits.push(m.exit);
          } else if (m.type === 'fatal') {
            finished = true;
            fatal.push(m.message);
          }
        });
        // 'close' comes after the IPC channel has delivered the worker's last message.
        child.on('close', (code, signal) => {
          children.delete(index);
          emit({ type: 'worker-exit', index, pid: child.pid ?? -1, code, signal });
          const died = !finished && (code !== 0 || signal !== null);
          if (died && !stopping && respawns < maxRespawns) {
            respawns++;
            spawn(index, true);
            return;
          }
          if (children.size === 0) {
            cleanup();
            const end = endOf(stopping, exits, fatal);
            summary(end.end, end.message).then(resolve, reject);
          }
        });
        children.set(index, child);
        emit({ type: 'spawn', index, pid: child.pid ?? -1, respawn });
      };
      for (let i = 0; i < workers; i++) spawn(i, false);
    });
  } finally {
    await store.close();
  }
}

function endOf(
  stopping: string | undefined,
  exits: WorkerExit[],
  fatal: string[],
): { end: SearchEnd; message?: string } {
  if (stopping)
    return {
      end: 'interrupted',
      message: `stopped (${stopping}); run the same command again to resume`,
    };
  if (fatal.length > 0) return { end: 'failing', message: fatal[0] };
  const exhausted = exits.find((e) => e.reason === 'exhausted');
  if (exhausted && exhausted.reason === 'exhausted')
    return { end: 'exhausted', message: exhausted.message };
  const failing = exits.find((e) => e.reason === 'failing');
  if (failing && failing.reason === 'failing') return { end: 'failing', message: failing.message };
  if (exits.length === 0)
    return { end: 'workers-died', message: 'every worker process died; see the messages above' };
  return { end: 'done' };
}
