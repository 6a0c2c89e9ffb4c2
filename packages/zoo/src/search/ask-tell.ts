import * as os from 'os';
import * as crypto from 'crypto';
import { AscError } from '@asc/core';
import type { ArchSpec } from '../spec';
import type { TrialRecord, TrialStatus, WorkerIdentity } from '../store/trial-store';
import { recoverDeadTrials } from './heartbeat';
import type { Study } from './study';

/**
 * Ask and tell: the search driven from a trainer outside this project (PyTorch, say), as
 * Optuna's `study.ask()` / `study.tell()`. `askTrial` claims the next trial exactly as a
 * search worker does (the same store transaction: sampler, pruner and promotions), under
 * a worker identity of its own; the trainer trains it to the budget and `tellTrial`
 * records the result at that rung. Asked trials have no heartbeat: a trial not told
 * within the heartbeat timeout of whoever sweeps the study next (an ask, or a search
 * worker) counts as dead and is offered again.
 */

/** What a trainer needs to train an asked trial. */
export interface AskedTrial {
  kind: 'trial';
  /** The trial's number in the study: what `tell` takes. */
  trial: number;
  trialId: number;
  archId: string;
  spec: ArchSpec;
  /** Seed the trainer should use for its initial weights, shuffles and augmentation. */
  seed: number;
  sampleIndex: number;
  via: 'new' | 'promote' | 'reoffer';
  budget: {
    /** The rung to train to, 0-based, and the rungs of the study (epochs). */
    rung: number;
    rungs: readonly number[];
    /** Train to this many epochs in all. */
    epochs: number;
    /** The schedule's length: a full-budget run. */
    maxEpochs: number;
    /** Where the trial stopped before (0 for a new one): continue from there. */
    fromEpochs: number;
    fromSamples: number | null;
  };
  /**
   * The key to keep the trial's training state under between rungs: a re-offer of the
   * trial (a new number) keeps its sample index, and so this key.
   */
  checkpointKey: string;
}

export type AskOutcome =
  | AskedTrial
  | { kind: 'wait'; complete: number; running: number }
  | { kind: 'done'; complete: number };

/** A worker identity for asked trials: no process here to watch, so pid 0. */
export function askIdentity(): WorkerIdentity {
  const host = os.hostname();
  return { worker: `ask:${host}:${crypto.randomBytes(4).toString('hex')}`, host, pid: 0 };
}

/** Claims the next trial for an outside trainer (see the module's doc). */
export async function askTrial(
  study: Study,
  o: { target: number; heartbeatTimeoutMs: number; identity?: WorkerIdentity },
): Promise<AskOutcome> {
  await recoverDeadTrials(study.store, study.name, { timeoutMs: o.heartbeatTimeoutMs });
  const claim = await study.claim(o.identity ?? askIdentity(), o.target);
  if (claim.kind !== 'claimed') return claim;
  const t = claim.trial;
  const rungs = study.pruner.rungs;
  const rung = t.rung ?? rungs.length - 1;
  const last = t.rungs[t.rungs.length - 1];
  return {
    kind: 'trial',
    trial: t.number,
    trialId: t.trialId,
    archId: t.archId,
    spec: t.spec,
    seed: t.seed,
    sampleIndex: t.sampleIndex,
    via: claim.via,
    budget: {
      rung,
      rungs,
      epochs: rungs[rung],
      maxEpochs: rungs[rungs.length - 1],
      fromEpochs: last?.epochs ?? 0,
      fromSamples: last?.samples ?? null,
    },
    checkpointKey: `sample-${t.sampleIndex}`,
  };
}

/** What an outside trainer reports for an asked trial. */
export interface Told {
  accuracy: number;
  loss: number;
  /** The epochs trained to: must be the asked budget. */
  epochs: number;
  samples?: number;
  trainedSamples?: number;
  seconds?: number;
}

/** A tell that the study cannot take (no such trial, not running, another budget). */
export class TellError extends AscError {
  constructor(message: string, context: { study: string; trial: number }) {
    super('tell-refused', message, { context });
  }
}

/** Records the result of an asked trial at its rung: pruned below the top, else complete. */
export async function tellTrial(
  study: Study,
  number: number,
  told: Told | { failed: string },
): Promise<{ trial: number; status: TrialStatus; rung: number | null }> {
  const trials = await study.store.getTrials(study.name);
  const t: TrialRecord | undefined = trials.find((x) => x.number === number);
  const context = { study: study.name, trial: number };
  if (!t) throw new TellError(`study "${study.name}" has no trial ${number}`, context);
  if (t.status !== 'running') {
    const why = t.error ? `: ${t.error.split('\n')[0]}` : '';
    throw new TellError(`trial ${number} is not running (it is ${t.status}${why})`, context);
  }
  if ('failed' in told) {
    await study.store.finishTrial(t.trialId, t.worker, { status: 'failed', error: told.failed });
    return { trial: number, status: 'failed', rung: t.rung };
  }
  const rungs = study.pruner.rungs;
  const rung = t.rung ?? rungs.length - 1;
  const expected = rungs[rung];
  // Printed budgets may be rounded (0.333333 for 1/3); no two rungs are that close.
  if (Math.abs(told.epochs - expected) > 1e-6 * Math.max(1, expected)) {
    throw new TellError(
      `trial ${number} was asked to train to ${expected} epochs (rung ${rung}), not ${told.epochs}`,
      context,
    );
  }
  if (!(told.accuracy >= 0 && told.accuracy <= 1)) {
    throw new TellError(`accuracy must be in [0, 1], got ${told.accuracy}`, context);
  }
  if (!Number.isFinite(told.loss)) {
    throw new TellError(`loss must be a number, got ${told.loss}`, context);
  }
  const status = rung === rungs.length - 1 ? 'complete' : 'pruned';
  const changed = await study.store.finishTrial(t.trialId, t.worker, {
    status,
    rungEpochs: expected,
    result: {
      accuracy: told.accuracy,
      loss: told.loss,
      seconds: told.seconds ?? 0,
      epochs: [],
      samples: told.samples,
      trainedSamples: told.trainedSamples,
    },
  });
  if (!changed) throw new TellError(`trial ${number} stopped running before the tell`, context);
  return { trial: number, status, rung };
}
