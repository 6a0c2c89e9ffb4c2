import type { ArchSpec } from '../spec';
import type { EpochMetrics, TrialResult } from '../search/evaluate';
import { AscError } from '@asc/core';
import type { Pruner } from '../search/pruner';

/**
 * # TrialStore: where a study's trials live
 *
 * One interface, several engines: `SqliteTrialStore` (the embedded default, one file in the
 * study directory) and `PostgresTrialStore` (a `postgresql://` URL) for studies shared by
 * several machines. Every store must pass the shared suite in `test/store-suite.ts`, which
 * is parametrised over stores; a new engine adds itself there and changes nothing else.
 *
 * ## Concurrency
 * - Any number of processes, on one machine (SQLite) or several (RDB), may open the same
 *   store and work on the same study at once. Within a process, one store object may be
 *   used by concurrent async callers; the store serialises what must be serialised.
 * - Every method is one atomic unit against the database: it either takes full effect or
 *   none, and no other caller observes a half-done state. In particular `claimTrial` is a
 *   single transaction that reads the study's trials (with their rungs), decides what to
 *   do with `planClaim` (search/schedule.ts) and the request's pruner (a re-offer, a
 *   promotion, the next sample index, wait or done), and writes it; two callers can never
 *   claim the same sample index, promote the same trial or re-offer the same interrupted
 *   trial twice, and every promotion is decided on the state that it changes. An RDB
 *   store does this with a row lock on the study (`SELECT ... FOR UPDATE`); SQLite does
 *   it with `BEGIN IMMEDIATE`.
 * - Contention is the store's problem, not the caller's: a store waits and retries on a
 *   busy or locked database (SQLite busy timeout; RDB serialisation failures) and only
 *   throws `TrialStoreError` once it has given up.
 *
 * ## Ownership of a running trial
 * A running trial belongs to the worker that claimed it (`WorkerIdentity.worker`). The
 * methods that change a running trial (`heartbeat`, `reportEpoch`, `finishTrial`) take
 * the worker and return `false`, changing nothing, when the trial is no longer running
 * under that worker (for example it was declared dead by `failStaleTrials`); the worker
 * must then abandon the trial. Finished trials (complete, failed, interrupted, pruned) are
 * never changed again, with two exceptions: clearing `requeued` marks a re-offer as taken,
 * and a promotion sets a pruned trial running again under the claiming worker (it keeps
 * its number, rungs and epochs, and trains on toward its next rung).
 *
 * ## Rungs
 * A trial trains toward one rung at a time (`rung`); `finishTrial` with 'pruned' (a rung
 * below the top) or 'complete' (the top) records its result there in `rungs`, and adds
 * the seconds and training samples of that run to the trial's. The store keeps what the
 * pruner decides from; it never decides itself what a rung is.
 *
 * ## Clock
 * `startedAt`, `endedAt` and `heartbeatAt` are milliseconds since the epoch assigned by
 * the store from its own clock (the process for SQLite, the server for an RDB), so that
 * stale heartbeats are judged on one clock even across machines.
 *
 * ## Returned data
 * Every record a method returns is a fresh plain object owned by the caller, who may
 * mutate it freely; the store keeps no reference to it. Records passed in are read, never
 * kept or mutated.
 *
 * ## Re-offers
 * A trial that ends `interrupted` (graceful stop) or `failed` because its worker died gets
 * `requeued = true`: the next `claimTrial` offers its architecture again (same sample
 * index, spec, seed and bracket) as a new trial whose `retryOf` names it, before any new
 * sample index. The new trial copies the rungs the old one had reached (and the epochs up
 * to the last of them) and trains on toward the rung the old one was training for. A
 * trial that failed because the evaluator threw is not re-offered. An architecture
 * identifier appears at most once among the study's non-retry proposals.
 */
export interface TrialStore {
  /** Where the store lives, for messages (a file path, a database URL without password). */
  readonly location: string;

  /** Creates the study if absent and returns the stored record (idempotent and atomic). */
  createStudy(init: StudyInit): Promise<StudyRecord>;
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudyRecord[]>;

  /**
   * Atomically decides what the calling worker does next (`planClaim` on the study's
   * trials with the request's pruner and target): 'done', 'wait', or a claimed trial: a
   * re-offer, a promotion, or the next sample index whose proposal is not yet in the
   * study. Under the paper's protocol: 'done' when `targetFinished` trials are complete,
   * 'wait' when complete and running trials reach it. `propose` is called synchronously
   * inside the transaction; if it throws, nothing is written and the error propagates.
   */
  claimTrial(studyName: string, request: ClaimRequest): Promise<ClaimOutcome>;

  /** Refreshes the trial's heartbeat; false when the worker no longer owns it. */
  heartbeat(trialId: number, worker: string): Promise<boolean>;
  /** Records one epoch's metrics (replacing a previous record of that epoch) and heartbeats. */
  reportEpoch(trialId: number, worker: string, metrics: EpochMetrics): Promise<boolean>;
  /** Ends a running trial owned by `worker`; false when it no longer owns it. */
  finishTrial(trialId: number, worker: string, outcome: TrialOutcome): Promise<boolean>;

  /**
   * Marks failed (with `requeued = true`) every running trial of the study whose heartbeat
   * is older than `heartbeatTimeoutMs`, or whose worker is listed in `deadWorkers`
   * (workers known dead by other means, e.g. a vanished process on this host). Returns
   * the trials it marked.
   */
  failStaleTrials(
    studyName: string,
    o: { heartbeatTimeoutMs: number; deadWorkers?: readonly string[] },
  ): Promise<TrialRecord[]>;

  getTrial(trialId: number): Promise<TrialRecord | null>;
  /** The study's trials in claim order (`number`), with their epochs. */
  getTrials(
    studyName: string,
    filter?: { status?: readonly TrialStatus[] },
  ): Promise<TrialRecord[]>;
  countTrials(studyName: string): Promise<Record<TrialStatus, number>>;

  /**
   * Writes a whole study read from another store (`getStudy` + `getTrials`) into this one
   * in one transaction, for `asc study export` and `import`; `study.name` names it here.
   * Trial ids are assigned anew (and `retryOf` remapped); every other field, timestamps
   * and statuses included, is kept. Refuses when this store already has the study.
   */
  importStudy(study: StudyRecord, trials: readonly TrialRecord[]): Promise<StudyRecord>;

  close(): Promise<void>;
}

export type TrialStatus = 'running' | 'complete' | 'failed' | 'interrupted' | 'pruned';
export const TRIAL_STATUSES: readonly TrialStatus[] = [
  'running',
  'complete',
  'failed',
  'interrupted',
  'pruned',
];

export interface StudyInit {
  name: string;
  seed: number;
  /** Everything that defines the study (sampler space and window, recipe); JSON. */
  config: Record<string, unknown>;
  featureConfigHash?: string | null;
}

export interface StudyRecord {
  studyId: number;
  name: string;
  seed: number;
  config: Record<string, unknown>;
  featureConfigHash: string | null;
  /** The next sample index a new proposal will take. */
  nextSampleIndex: number;
  createdAt: number;
}

/** Who runs a trial: a unique worker id plus the machine and process behind it. */
export interface WorkerIdentity {
  worker: string;
  host: string;
  pid: number;
}

/** What the sampler produces for a new trial. */
export interface NewTrial {
  sampleIndex: number;
  archId: string;
  spec: ArchSpec;
  seed: number;
  params: number;
  sizeKiB: number;
  sizeKiBFp16: number;
  /** Size-rejected raw draws up to this sample index (from the sampler, for the record). */
  rejectedBySize: number;
}

export interface ClaimRequest {
  /** Finished trials (complete, or pruned and not promoted) the study runs to. */
  targetFinished: number;
  /** Rungs, brackets and promotions; the paper's protocol (one rung) when absent. */
  pruner?: Pruner;
  identity: WorkerIdentity;
  featureConfigHash?: string | null;
  /** The architecture at a sample index, from the study's trials (for evolution). */
  propose(sampleIndex: number, trials: readonly TrialState[]): NewTrial;
}

export type ClaimOutcome =
  | {
      kind: 'claimed';
      trial: TrialRecord;
      /** How the trial came: a new architecture, a promotion, or a re-offer. */
      via: 'new' | 'promote' | 'reoffer';
    }
  | { kind: 'wait'; complete: number; running: number }
  | { kind: 'done'; complete: number };

/**
 * How a run of a trial ended. 'complete' at the top rung, 'pruned' at a lower one (it may
 * be promoted later); `rungEpochs`, the epochs of the rung reached, records the rung.
 */
export type TrialOutcome =
  | { status: 'complete'; result: TrialResult; rungEpochs?: number }
  | { status: 'pruned'; result: TrialResult; rungEpochs?: number }
  | { status: 'failed'; error: string; requeue?: boolean }
  | { status: 'interrupted'; reason?: string };

/**
 * A trial's result at one rung of its study's pruner: where it stood (epochs and training
 * samples since its start) and how it scored there.
 */
export interface RungRecord {
  /** The rung's index in the pruner's ladder (0 = the lowest budget). */
  rung: number;
  epochs: number;
  /** Training samples since the trial's start; null when the evaluator did not say. */
  samples: number | null;
  accuracy: number;
  loss: number;
  /** Evaluator-reported seconds of the run that reached this rung from the one before. */
  seconds: number | null;
}

export interface TrialRecord extends NewTrial {
  trialId: number;
  /** Per-study ordinal in claim order, from 0. */
  number: number;
  studyName: string;
  status: TrialStatus;
  accuracy: number | null;
  loss: number | null;
  segmentAccuracy: number | null;
  backend: string | null;
  /** Evaluator-reported training seconds. */
  seconds: number | null;
  epochs: EpochMetrics[];
  startedAt: number;
  endedAt: number | null;
  heartbeatAt: number;
  worker: string;
  host: string;
  pid: number;
  error: string | null;
  featureConfigHash: string | null;
  /** The trial this one re-runs (after an interruption or a dead worker). */
  retryOf: number | null;
  /** True while this finished trial waits for its architecture to be offered again. */
  requeued: boolean;
  /** The pruner's bracket the trial belongs to (0 unless Hyperband). */
  bracket: number;
  /**
   * The rung the trial is training toward while running, the rung it stopped at once
   * finished (pruned, complete, failed); null for trials stored before rungs existed.
   */
  rung: number | null;
  /** Its result at every rung it reached, lowest first. */
  rungs: RungRecord[];
  /** Training samples its runs trained (resumed parts not counted again); null if unknown. */
  trainedSamples: number | null;
}

/** What a claim decision reads of each trial: its record without the per-epoch metrics. */
export type TrialState = Omit<TrialRecord, 'epochs'>;

/** A store that cannot do what was asked (unreadable, newer schema, gave up on a lock). */
export class TrialStoreError extends AscError {
  constructor(
    message: string,
    readonly location: string,
    cause?: unknown,
  ) {
    super('trial-store-failed', `${location}: ${message}`, { context: { location }, cause });
  }
}

/**
 * A trial would mix feature configs in one study. A study's config is the one it was
 * created with, else that of its first trial that recorded one; a trial that records none
 * (an evaluator without features) mixes with anything.
 */
export class FeatureConfigMismatchError extends TrialStoreError {
  constructor(
    location: string,
    readonly study: string,
    readonly studyHash: string,
    readonly trialHash: string,
  ) {
    super(
      `study "${study}" holds trials on feature config ${studyHash}; refusing a trial on feature ` +
        `config ${trialHash} (use the same feature settings on every machine, or a new study)`,
      location,
    );
  }
}

/** Throws FeatureConfigMismatchError when a claim's feature config differs from the study's. */
export function checkFeatureConfig(
  location: string,
  study: string,
  studyHash: string | null,
  trialHash: string | null | undefined,
): void {
  if (studyHash !== null && trialHash != null && studyHash !== trialHash) {
    throw new FeatureConfigMismatchError(location, study, studyHash, trialHash);
  }
}
