import type { EpochMetrics } from '../search/evaluate';
import type { ArchSpec } from '../spec';
import {
  TrialStoreError,
  type NewTrial,
  type RungRecord,
  type StudyRecord,
  type TrialRecord,
  type TrialState,
  type TrialStatus,
} from './trial-store';

/**
 * The trial columns that both the SQLite and the PostgreSQL store read back alike. `spec`
 * and `requeued` are left to each store: SQLite keeps text and 0/1 where PostgreSQL keeps
 * jsonb and boolean.
 */
export interface TrialColumns {
  trial_id: number;
  study_name: string;
  number: number;
  sample_index: number;
  arch_id: string;
  seed: number;
  status: TrialStatus;
  params: number;
  size_kib: number;
  size_kib_fp16: number;
  rejected_by_size: number;
  accuracy: number | null;
  loss: number | null;
  segment_accuracy: number | null;
  backend: string | null;
  seconds: number | null;
  started_at: number;
  ended_at: number | null;
  heartbeat_at: number;
  worker: string;
  host: string;
  pid: number;
  error: string | null;
  feature_config_hash: string | null;
  retry_of: number | null;
  bracket: number;
  rung: number | null;
  trained_samples: number | null;
}

/** A rung row as both stores read it back (a NaN metric comes back null). */
export interface RungColumns {
  trial_id: number;
  rung: number;
  epochs: number;
  samples: number | null;
  accuracy: number | null;
  loss: number | null;
  seconds: number | null;
}

export function rungFromRow(r: RungColumns): RungRecord {
  return {
    rung: r.rung,
    epochs: r.epochs,
    samples: r.samples,
    accuracy: r.accuracy ?? NaN,
    loss: r.loss ?? NaN,
    seconds: r.seconds,
  };
}

/** The columns of a rung row in the order of `rungValues`. */
export const RUNG_COLUMNS = 'trial_id, rung, epochs, samples, accuracy, loss, seconds';

export function rungValues(trialId: number, r: RungRecord): unknown[] {
  const real = (x: number) => (Number.isNaN(x) ? null : x);
  return [trialId, r.rung, r.epochs, r.samples, real(r.accuracy), real(r.loss), r.seconds];
}

/** The rung a trial reached now, from the result of the run that reached it. */
export function reachedRung(
  rung: number,
  epochs: number,
  result: { accuracy: number; loss: number; samples?: number; seconds: number },
): RungRecord {
  return {
    rung,
    epochs,
    samples: result.samples ?? null,
    accuracy: result.accuracy,
    loss: result.loss,
    seconds: result.seconds,
  };
}

/**
 * The epochs a re-offer copies from the trial it re-runs: those finished by its last
 * rung (later ones belong to the run that died, which the re-offer trains again).
 */
export function epochsUpToRungs(epochs: readonly EpochMetrics[], rungs: readonly RungRecord[]) {
  const last = rungs[rungs.length - 1];
  if (!last) return [];
  return epochs.filter((e) => e.epoch <= Math.floor(last.epochs + 1e-9));
}

/** The study columns both stores read back alike (`config` is text in one, json in the other). */
export interface StudyColumns {
  study_id: number;
  name: string;
  seed: number;
  feature_config_hash: string | null;
  next_sample_index: number;
  created_at: number;
}

/** A trial row with its engine-specific columns already decoded. */
export function trialFromRow(
  r: TrialColumns,
  decoded: { spec: ArchSpec; requeued: boolean; epochs: EpochMetrics[]; rungs: RungRecord[] },
): TrialRecord {
  return { ...trialStateFromRow(r, decoded), epochs: decoded.epochs };
}

/** The same without the epochs: what a claim decision reads. */
export function trialStateFromRow(
  r: TrialColumns,
  decoded: { spec: ArchSpec; requeued: boolean; rungs: RungRecord[] },
): TrialState {
  return {
    trialId: r.trial_id,
    number: r.number,
    studyName: r.study_name,
    sampleIndex: r.sample_index,
    archId: r.arch_id,
    spec: decoded.spec,
    seed: r.seed,
    status: r.status,
    params: r.params,
    sizeKiB: r.size_kib,
    sizeKiBFp16: r.size_kib_fp16,
    rejectedBySize: r.rejected_by_size,
    accuracy: r.accuracy,
    loss: r.loss,
    segmentAccuracy: r.segment_accuracy,
    backend: r.backend,
    seconds: r.seconds,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    heartbeatAt: r.heartbeat_at,
    worker: r.worker,
    host: r.host,
    pid: r.pid,
    error: r.error,
    featureConfigHash: r.feature_config_hash,
    retryOf: r.retry_of,
    requeued: decoded.requeued,
    bracket: r.bracket,
    rung: r.rung,
    rungs: decoded.rungs,
    trainedSamples: r.trained_samples,
  };
}

/** A requeued trial's architecture, to claim it again as a new trial. */
export function requeuedTrial(t: TrialState): NewTrial {
  return {
    sampleIndex: t.sampleIndex,
    archId: t.archId,
    spec: t.spec,
    seed: t.seed,
    params: t.params,
    sizeKiB: t.sizeKiB,
    sizeKiBFp16: t.sizeKiBFp16,
    rejectedBySize: t.rejectedBySize,
  };
}

export function studyFromRow(r: StudyColumns, config: Record<string, unknown>): StudyRecord {
  return {
    studyId: r.study_id,
    name: r.name,
    seed: r.seed,
    config,
    featureConfigHash: r.feature_config_hash,
    nextSampleIndex: r.next_sample_index,
    createdAt: r.created_at,
  };
}

/** The study columns `importStudy` writes, in the order of `IMPORTED_STUDY_COLUMNS`. */
export const IMPORTED_STUDY_COLUMNS =
  'name, seed, config, feature_config_hash, next_sample_index, created_at';

export function importedStudyValues(study: StudyRecord): unknown[] {
  return [
    study.name,
    study.seed,
    JSON.stringify(study.config),
    study.featureConfigHash,
    study.nextSampleIndex,
    study.createdAt,
  ];
}

/**
 * Every trial column a store writes, in the order of `importedTrialValues`; `requeued`
 * comes last and is encoded by each store (0/1 in SQLite, boolean in PostgreSQL).
 */
export const TRIAL_INSERT_COLUMNS = `study_id, number, sample_index, arch_id, spec, seed, status,
  params, size_kib, size_kib_fp16, rejected_by_size, accuracy, loss, segment_accuracy, backend,
  seconds, started_at, ended_at, heartbeat_at, worker, host, pid, error, feature_config_hash,
  retry_of, bracket, rung, trained_samples, requeued`;

/** A copied trial's values (without `requeued`), under its new study id. */
export function importedTrialValues(
  studyId: number,
  t: TrialRecord,
  retryOf: number | null,
): unknown[] {
  return [
    studyId,
    t.number,
    t.sampleIndex,
    t.archId,
    JSON.stringify(t.spec),
    t.seed,
    t.status,
    t.params,
    t.sizeKiB,
    t.sizeKiBFp16,
    t.rejectedBySize,
    t.accuracy,
    t.loss,
    t.segmentAccuracy,
    t.backend,
    t.seconds,
    t.startedAt,
    t.endedAt,
    t.heartbeatAt,
    t.worker,
    t.host,
    t.pid,
    t.error,
    t.featureConfigHash,
    retryOf,
    t.bracket,
    t.rung,
    t.trainedSamples,
  ];
}

/**
 * The new id of the trial that `t` retries, given the ids that the trials copied before it
 * received (old id -> new id); throws when that trial was not among them.
 */
export function importedRetryOf(
  location: string,
  studyName: string,
  t: TrialRecord,
  newIds: ReadonlyMap<number, number>,
): number | null {
  const retryOf = t.retryOf === null ? null : newIds.get(t.retryOf);
  if (retryOf === undefined) {
    throw new TrialStoreError(
      `trial ${t.number} of study "${studyName}" retries trial id ${t.retryOf}, which is not among the trials copied before it`,
      location,
    );
  }
  return retryOf;
}
