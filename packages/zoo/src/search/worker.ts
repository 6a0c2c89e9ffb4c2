import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SamplerExhaustedError } from '../sampler';
import type { TrialRecord, WorkerIdentity } from '../store/trial-store';
import { checkTrialResult, type Evaluate, type TrialResult } from './evaluate';
import { recoverDeadTrials, startHeartbeat, type HeartbeatSettings } from './heartbeat';
import type { Study } from './study';
import { AscError } from '@asc/core';

/** What a worker tells whoever watches it (the search driver relays it to the CLI). */
export type WorkerEvent =
  | { type: 'start'; worker: string; trial: TrialSummary; via: 'new' | 'promote' | 'reoffer' }
  | { type: 'complete'; worker: string; trial: TrialSummary; accuracy: number; loss: number }
  | { type: 'pruned'; worker: string; trial: TrialSummary; accuracy: number; loss: number }
  | { type: 'failed'; worker: string; trial: TrialSummary; error: string }
  | { type: 'interrupted'; worker: string; trial: TrialSummary }
  | { type: 'lost'; worker: string; trial: TrialSummary }
  | { type: 'recovered'; worker: string; trials: TrialSummary[] };

export interface TrialSummary {
  trialId: number;
  number: number;
  sampleIndex: number;
  archId: string;
  retryOf: number | null;
  /** The rung the trial trains toward (or stopped at). */
  rung: number | null;
  error?: string | null;
}

export function summarise(t: TrialRecord): TrialSummary {
  return {
    trialId: t.trialId,
    number: t.number,
    sampleIndex: t.sampleIndex,
    archId: t.archId,
    retryOf: t.retryOf,
    rung: t.rung,
    error: t.error,
  };
}

/**
 * The file in which an evaluator keeps a trial's training state between rungs: one per
 * sample index, so that a re-offer of the trial (same architecture and seed) finds it.
 */
export function trialCheckpoint(dir: string, sampleIndex: number): string {
  return path.join(dir, `trial-${sampleIndex}.ckpt`);
}

export interface WorkerOptions {
  study: Study;
  evaluate: Evaluate;
  /** Unique worker id; by default host:pid:index. */
  identity?: WorkerIdentity;
  /** Finished trials (complete, or pruned for good) the study runs to. */
  target: number;
  /** Where trials keep their training state between rungs (null: retrain from the start). */
  checkpointDir?: string | null;
  heartbeat: HeartbeatSettings;
  /** Stops the worker: the running trial is aborted and marked interrupted. */
  signal?: AbortSignal;
  /** How long to wait for the evaluator to honour an abort before giving up on it (ms). */
  abortGraceMs?: number;
  /** Pause between polls while other workers' trials fill the target (ms). */
  pollMs?: number;
  /** Consecutive evaluator failures after which the worker stops. */
  maxConsecutiveFailures?: number;
  onEvent?(e: WorkerEvent): void;
}

export type WorkerExit =
  | { reason: 'done'; completedHere: number }
  | { reason: 'stopped'; completedHere: number }
  | { reason: 'exhausted'; completedHere: number; message: string }
  | { reason: 'failing'; completedHere: number; message: string };

/** The evaluator kept failing; the worker gave up. */
export class EvaluatorFailingError extends AscError {
  constructor(message: string) {
    super('evaluator-failing', message);
  }
}

export function defaultIdentity(index = 0): WorkerIdentity {
  const host = os.hostname();
  return { worker: `${host}:${process.pid}:${index}`, host, pid: process.pid };
}

/**
 * One worker's loop: recover dead trials, claim, evaluate with heartbeats up to the
 * claimed trial's rung, record; until the study has `target` finished trials and nothing
 * left to promote, the sampler is exhausted, the evaluator keeps failing, or the signal
 * stops it.
 */
export async function runWorker(o: WorkerOptions): Promise<WorkerExit> {
  const identity = o.identity ?? defaultIdentity();
  const { study } = o;
  const store = study.store;
  const pollMs = o.pollMs ?? Math.min(2000, o.heartbeat.intervalMs);
  const maxFailures = o.maxConsecutiveFailures ?? 3;
  const emit = (e: WorkerEvent) => o.onEvent?.(e);
  let completedHere = 0;
  let failures = 0;

  while (!o.signal?.aborted) {
    const recovered = await recoverDeadTrials(store, study.name, {
      timeoutMs: o.heartbeat.timeoutMs,
      host: identity.host,
    });
    if (recovered.length > 0)
      emit({ type: 'recovered', worker: identity.worker, trials: recovered.map(summarise) });
    let outcome;
    try {
      outcome = await study.claim(identity, o.target);
    } catch (err) {
      if (err instanceof SamplerExhaustedError) {
        return { reason: 'exhausted', completedHere, message: err.message };
      }
      throw err;
    }
    if (outcome.kind === 'done') return { reason: 'done', completedHere };
    if (outcome.kind === 'wait') {
      await sleep(pollMs, o.signal);
      continue;
    }
    const trial = outcome.trial;
    const end = await runTrial(o, identity, trial, outcome.via, emit);
    if (end.kind === 'complete' || end.kind === 'pruned') {
      completedHere++;
      failures = 0;
    } else if (end.kind === 'failed') {
      failures++;
      if (failures >= maxFailures) {
        return {
          reason: 'failing',
          completedHere,
          message: `the evaluator failed ${failures} times in a row; last error: ${end.error}`,
        };
      }
    }
  }
  return { reason: 'stopped', completedHere };
}

type TrialEnd =
  | { kind: 'complete' }
  | { kind: 'pruned' }
  | { kind: 'interrupted' }
  | { kind: 'lost' }
  | { kind: 'failed'; error: string };

async function runTrial(
  o: WorkerOptions,
  identity: WorkerIdentity,
  trial: TrialRecord,
  via: 'new' | 'promote' | 'reoffer',
  emit: (e: WorkerEvent) => void,
): Promise<TrialEnd> {
  const { store, pruner } = o.study;
  const summary = summarise(trial);
  const { worker } = identity;
  const top = pruner.rungs.length - 1;
  const rung = trial.rung ?? top;
  const last = trial.rungs[trial.rungs.length - 1];
  // One rung (the paper's protocol): nothing is ever continued, so no state is kept.
  const checkpoint =
    o.checkpointDir && pruner.rungs.length > 1
      ? trialCheckpoint(o.checkpointDir, trial.sampleIndex)
      : null;
  if (checkpoint) fs.mkdirSync(path.dirname(checkpoint), { recursive: true });
  emit({ type: 'start', worker, trial: summary, via });
  const controller = new AbortController();
  let lost = false;
  // The store gave up reaching its database while the evaluator reported an epoch: the
  // worker abandons the trial (left running, it is re-offered once found dead) and stops,
  // rather than recording a store outage as the evaluator's failure.
  let unreachable: { error: unknown } | undefined;
  const storeGaveUp = (error: unknown): never => {
    unreachable = { error };
    controller.abort(error);
    throw error;
  };
  const onStop = () => controller.abort(new Error('the search is stopping'));
  o.signal?.addEventListener('abort', onStop, { once: true });
  if (o.signal?.aborted) onStop();
  const heartbeat = startHeartbeat({
    store,
    trialId: trial.trialId,
    worker,
    intervalMs: o.heartbeat.intervalMs,
    onLost: () => {
      lost = true;
      controller.abort(new Error('the trial was taken away from this worker (missed heartbeats)'));
    },
  });
  try {
    let result: TrialResult;
    try {
      const evaluation = o.evaluate(trial.spec, {
        trialId: trial.trialId,
        seed: trial.seed,
        epochs: pruner.rungs[rung],
        maxEpochs: pruner.rungs[top],
        rung,
        resume: last ? { epochs: last.epochs, samples: last.samples } : null,
        checkpoint,
        signal: controller.signal,
        reportEpoch: async (m) => {
          if (!(await store.reportEpoch(trial.trialId, worker, m).catch(storeGaveUp)) && !lost) {
            lost = true;
            controller.abort(new Error('the trial was taken away from this worker'));
          }
        },
      });
      result = checkTrialResult(
        await abandonAfterAbort(evaluation, controller.signal, o.abortGraceMs ?? 30_000),
      );
    } catch (err) {
      if (unreachable) throw unreachable.error;
      if (lost) {
        emit({ type: 'lost', worker, trial: summary });
        return { kind: 'lost' };
      }
      if (controller.signal.aborted) {
        await store.finishTrial(trial.trialId, worker, {
          status: 'interrupted',
          reason: 'the search was stopped',
        });
        emit({ type: 'interrupted', worker, trial: summary });
        return { kind: 'interrupted' };
      }
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      await store.finishTrial(trial.trialId, worker, { status: 'failed', error });
      emit({ type: 'failed', worker, trial: summary, error: firstLine(error) });
      return { kind: 'failed', error: firstLine(error) };
    }
    const status = rung === top ? 'complete' : 'pruned';
    const finished = await store.finishTrial(trial.trialId, worker, {
      status,
      result,
      rungEpochs: pruner.rungs[rung],
    });
    if (!finished) {
      emit({ type: 'lost', worker, trial: summary });
      return { kind: 'lost' };
    }
    // At the top nothing is left to continue: the state is dead weight.
    if (status === 'complete' && checkpoint) fs.rmSync(checkpoint, { force: true });
    emit({ type: status, worker, trial: summary, accuracy: result.accuracy, loss: result.loss });
    return { kind: status };
  } finally {
    heartbeat.stop();
    o.signal?.removeEventListener('abort', onStop);
  }
}

/** Resolves with the evaluation, or rejects `graceMs` after an abort it has not honoured. */
function abandonAfterAbort<T>(p: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason ?? new Error('aborted')), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
