import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import type { EpochMetrics } from '../search/evaluate';
import { createPruner, paperProtocol } from '../search/pruner';
import { planClaim } from '../search/schedule';
import type { ArchSpec } from '../spec';
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

/** Schema versions this code knows, each a migration from the one before. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE studies (
    study_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,
    feature_config_hash TEXT,
    next_sample_index INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE trials (
    trial_id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id INTEGER NOT NULL REFERENCES studies(study_id),
    number INTEGER NOT NULL,
    sample_index INTEGER NOT NULL,
    arch_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running','complete','failed','interrupted','pruned')),
    params INTEGER NOT NULL,
    size_kib REAL NOT NULL,
    size_kib_fp16 REAL NOT NULL,
    rejected_by_size INTEGER NOT NULL,
    accuracy REAL,
    loss REAL,
    segment_accuracy REAL,
    backend TEXT,
    seconds REAL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    heartbeat_at INTEGER NOT NULL,
    worker TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    error TEXT,
    feature_config_hash TEXT,
    retry_of INTEGER REFERENCES trials(trial_id),
    requeued INTEGER NOT NULL DEFAULT 0,
    UNIQUE (study_id, number)
  );
  CREATE INDEX trials_by_status ON trials(study_id, status);
  CREATE INDEX trials_by_arch ON trials(study_id, arch_id);
  CREATE TABLE trial_epochs (
    trial_id INTEGER NOT NULL REFERENCES trials(trial_id),
    epoch INTEGER NOT NULL,
    train_loss REAL, test_loss REAL, test_accuracy REAL, segment_accuracy REAL,
    seconds REAL, samples_per_sec REAL,
    PRIMARY KEY (trial_id, epoch)
  );
  `,
  // 2: pruners. A trial's bracket, the rung it trains toward or stopped at, the training
  // samples it trained, and its result at every rung it reached.
  `
  ALTER TABLE trials ADD COLUMN bracket INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE trials ADD COLUMN rung INTEGER;
  ALTER TABLE trials ADD COLUMN trained_samples INTEGER;
  CREATE TABLE trial_rungs (
    trial_id INTEGER NOT NULL REFERENCES trials(trial_id),
    rung INTEGER NOT NULL,
    epochs REAL NOT NULL,
    samples INTEGER,
    accuracy REAL,
    loss REAL,
    seconds REAL,
    PRIMARY KEY (trial_id, rung)
  );
  `,
];

/** The default pruner of a claim request: the paper's protocol (one rung). */
const ONE_RUNG = createPruner(paperProtocol(1));

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's lock before retrying (ms). */
  busyTimeoutMs?: number;
}

interface TrialRow extends TrialColumns {
  spec: string;
  requeued: number;
}

interface StudyRow extends StudyColumns {
  config: string;
}

interface EpochRow {
  trial_id: number;
  epoch: number;
  train_loss: number;
  test_loss: number;
  test_accuracy: number;
  segment_accuracy: number;
  seconds: number;
  samples_per_sec: number;
}

const TRIAL_SELECT = `SELECT t.*, s.name AS study_name FROM trials t JOIN studies s USING (study_id)`;

const EPOCH_COLUMNS = `trial_id, epoch, train_loss, test_loss, test_accuracy, segment_accuracy,
  seconds, samples_per_sec`;

/** An epoch's values in the order of EPOCH_COLUMNS. */
function epochValues(trialId: number, m: EpochMetrics): unknown[] {
  return [
    trialId,
    m.epoch,
    m.trainLoss,
    m.testLoss,
    m.testAccuracy,
    m.segmentAccuracy,
    m.seconds,
    m.samplesPerSec,
  ];
}

/**
 * The embedded trial store: one SQLite file shared by the worker processes of one machine.
 * WAL lets readers run beside the single writer; every write is a short `BEGIN IMMEDIATE`
 * transaction that waits up to the busy timeout for the write lock, and the whole
 * operation is retried with backoff if SQLite still reports the database busy.
 */
export class SqliteTrialStore implements TrialStore {
  readonly location: string;
  private readonly db: Database.Database;

  private constructor(file: string, db: Database.Database) {
    this.location = file;
    this.db = db;
  }

  /** Opens (creating and migrating when needed) the store in `file`. */
  static async open(file: string, o: SqliteStoreOptions = {}): Promise<SqliteTrialStore> {
    const location = path.resolve(file);
    fs.mkdirSync(path.dirname(location), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(location, { timeout: o.busyTimeoutMs ?? 30_000 });
    } catch (err) {
      throw new TrialStoreError(
        `cannot open the SQLite trial store: ${message(err)}`,
        location,
        err,
      );
    }
    const store = new SqliteTrialStore(location, db);
    try {
      await store.retry(() => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
      });
      await store.retry(() => store.migrate());
    } catch (err) {
      db.close();
      if (err instanceof TrialStoreError) throw err;
      throw new TrialStoreError(`not a usable trial store: ${message(err)}`, location, err);
    }
    return store;
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
        const row = this.db.prepare('SELECT version FROM schema_version').get() as
          { version: number } | undefined;
        const version = row?.version ?? 0;
        if (version > MIGRATIONS.length) {
          throw new TrialStoreError(
            `schema version ${version} is newer than this asc understands (${MIGRATIONS.length}); upgrade asc`,
            this.location,
          );
        }
        for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]);
        if (!row)
          this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
        else this.db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
      })
      .immediate();
  }

  /** Runs `fn`, retrying with backoff while SQLite reports the database busy or locked. */
  private async retry<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + 120_000;
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw err;
        if (Date.now() > deadline) {
          throw new TrialStoreError(
            `gave up waiting for the database lock: ${message(err)}`,
            this.location,
            err,
          );
        }
        await new Promise((r) =>
          setTimeout(r, Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random())),
        );
      }
    }
  }

  private write<T>(fn: () => T): Promise<T> {
    return this.retry(() => this.db.transaction(fn).immediate());
  }

  async createStudy(init: StudyInit): Promise<StudyRecord> {
    return this.write(() => {
      this.db
        .prepare(
          `INSERT INTO studies (name, seed, config, feature_config_hash, created_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
        )
        .run(
          init.name,
          init.seed,
          JSON.stringify(init.config),
          init.featureConfigHash ?? null,
          Date.now(),
        );
      return this.studyRow(init.name) as StudyRecord;
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.studyRow(name);
  }

  async listStudies(): Promise<StudyRecord[]> {
    const rows = this.db.prepare('SELECT * FROM studies ORDER BY study_id').all() as StudyRow[];
    return rows.map(toStudy);
  }

  private studyRow(name: string): StudyRecord | null {
    const row = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as
      StudyRow | undefined;
    return row ? toStudy(row) : null;
  }

  private requireStudy(name: string): StudyRecord {
    const s = this.studyRow(name);
    if (!s) throw new TrialStoreError(`no study named "${name}"`, this.location);
    return s;
  }

  async claimTrial(studyName: string, request: ClaimRequest): Promise<ClaimOutcome> {
    return this.write((): ClaimOutcome => {
      const study = this.requireStudy(studyName);
      checkFeatureConfig(
        this.location,
        study.name,
        study.featureConfigHash ?? this.firstTrialFeatureConfig(study.studyId),
        request.featureConfigHash,
      );
      const states = this.statesOf(study.studyId);
      const plan = planClaim(states, request.pruner ?? ONE_RUNG, request.targetFinished);
      if (plan.kind === 'done' || plan.kind === 'wait') {
        const counts = this.counts(study.studyId);
        return plan.kind === 'done'
          ? { kind: 'done', complete: counts.complete }
          : { kind: 'wait', complete: counts.complete, running: counts.running };
      }
      const now = Date.now();
      const { identity } = request;
      if (plan.kind === 'promote') {
        const changed = this.db
          .prepare(
            `UPDATE trials SET status = 'running', rung = ?, worker = ?, host = ?, pid = ?,
               heartbeat_at = ?, ended_at = NULL, error = NULL
             WHERE trial_id = ? AND status = 'pruned'`,
          )
          .run(plan.rung, identity.worker, identity.host, identity.pid, now, plan.trialId);
        if (changed.changes !== 1) {
          throw new TrialStoreError(
            `trial id ${plan.trialId} is not pruned; cannot promote it`,
            this.location,
          );
        }
        return {
          kind: 'claimed',
          trial: this.trialById(plan.trialId) as TrialRecord,
          via: 'promote',
        };
      }
      const number = (
        this.db
          .prepare('SELECT COALESCE(MAX(number), -1) + 1 AS n FROM trials WHERE study_id = ?')
          .get(study.studyId) as { n: number }
      ).n;
      const insert = this.db.prepare(
        `INSERT INTO trials (study_id, number, sample_index, arch_id, spec, seed, status, params, size_kib,
           size_kib_fp16, rejected_by_size, started_at, heartbeat_at, worker, host, pid, feature_config_hash,
           retry_of, bracket, rung)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      let trial: NewTrial;
      let retryOf: number | null = null;
      let bracket: number;
      let old: TrialRecord | null = null;
      if (plan.kind === 'reoffer') {
        old = this.trialById(plan.trialId) as TrialRecord;
        this.db.prepare('UPDATE trials SET requeued = 0 WHERE trial_id = ?').run(old.trialId);
        trial = requeuedTrial(old);
        retryOf = old.trialId;
        bracket = old.bracket;
      } else {
        const taken = this.db.prepare(
          'SELECT 1 FROM trials WHERE study_id = ? AND arch_id = ? LIMIT 1',
        );
        let index = study.nextSampleIndex;
        let p = request.propose(index, states);
        while (taken.get(study.studyId, p.archId)) p = request.propose(++index, states);
        trial = p;
        bracket = plan.bracket;
        this.db
          .prepare('UPDATE studies SET next_sample_index = ? WHERE study_id = ?')
          .run(index + 1, study.studyId);
      }
      const trialId = Number(
        insert.run(
          study.studyId,
          number,
          trial.sampleIndex,
          trial.archId,
          JSON.stringify(trial.spec),
          trial.seed,
          trial.params,
          trial.sizeKiB,
          trial.sizeKiBFp16,
          trial.rejectedBySize,
          now,
          now,
          identity.worker,
          identity.host,
          identity.pid,
          request.featureConfigHash ?? null,
          retryOf,
          bracket,
          plan.rung,
        ).lastInsertRowid,
      );
      if (old) {
        const rung = this.insertRung();
        for (const r of old.rungs) rung.run(rungValues(trialId, r));
        const epoch = this.upsertEpoch();
        for (const e of epochsUpToRungs(old.epochs, old.rungs)) epoch.run(epochValues(trialId, e));
      }
      return {
        kind: 'claimed',
        trial: this.trialById(trialId) as TrialRecord,
        via: plan.kind === 'reoffer' ? 'reoffer' : 'new',
      };
    });
  }

  /** Every trial of a study with its rungs, without epochs: what a claim decides from. */
  private statesOf(studyId: number): TrialState[] {
    const rows = this.db
      .prepare(`${TRIAL_SELECT} WHERE t.study_id = ? ORDER BY t.number`)
      .all(studyId) as TrialRow[];
    const rungs = this.rungsOf(null, studyId);
    return rows.map((r) =>
      trialStateFromRow(r, {
        spec: JSON.parse(r.spec) as ArchSpec,
        requeued: r.requeued === 1,
        rungs: rungs.get(r.trial_id) ?? [],
      }),
    );
  }

  /** Rungs of one trial, or of every trial of a study when `studyId` is given. */
  private rungsOf(trialId: number | null, studyId?: number): Map<number, RungRecord[]> {
    return this.perTrial<RungColumns, RungRecord>(
      'trial_rungs',
      'rung',
      trialId,
      studyId,
      rungFromRow,
    );
  }

  /**
   * The rows of a per-trial table (epochs, rungs) of one trial, or of every trial of a
   * study when `studyId` is given, grouped by trial in `column` order.
   */
  private perTrial<R extends { trial_id: number }, T>(
    table: 'trial_rungs' | 'trial_epochs',
    column: 'rung' | 'epoch',
    trialId: number | null,
    studyId: number | undefined,
    decode: (row: R) => T,
  ): Map<number, T[]> {
    const rows = (
      trialId === null
        ? this.db
            .prepare(
              `SELECT x.* FROM ${table} x JOIN trials t USING (trial_id) WHERE t.study_id = ? ORDER BY x.trial_id, x.${column}`,
            )
            .all(studyId)
        : this.db
            .prepare(`SELECT * FROM ${table} WHERE trial_id = ? ORDER BY ${column}`)
            .all(trialId)
    ) as R[];
    const out = new Map<number, T[]>();
    for (const r of rows) {
      const list = out.get(r.trial_id) ?? [];
      list.push(decode(r));
      out.set(r.trial_id, list);
    }
    return out;
  }

  private insertRung(): Database.Statement {
    return this.db.prepare(
      `INSERT INTO trial_rungs (${RUNG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  private firstTrialFeatureConfig(studyId: number): string | null {
    const row = this.db
      .prepare(
        `SELECT feature_config_hash AS hash FROM trials
         WHERE study_id = ? AND feature_config_hash IS NOT NULL ORDER BY trial_id LIMIT 1`,
      )
      .get(studyId) as { hash: string } | undefined;
    return row?.hash ?? null;
  }

  private counts(studyId: number): Record<TrialStatus, number> {
    const out = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<
      TrialStatus,
      number
    >;
    const rows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM trials WHERE study_id = ? GROUP BY status')
      .all(studyId) as { status: TrialStatus; n: number }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  async heartbeat(trialId: number, worker: string): Promise<boolean> {
    return this.write(() => this.touch(trialId, worker));
  }

  private touch(trialId: number, worker: string): boolean {
    const r = this.db
      .prepare(
        `UPDATE trials SET heartbeat_at = ? WHERE trial_id = ? AND worker = ? AND status = 'running'`,
      )
      .run(Date.now(), trialId, worker);
    return r.changes === 1;
  }

  async reportEpoch(trialId: number, worker: string, m: EpochMetrics): Promise<boolean> {
    return this.write(() => {
      if (!this.touch(trialId, worker)) return false;
      this.upsertEpoch().run(epochValues(trialId, m));
      return true;
    });
  }

  async finishTrial(trialId: number, worker: string, outcome: TrialOutcome): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      const owned = `WHERE trial_id = ? AND worker = ? AND status = 'running'`;
      if (outcome.status === 'complete' || outcome.status === 'pruned') {
        const r = outcome.result;
        const current = this.db.prepare(`SELECT rung FROM trials ${owned}`).get(trialId, worker) as
          { rung: number | null } | undefined;
        if (!current) return false;
        this.db
          .prepare(
            `UPDATE trials SET status = ?, accuracy = ?, loss = ?, segment_accuracy = ?, backend = ?,
               seconds = COALESCE(seconds, 0) + ?, ended_at = ?, heartbeat_at = ?,
               trained_samples = CASE WHEN ? IS NULL THEN trained_samples
                 ELSE COALESCE(trained_samples, 0) + ? END
             ${owned}`,
          )
          .run(
            outcome.status,
            r.accuracy,
            r.loss,
            r.segmentAccuracy ?? null,
            r.backend ?? null,
            r.seconds,
            now,
            now,
            r.trainedSamples ?? null,
            r.trainedSamples ?? null,
            trialId,
            worker,
          );
        const epoch = this.upsertEpoch();
        for (const m of r.epochs) epoch.run(epochValues(trialId, m));
        if (outcome.rungEpochs !== undefined && current.rung !== null) {
          this.insertRung().run(
            rungValues(trialId, reachedRung(current.rung, outcome.rungEpochs, r)),
          );
        }
        return true;
      }
      const error = outcome.status === 'failed' ? outcome.error : (outcome.reason ?? null);
      const requeue =
        outcome.status === 'interrupted' ||
        (outcome.status === 'failed' && outcome.requeue === true);
      const changed = this.db
        .prepare(
          `UPDATE trials SET status = ?, error = ?, requeued = ?, ended_at = ?, heartbeat_at = ? ${owned}`,
        )
        .run(outcome.status, error, requeue ? 1 : 0, now, now, trialId, worker);
      return changed.changes === 1;
    });
  }

  private upsertEpoch(): Database.Statement {
    return this.db.prepare(
      `INSERT OR REPLACE INTO trial_epochs (${EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  async failStaleTrials(
    studyName: string,
    o: { heartbeatTimeoutMs: number; deadWorkers?: readonly string[] },
  ): Promise<TrialRecord[]> {
    return this.write(() => {
      const study = this.requireStudy(studyName);
      const now = Date.now();
      const running = this.db
        .prepare(
          `SELECT trial_id, worker, heartbeat_at FROM trials WHERE study_id = ? AND status = 'running'`,
        )
        .all(study.studyId) as { trial_id: number; worker: string; heartbeat_at: number }[];
      const dead = new Set(o.deadWorkers ?? []);
      const marked: TrialRecord[] = [];
      for (const t of running) {
        const silentMs = now - t.heartbeat_at;
        let why: string | undefined;
        if (dead.has(t.worker)) why = `worker ${t.worker} died (its process is gone)`;
        else if (silentMs > o.heartbeatTimeoutMs) {
          why = `worker ${t.worker} sent no heartbeat for ${(silentMs / 1000).toFixed(1)} s`;
        }
        if (!why) continue;
        this.db
          .prepare(
            `UPDATE trials SET status = 'failed', error = ?, requeued = 1, ended_at = ? WHERE trial_id = ?`,
          )
          .run(why, now, t.trial_id);
        marked.push(this.trialById(t.trial_id) as TrialRecord);
      }
      return marked;
    });
  }

  async getTrial(trialId: number): Promise<TrialRecord | null> {
    return this.trialById(trialId);
  }

  private trialById(trialId: number): TrialRecord | null {
    const row = this.db.prepare(`${TRIAL_SELECT} WHERE t.trial_id = ?`).get(trialId) as
      TrialRow | undefined;
    return row
      ? this.toTrial(
          row,
          this.epochsOf(trialId).get(trialId) ?? [],
          this.rungsOf(trialId).get(trialId) ?? [],
        )
      : null;
  }

  async getTrials(
    studyName: string,
    filter: { status?: readonly TrialStatus[] } = {},
  ): Promise<TrialRecord[]> {
    const study = this.requireStudy(studyName);
    // One read transaction so trials and epochs come from the same snapshot.
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`${TRIAL_SELECT} WHERE t.study_id = ? ORDER BY t.number`)
        .all(study.studyId) as TrialRow[];
      const wanted = filter.status ? rows.filter((r) => filter.status!.includes(r.status)) : rows;
      const epochs = this.epochsOf(null, study.studyId);
      const rungs = this.rungsOf(null, study.studyId);
      return wanted.map((r) =>
        this.toTrial(r, epochs.get(r.trial_id) ?? [], rungs.get(r.trial_id) ?? []),
      );
    })();
  }

  /** Epochs of one trial, or of every trial of a study when `studyId` is given. */
  private epochsOf(trialId: number | null, studyId?: number): Map<number, EpochMetrics[]> {
    return this.perTrial<EpochRow, EpochMetrics>(
      'trial_epochs',
      'epoch',
      trialId,
      studyId,
      (e) => ({
        epoch: e.epoch,
        trainLoss: e.train_loss,
        testLoss: e.test_loss,
        testAccuracy: e.test_accuracy,
        segmentAccuracy: e.segment_accuracy,
        seconds: e.seconds,
        samplesPerSec: e.samples_per_sec,
      }),
    );
  }

  async countTrials(studyName: string): Promise<Record<TrialStatus, number>> {
    return this.counts(this.requireStudy(studyName).studyId);
  }

  async importStudy(study: StudyRecord, trials: readonly TrialRecord[]): Promise<StudyRecord> {
    return this.write(() => {
      if (this.studyRow(study.name)) {
        throw new TrialStoreError(`a study named "${study.name}" already exists`, this.location);
      }
      const studyId = Number(
        this.db
          .prepare(`INSERT INTO studies (${IMPORTED_STUDY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(importedStudyValues(study)).lastInsertRowid,
      );
      const insert = this.db.prepare(
        `INSERT INTO trials (${TRIAL_INSERT_COLUMNS})
         VALUES (${new Array(29).fill('?').join(', ')})`,
      );
      const rung = this.insertRung();
      const epoch = this.db.prepare(
        `INSERT INTO trial_epochs (${EPOCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const newIds = new Map<number, number>();
      for (const t of [...trials].sort((a, b) => a.number - b.number)) {
        const retryOf = importedRetryOf(this.location, study.name, t, newIds);
        const trialId = Number(
          insert.run([...importedTrialValues(studyId, t, retryOf), t.requeued ? 1 : 0])
            .lastInsertRowid,
        );
        newIds.set(t.trialId, trialId);
        for (const m of t.epochs) epoch.run(epochValues(trialId, m));
        for (const r of t.rungs) rung.run(rungValues(trialId, r));
      }
      return this.studyRow(study.name) as StudyRecord;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private toTrial(r: TrialRow, epochs: EpochMetrics[], rungs: RungRecord[]): TrialRecord {
    return trialFromRow(r, {
      spec: JSON.parse(r.spec) as ArchSpec,
      requeued: r.requeued === 1,
      epochs,
      rungs,
    });
  }
}

function toStudy(row: StudyRow): StudyRecord {
  return studyFromRow(row, JSON.parse(row.config) as Record<string, unknown>);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
