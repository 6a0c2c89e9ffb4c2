import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import type { EpochMetrics } from '../search/evaluate';
import { createPruner, paperProtocol } from '../search/pruner';
import { planClaim } from '../search/schedule';
import type { ArchSpec } from '../spec';
import { redactUrl } from './open';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_LOCK_KEY } from './postgres-migrations';
import {
  TRIAL_STATUSES,
  TrialStoreError,
  checkFeatureConfig,
  type ClaimOutcome,
  type ClaimRequest,
  type NewTrial,
  type StudyInit,
  type StudyRecord,
  type TrialOutcome,
  type RungRecord,
  type TrialRecord,
  type TrialState,
  type TrialStatus,
  type TrialStore,
} from './trial-store';
import {
  IMPORTED_STUDY_COLUMNS,
  RUNG_COLUMNS,
  TRIAL_INSERT_COLUMNS,
  epochsUpToRungs,
  importedRetryOf,
  importedStudyValues,
  importedTrialValues,
  reachedRung,
  requeuedTrial,
  rungFromRow,
  rungValues,
  studyFromRow,
  trialFromRow,
  trialStateFromRow,
  type RungColumns,
  type StudyColumns,
  type TrialColumns,
} from './trial-rows';

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

export interface PostgresStoreOptions {
  /**
   * How long an operation keeps retrying (with backoff) while the server is unreachable,
   * restarting or reports a serialisation failure, before it throws TrialStoreError (ms).
   */
  retryForMs?: number;
  /** Connections this process keeps at most. */
  maxConnections?: number;
  /** How long one connection attempt may take (ms). */
  connectTimeoutMs?: number;
  /** How long one statement may go without an answer before the try counts as failed (ms). */
  queryTimeoutMs?: number;
}

/**
 * The server clock in milliseconds since the epoch: one clock for every machine. The
 * statement's start time, so that one statement stamps every column alike.
 */
const NOW_MS = `(extract(epoch from statement_timestamp()) * 1000)::bigint`;

// int8 (bigint) columns and counts come back as strings by default; every one of ours
// (ids, milliseconds, seeds) is well inside Number's exact range.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : types.getTypeParser(oid, format ?? 'text')) as typeof types.getTypeParser,
};

interface TrialRow extends TrialColumns {
  spec: ArchSpec;
  requeued: boolean;
  epochs: Record<keyof EpochMetrics, number | string | null>[];
  rungs: RungColumns[];
}

/** The default pruner of a claim request: the paper's protocol (one rung). */
const ONE_RUNG = createPruner(paperProtocol(1));

/** A trial's rungs as one JSON array (the same snapshot as the trial). */
const RUNGS_JSON = `COALESCE((SELECT json_agg(json_build_object(
        'trial_id', r.trial_id, 'rung', r.rung, 'epochs', r.epochs, 'samples', r.samples,
        'accuracy', r.accuracy, 'loss', r.loss, 'seconds', r.seconds) ORDER BY r.rung)
      FROM asc_trial_rungs r WHERE r.trial_id = t.trial_id), '[]'::json) AS rungs`;

interface StudyRow extends StudyColumns {
  config: Record<string, unknown>;
}

/** Trials with their study's name, rungs and epochs, in one statement (one snapshot). */
const TRIAL_SELECT = `
  SELECT t.*, s.name AS study_name, ${RUNGS_JSON},
    COALESCE((SELECT json_agg(json_build_object(
        'epoch', e.epoch, 'trainLoss', e.train_loss, 'testLoss', e.test_loss,
        'testAccuracy', e.test_accuracy, 'segmentAccuracy', e.segment_accuracy,
        'seconds', e.seconds, 'samplesPerSec', e.samples_per_sec) ORDER BY e.epoch)
      FROM asc_trial_epochs e WHERE e.trial_id = t.trial_id), '[]'::json) AS epochs
  FROM asc_trials t JOIN asc_studies s USING (study_id)`;

const INSERT_EPOCH = `
  INSERT INTO asc_trial_epochs (trial_id, epoch, train_loss, test_loss, test_accuracy,
    segment_accuracy, seconds, samples_per_sec) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (trial_id, epoch) DO UPDATE SET train_loss = EXCLUDED.train_loss,
    test_loss = EXCLUDED.test_loss, test_accuracy = EXCLUDED.test_accuracy,
    segment_accuracy = EXCLUDED.segment_accuracy, seconds = EXCLUDED.seconds,
    samples_per_sec = EXCLUDED.samples_per_sec`;

/** Trials with their study's name and rungs, without epochs: what a claim decides from. */
const STATE_SELECT = `
  SELECT t.*, s.name AS study_name, ${RUNGS_JSON}
  FROM asc_trials t JOIN asc_studies s USING (study_id)`;

const INSERT_TRIAL = `
  INSERT INTO asc_trials (${TRIAL_INSERT_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
    COALESCE($17, ${NOW_MS}), $18, COALESCE($19, ${NOW_MS}), $20, $21, $22, $23, $24, $25, $26,
    $27, $28, $29)
  RETURNING trial_id`;

const INSERT_RUNG = `INSERT INTO asc_trial_rungs (${RUNG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/** Where a transaction stands when it runs: which attempt, for idempotent retries. */
interface Attempt {
  client: PoolClient;
  /** 0 on the first try; later tries may follow a commit whose reply was lost. */
  retry: number;
}

/**
 * The RDB trial store, for studies shared by several machines (as Optuna's RDBStorage).
 *
 * Tables are prefixed `asc_` so that the store can live in any database. The schema is
 * created and migrated by `open` under a transaction-scoped advisory lock, so that any
 * number of processes may open a new database at once. Claims lock the study row
 * (`SELECT ... FOR UPDATE`), which serialises the claims of one study across every
 * machine; re-offers are additionally taken `FOR UPDATE SKIP LOCKED`. Timestamps come from
 * the server's clock.
 *
 * Connection loss: every operation is one transaction, retried with exponential backoff
 * on connection errors, server restarts and serialisation failures for up to
 * `retryForMs`, then reported as TrialStoreError. A retry may follow a commit whose reply
 * was lost; the writes that matter are made idempotent for that case (see claimTrial and
 * finishTrial).
 */
export class PostgresTrialStore implements TrialStore {
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly pool: Pool,
    private readonly retryForMs: number,
  ) {}

  /**
   * Connects to `url` (postgresql://user@host:port/db), creating or migrating the schema.
   * The URL may carry `asc_retry_ms=N` (how long to retry an unreachable server, the
   * default of `retryForMs`), so that worker processes, which reopen the store from its
   * URL alone, retry as long as their driver.
   */
  static async open(url: string, o: PostgresStoreOptions = {}): Promise<PostgresTrialStore> {
    const location = redactUrl(url);
    const { connectionString, retryMs } = splitRetryParameter(url, location);
    const config: PoolConfig = {
      connectionString,
      max: o.maxConnections ?? 4,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      // A peer that vanishes without closing its socket (a machine losing power or its
      // network) must not hold the study lock or leave our queries hanging for the
      // operating system's two-hour keepalive: the server ends a transaction left idle,
      // and we give up on (and retry) a query with no answer.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: o.queryTimeoutMs ?? 60_000,
      options: '-c idle_in_transaction_session_timeout=60000',
      application_name: 'asc-nas',
      types: pgTypes,
    };
    let pool: Pool;
    try {
      pool = new Pool(config);
    } catch (err) {
      throw new TrialStoreError(`not a usable PostgreSQL URL: ${message(err)}`, location, err);
    }
    // A server restart breaks idle connections; the pool drops them, and the next
    // operation reconnects. Without these listeners the error would crash the process.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PostgresTrialStore(location, pool, o.retryForMs ?? retryMs ?? 120_000);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof TrialStoreError) throw err;
      throw new TrialStoreError(`not a usable trial store: ${message(err)}`, location, err);
    }
    return store;
  }

  private migrate(): Promise<void> {
    return this.transaction(async ({ client }) => {
      // Serialises every process migrating this database; released at commit.
      await client.query('SELECT pg_advisory_xact_lock($1)', [POSTGRES_SCHEMA_LOCK_KEY]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS asc_schema_version (version INTEGER NOT NULL)',
      );
      const rows = (
        await client.query<{ version: number }>('SELECT version FROM asc_schema_version')
      ).rows;
      const version = rows[0]?.version ?? 0;
      if (version > POSTGRES_MIGRATIONS.length) {
        throw new TrialStoreError(
          `schema version ${version} is newer than this asc understands (${POSTGRES_MIGRATIONS.length}); upgrade asc`,
          this.location,
        );
      }
      for (let v = version; v < POSTGRES_MIGRATIONS.length; v++) {
        await client.query(POSTGRES_MIGRATIONS[v]);
      }
      if (rows.length === 0) {
        await client.query('INSERT INTO asc_schema_version (version) VALUES ($1)', [
          POSTGRES_MIGRATIONS.length,
        ]);
      } else if (version !== POSTGRES_MIGRATIONS.length) {
        await client.query('UPDATE asc_schema_version SET version = $1', [
          POSTGRES_MIGRATIONS.length,
        ]);
      }
    });
  }

  /** Runs `fn` in a transaction, retrying the whole transaction on transient errors. */
  private async transaction<T>(fn: (a: Attempt) => Promise<T>): Promise<T> {
    if (this.closed) throw new TrialStoreError('the store is closed', this.location);
    const deadline = Date.now() + this.retryForMs;
    for (let retry = 0; ; retry++) {
      try {
        return await this.attempt(fn, retry);
      } catch (err) {
        if (!isTransient(err)) throw err;
        const waitMs = Math.min(2000, 25 * 2 ** retry) * (0.5 + Math.random());
        if (Date.now() + waitMs > deadline || this.closed) {
          throw new TrialStoreError(
            `gave up after ${retry + 1} attempts over ${(this.retryForMs / 1000).toFixed(1)} s: ${message(err)}`,
            this.location,
            err,
          );
        }
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  private async attempt<T>(fn: (a: Attempt) => Promise<T>, retry: number): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn({ client, retry });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (isTransient(err)) broken = err as Error;
      else {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
      }
      throw err;
    } finally {
      // A connection that failed is destroyed rather than returned to the pool.
      client.release(broken);
    }
  }

  async createStudy(init: StudyInit): Promise<StudyRecord> {
    return this.transaction(async ({ client }) => {
      await client.query(
        `INSERT INTO asc_studies (name, seed, config, feature_config_hash, created_at)
         VALUES ($1, $2, $3, $4, ${NOW_MS}) ON CONFLICT (name) DO NOTHING`,
        [init.name, init.seed, JSON.stringify(init.config), init.featureConfigHash ?? null],
      );
      return (await this.studyRow(client, init.name)) as StudyRecord;
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.transaction(({ client }) => this.studyRow(client, name));
  }

  async listStudies(): Promise<StudyRecord[]> {
    return this.transaction(async ({ client }) => {
      const rows = (await client.query<StudyRow>('SELECT * FROM asc_studies ORDER BY study_id'))
        .rows;
      return rows.map(toStudy);
    });
  }

  private async studyRow(
    client: PoolClient,
    name: string,
    lock = false,
  ): Promise<StudyRecord | null> {
    const rows = (
      await client.query<StudyRow>(
        `SELECT * FROM asc_studies WHERE name = $1${lock ? ' FOR UPDATE' : ''}`,
        [name],
      )
    ).rows;
    return rows.length > 0 ? toStudy(rows[0]) : null;
  }

  private async requireStudy(client: PoolClient, name: string, lock = false): Promise<StudyRecord> {
    const s = await this.studyRow(client, name, lock);
    if (!s) throw new TrialStoreError(`no study named "${name}"`, this.location);
    return s;
  }

  async claimTrial(studyName: string, request: ClaimRequest): Promise<ClaimOutcome> {
    return this.transaction(async ({ client, retry }): Promise<ClaimOutcome> => {
      // The study row lock serialises claims of this study across every process.
      const study = await this.requireStudy(client, studyName, true);
      const firstHash = await client.query<{ hash: string }>(
        `SELECT feature_config_hash AS hash FROM asc_trials
         WHERE study_id = $1 AND feature_config_hash IS NOT NULL ORDER BY trial_id LIMIT 1`,
        [study.studyId],
      );
      checkFeatureConfig(
        this.location,
        study.name,
        study.featureConfigHash ?? firstHash.rows[0]?.hash ?? null,
        request.featureConfigHash,
      );
      const { identity } = request;
      if (retry > 0) {
        // The previous try may have committed before the connection broke: a worker runs
        // one trial at a time, so a running trial of this worker that has never been
        // heartbeated since its claim is that claim.
        const mine = await client.query<{ trial_id: number; retry_of: number | null }>(
          `SELECT trial_id, retry_of FROM asc_trials WHERE study_id = $1 AND worker = $2
             AND status = 'running' AND heartbeat_at = COALESCE(claimed_at, started_at)
           ORDER BY trial_id DESC LIMIT 1`,
          [study.studyId, identity.worker],
        );
        if (mine.rows.length > 0) {
          const trial = (await this.trialById(client, mine.rows[0].trial_id))!;
          const via =
            trial.retryOf !== null ? 'reoffer' : trial.rungs.length > 0 ? 'promote' : 'new';
          return { kind: 'claimed', trial, via };
        }
      }
      const states = (
        await client.query<TrialRow>(`${STATE_SELECT} WHERE t.study_id = $1 ORDER BY t.number`, [
          study.studyId,
        ])
      ).rows.map(toState);
      const plan = planClaim(states, request.pruner ?? ONE_RUNG, request.targetFinished);
      if (plan.kind === 'done' || plan.kind === 'wait') {
        const counts = await this.counts(client, study.studyId);
        return plan.kind === 'done'
          ? { kind: 'done', complete: counts.complete }
          : { kind: 'wait', complete: counts.complete, running: counts.running };
      }
      if (plan.kind === 'promote') {
        const changed = await client.query(
          `UPDATE asc_trials SET status = 'running', rung = $2, worker = $3, host = $4, pid = $5,
             heartbeat_at = ${NOW_MS}, claimed_at = ${NOW_MS}, ended_at = NULL, error = NULL
           WHERE trial_id = $1 AND status = 'pruned'`,
          [plan.trialId, plan.rung, identity.worker, identity.host, identity.pid],
        );
        if (changed.rowCount !== 1) {
          throw new TrialStoreError(
            `trial id ${plan.trialId} is not pruned; cannot promote it`,
            this.location,
          );
        }
        return {
          kind: 'claimed',
          trial: (await this.trialById(client, plan.trialId))!,
          via: 'promote',
        };
      }
      const number = (
        await client.query<{ n: number }>(
          'SELECT COALESCE(MAX(number), -1) + 1 AS n FROM asc_trials WHERE study_id = $1',
          [study.studyId],
        )
      ).rows[0].n;
      let trial: NewTrial;
      let retryOf: number | null = null;
      let bracket: number;
      let old: TrialRecord | null = null;
      if (plan.kind === 'reoffer') {
        old = (await this.trialById(client, plan.trialId))!;
        await client.query('UPDATE asc_trials SET requeued = false WHERE trial_id = $1', [
          old.trialId,
        ]);
        trial = requeuedTrial(old);
        retryOf = old.trialId;
        bracket = old.bracket;
      } else {
        let index = study.nextSampleIndex;
        let p = request.propose(index, states);
        while (
          (
            await client.query(
              'SELECT 1 FROM asc_trials WHERE study_id = $1 AND arch_id = $2 LIMIT 1',
              [study.studyId, p.archId],
            )
          ).rows.length > 0
        ) {
          p = request.propose(++index, states);
        }
        trial = p;
        bracket = plan.bracket;
        await client.query('UPDATE asc_studies SET next_sample_index = $1 WHERE study_id = $2', [
          index + 1,
          study.studyId,
        ]);
      }
      const trialId = await this.insertTrial(client, [
        study.studyId,
        number,
        trial.sampleIndex,
        trial.archId,
        JSON.stringify(trial.spec),
        trial.seed,
        'running',
        trial.params,
        trial.sizeKiB,
        trial.sizeKiBFp16,
        trial.rejectedBySize,
        ...unfinished,
        identity.worker,
        identity.host,
        identity.pid,
        null,
        request.featureConfigHash ?? null,
        retryOf,
        bracket,
        plan.rung,
        null,
        false,
      ]);
      if (old) {
        for (const r of old.rungs) await client.query(INSERT_RUNG, rungValues(trialId, r));
        for (const e of epochsUpToRungs(old.epochs, old.rungs)) {
          await client.query(INSERT_EPOCH, epochValues(trialId, e));
        }
      }
      return {
        kind: 'claimed',
        trial: (await this.trialById(client, trialId))!,
        via: plan.kind === 'reoffer' ? 'reoffer' : 'new',
      };
    });
  }

  private async insertTrial(client: PoolClient, values: unknown[]): Promise<number> {
    return (await client.query<{ trial_id: number }>(INSERT_TRIAL, values)).rows[0].trial_id;
  }

  private async counts(client: PoolClient, studyId: number): Promise<Record<TrialStatus, number>> {
    const out = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<
      TrialStatus,
      number
    >;
    const rows = (
      await client.query<{ status: TrialStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM asc_trials WHERE study_id = $1 GROUP BY status',
        [studyId],
      )
    ).rows;
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  async heartbeat(trialId: number, worker: string): Promise<boolean> {
    return this.transaction(({ client }) => this.touch(client, trialId, worker));
  }

  private async touch(client: PoolClient, trialId: number, worker: string): Promise<boolean> {
    const r = await client.query(
      `UPDATE asc_trials SET heartbeat_at = ${NOW_MS}
       WHERE trial_id = $1 AND worker = $2 AND status = 'running'`,
      [trialId, worker],
    );
    return r.rowCount === 1;
  }

  async reportEpoch(trialId: number, worker: string, m: EpochMetrics): Promise<boolean> {
    return this.transaction(async ({ client }) => {
      if (!(await this.touch(client, trialId, worker))) return false;
      await client.query(INSERT_EPOCH, epochValues(trialId, m));
      return true;
    });
  }

  async finishTrial(trialId: number, worker: string, outcome: TrialOutcome): Promise<boolean> {
    return this.transaction(async ({ client, retry }) => {
      const owned = `WHERE trial_id = $1 AND worker = $2 AND status = 'running'`;
      let changed: number | null;
      if (outcome.status === 'complete' || outcome.status === 'pruned') {
        const r = outcome.result;
        const updated = await client.query<{ rung: number | null }>(
          `UPDATE asc_trials SET status = $3, accuracy = $4, loss = $5,
             segment_accuracy = $6, backend = $7, seconds = COALESCE(seconds, 0) + $8,
             trained_samples = CASE WHEN $9::bigint IS NULL THEN trained_samples
               ELSE COALESCE(trained_samples, 0) + $9::bigint END,
             ended_at = ${NOW_MS}, heartbeat_at = ${NOW_MS} ${owned}
           RETURNING rung`,
          [
            trialId,
            worker,
            outcome.status,
            r.accuracy,
            r.loss,
            real(r.segmentAccuracy),
            r.backend ?? null,
            r.seconds,
            r.trainedSamples ?? null,
          ],
        );
        changed = updated.rowCount;
        if (changed === 1) {
          for (const m of r.epochs) await client.query(INSERT_EPOCH, epochValues(trialId, m));
          const rung = updated.rows[0].rung;
          if (outcome.rungEpochs !== undefined && rung !== null) {
            await client.query(
              INSERT_RUNG,
              rungValues(trialId, reachedRung(rung, outcome.rungEpochs, r)),
            );
          }
        }
      } else {
        const error = outcome.status === 'failed' ? outcome.error : (outcome.reason ?? null);
        const requeue =
          outcome.status === 'interrupted' ||
          (outcome.status === 'failed' && outcome.requeue === true);
        changed = (
          await client.query(
            `UPDATE asc_trials SET status = $3, error = $4, requeued = $5, ended_at = ${NOW_MS},
               heartbeat_at = ${NOW_MS} ${owned}`,
            [trialId, worker, outcome.status, error, requeue],
          )
        ).rowCount;
      }
      if (changed === 1) return true;
      if (retry === 0) return false;
      // The previous try may have committed before the connection broke.
      const done = await client.query(
        'SELECT 1 FROM asc_trials WHERE trial_id = $1 AND worker = $2 AND status = $3',
        [trialId, worker, outcome.status],
      );
      return done.rows.length === 1;
    });
  }

  async failStaleTrials(
    studyName: string,
    o: { heartbeatTimeoutMs: number; deadWorkers?: readonly string[] },
  ): Promise<TrialRecord[]> {
    return this.transaction(async ({ client }) => {
      const study = await this.requireStudy(client, studyName);
      const marked = await client.query<{ trial_id: number }>(
        `UPDATE asc_trials SET status = 'failed', requeued = true, ended_at = ${NOW_MS},
           error = CASE WHEN worker = ANY($3::text[])
             THEN 'worker ' || worker || ' died (its process is gone)'
             ELSE 'worker ' || worker || ' sent no heartbeat for '
               || to_char((${NOW_MS} - heartbeat_at) / 1000.0, 'FM9999999990.0') || ' s' END
         WHERE study_id = $1 AND status = 'running'
           AND (worker = ANY($3::text[]) OR ${NOW_MS} - heartbeat_at > $2)
         RETURNING trial_id`,
        [study.studyId, o.heartbeatTimeoutMs, o.deadWorkers ?? []],
      );
      const ids = marked.rows.map((r) => r.trial_id);
      if (ids.length === 0) return [];
      const rows = (
        await client.query<TrialRow>(
          `${TRIAL_SELECT} WHERE t.trial_id = ANY($1::bigint[]) ORDER BY t.trial_id`,
          [ids],
        )
      ).rows;
      return rows.map(toTrial);
    });
  }

  async getTrial(trialId: number): Promise<TrialRecord | null> {
    return this.transaction(({ client }) => this.trialById(client, trialId));
  }

  private async trialById(client: PoolClient, trialId: number): Promise<TrialRecord | null> {
    const rows = (await client.query<TrialRow>(`${TRIAL_SELECT} WHERE t.trial_id = $1`, [trialId]))
      .rows;
    return rows.length > 0 ? toTrial(rows[0]) : null;
  }

  async getTrials(
    studyName: string,
    filter: { status?: readonly TrialStatus[] } = {},
  ): Promise<TrialRecord[]> {
    return this.transaction(async ({ client }) => {
      const study = await this.requireStudy(client, studyName);
      const statuses = filter.status ?? TRIAL_STATUSES;
      const rows = (
        await client.query<TrialRow>(
          `${TRIAL_SELECT} WHERE t.study_id = $1 AND t.status = ANY($2::text[]) ORDER BY t.number`,
          [study.studyId, [...statuses]],
        )
      ).rows;
      return rows.map(toTrial);
    });
  }

  async countTrials(studyName: string): Promise<Record<TrialStatus, number>> {
    return this.transaction(async ({ client }) =>
      this.counts(client, (await this.requireStudy(client, studyName)).studyId),
    );
  }

  async importStudy(study: StudyRecord, trials: readonly TrialRecord[]): Promise<StudyRecord> {
    return this.transaction(async ({ client }) => {
      if (await this.studyRow(client, study.name)) {
        throw new TrialStoreError(`a study named "${study.name}" already exists`, this.location);
      }
      const studyId = (
        await client.query<{ study_id: number }>(
          `INSERT INTO asc_studies (${IMPORTED_STUDY_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING study_id`,
          importedStudyValues(study),
        )
      ).rows[0].study_id;
      const newIds = new Map<number, number>();
      for (const t of [...trials].sort((a, b) => a.number - b.number)) {
        const retryOf = importedRetryOf(this.location, study.name, t, newIds);
        const trialId = await this.insertTrial(client, [
          ...importedTrialValues(studyId, t, retryOf),
          t.requeued,
        ]);
        newIds.set(t.trialId, trialId);
        for (const m of t.epochs) await client.query(INSERT_EPOCH, epochValues(trialId, m));
        for (const r of t.rungs) await client.query(INSERT_RUNG, rungValues(trialId, r));
      }
      return (await this.studyRow(client, study.name)) as StudyRecord;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Takes `asc_retry_ms` out of the URL (pg would ignore it) and checks it. */
function splitRetryParameter(
  url: string,
  location: string,
): { connectionString: string; retryMs?: number } {
  const match = /([?&])asc_retry_ms=([^&]*)&?/.exec(url);
  if (!match) return { connectionString: url };
  const retryMs = Number(match[2]);
  if (!Number.isFinite(retryMs) || retryMs < 0) {
    throw new TrialStoreError(
      `asc_retry_ms must be a number of milliseconds >= 0, got "${match[2]}"`,
      location,
    );
  }
  const rest = url.slice(0, match.index) + (match[0].endsWith('&') ? match[1] : '');
  return { connectionString: rest + url.slice(match.index + match[0].length), retryMs };
}

/** Result columns of a trial just claimed (no result, no end; times from the server). */
const unfinished = [null, null, null, null, null, null, null, null];

function epochValues(trialId: number, m: EpochMetrics): unknown[] {
  return [
    trialId,
    m.epoch,
    real(m.trainLoss),
    real(m.testLoss),
    real(m.testAccuracy),
    real(m.segmentAccuracy),
    real(m.seconds),
    real(m.samplesPerSec),
  ];
}

/** A metric as stored: NaN (a diverged loss) becomes NULL, as SQLite stores it. */
function real(x: number | null | undefined): number | null {
  return x === undefined || x === null || Number.isNaN(x) ? null : x;
}

/** json_build_object writes infinite doubles as the strings "Infinity" and "-Infinity". */
function epochFromJson(e: Record<keyof EpochMetrics, number | string | null>): EpochMetrics {
  return Object.fromEntries(
    Object.entries(e).map(([k, v]) => [k, typeof v === 'string' ? Number(v) : v]),
  ) as unknown as EpochMetrics;
}

/**
 * Errors worth retrying: the connection broke or could not be made, the server is
 * shutting down or starting, or the transaction lost a serialisation race.
 */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === '40001' || code === '40P01') return true;
    if (code.startsWith('08')) return true;
    if (code === '57P01' || code === '57P02' || code === '57P03') return true;
    const network = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'];
    if (network.includes(code) || code === 'ENETUNREACH' || code === 'EAI_AGAIN') return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout|not queryable/i.test(
    message(err),
  );
}

function toTrial(r: TrialRow): TrialRecord {
  return trialFromRow(r, {
    spec: r.spec,
    requeued: r.requeued,
    epochs: r.epochs.map(epochFromJson),
    rungs: r.rungs.map(rungFromJson),
  });
}

function toState(r: TrialRow): TrialState {
  return trialStateFromRow(r, {
    spec: r.spec,
    requeued: r.requeued,
    rungs: r.rungs.map(rungFromJson),
  });
}

/** json_build_object writes bigints as numbers, infinities as strings (see epochFromJson). */
function rungFromJson(r: RungColumns): RungRecord {
  const n = (v: unknown) => (typeof v === 'string' ? Number(v) : (v as number | null));
  return rungFromRow({
    trial_id: r.trial_id,
    rung: r.rung,
    epochs: n(r.epochs) as number,
    samples: n(r.samples),
    accuracy: n(r.accuracy),
    loss: n(r.loss),
    seconds: n(r.seconds),
  });
}

function toStudy(row: StudyRow): StudyRecord {
  return studyFromRow(row, row.config);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
