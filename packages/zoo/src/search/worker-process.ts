/**
 * Entry point of one search worker process (forked by runSearch). It loads the evaluator
 * module, opens the store and study by location, runs the worker loop and reports events
 * to the parent over IPC. SIGINT and SIGTERM stop it gracefully: the running trial is
 * marked interrupted and offered again when the study resumes.
 */
import { openTrialStore } from '../store/open';
import type { EvaluatorOptions } from './evaluate';
import type { HeartbeatSettings } from './heartbeat';
import { loadEvaluator } from './load-evaluator';
import { Study } from './study';
import { defaultIdentity, runWorker, type WorkerEvent, type WorkerExit } from './worker';

export interface WorkerProcessConfig {
  storeLocation: string;
  studyName: string;
  evaluatorModule: string;
  evaluatorOptions: EvaluatorOptions;
  target: number;
  /** The paper's protocol's epochs for a study stored before pruners (see Study.load). */
  epochs: number;
  checkpointDir: string | null;
  heartbeat: HeartbeatSettings;
  workerIndex: number;
  abortGraceMs?: number;
  pollMs?: number;
  maxConsecutiveFailures?: number;
}

export type WorkerMessage =
  | { type: 'event'; event: WorkerEvent }
  | { type: 'exit'; exit: WorkerExit }
  | { type: 'fatal'; message: string };

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

async function main(): Promise<number> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The parent going away (its IPC channel closing) also stops this worker.
  process.on('disconnect', stop);
  const store = await openTrialStore(config.storeLocation);
  try {
    const evaluate = await loadEvaluator(config.evaluatorModule, config.evaluatorOptions);
    const study = await Study.load(store, config.studyName, config.epochs);
    const exit = await runWorker({
      study,
      evaluate,
      identity: defaultIdentity(config.workerIndex),
      target: config.target,
      checkpointDir: config.checkpointDir,
      heartbeat: config.heartbeat,
      signal: controller.signal,
      abortGraceMs: config.abortGraceMs,
      pollMs: config.pollMs,
      maxConsecutiveFailures: config.maxConsecutiveFailures,
      onEvent: (event) => void send({ type: 'event', event }),
    });
    await send({ type: 'exit', exit });
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  // Exit explicitly: an evaluator that ignored the abort may still hold the event loop.
  (code) => process.exit(code),
  async (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    await send({ type: 'fatal', message });
    process.stderr.write(`asc search worker ${process.pid}: ${message}\n`);
    process.exit(3);
  },
);
