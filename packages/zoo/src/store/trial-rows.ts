import type { EpochMetrics } from '../search/evaluate';
import type { ArchSpec } from '../spec';
import {
  TrialStoreError,
  type NewTrial,
  type StudyRecord,
  type TrialRecord,
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
  decoded: { spec: ArchSpec; requeued: boolean; epochs: EpochMetrics[] },
): TrialRecord {
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
    epochs: decoded.epochs,
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
  };
}

/** A requeued trial's architecture columns, to claim it again as a new trial. */
export function requeuedTrial(r: TrialColumns, spec: ArchSpec): NewTrial {
  return {
    sampleIndex: r.sample_index,
    archId: r.arch_id,
    spec,
    seed: r.seed,
    params: r.params,
    sizeKiB: r.size_kib,
    sizeKiBFp16: r.size_kib_fp16,
    rejectedBySize: r.rejected_by_size,
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
  retry_of, requeued`;

/** A copied trial's values up to `retry_of` (without `requeued`), under its new study id. */
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
