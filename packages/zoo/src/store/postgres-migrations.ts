/**
 * The PostgreSQL trial store's schema, one migration per version (applied in order by
 * `PostgresTrialStore.open` under `POSTGRES_SCHEMA_LOCK_KEY`; never edit a shipped one,
 * append a new one). Tables are prefixed `asc_` so that the store can share a database.
 * Times are BIGINT milliseconds since the epoch from the server's clock; JSON columns keep
 * the text as written (the study config is compared by its serialisation).
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE asc_studies (
    study_id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    seed BIGINT NOT NULL,
    config JSON NOT NULL,
    feature_config_hash TEXT,
    next_sample_index INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE asc_trials (
    trial_id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL REFERENCES asc_studies(study_id),
    number INTEGER NOT NULL,
    sample_index INTEGER NOT NULL,
    arch_id TEXT NOT NULL,
    spec JSON NOT NULL,
    seed BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running','complete','failed','interrupted','pruned')),
    params BIGINT NOT NULL,
    size_kib DOUBLE PRECISION NOT NULL,
    size_kib_fp16 DOUBLE PRECISION NOT NULL,
    rejected_by_size BIGINT NOT NULL,
    accuracy DOUBLE PRECISION,
    loss DOUBLE PRECISION,
    segment_accuracy DOUBLE PRECISION,
    backend TEXT,
    seconds DOUBLE PRECISION,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    heartbeat_at BIGINT NOT NULL,
    worker TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    error TEXT,
    feature_config_hash TEXT,
    retry_of BIGINT REFERENCES asc_trials(trial_id),
    requeued BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (study_id, number)
  );
  CREATE INDEX asc_trials_by_status ON asc_trials(study_id, status);
  CREATE INDEX asc_trials_by_arch ON asc_trials(study_id, arch_id);
  CREATE INDEX asc_trials_requeued ON asc_trials(study_id, sample_index) WHERE requeued;
  CREATE TABLE asc_trial_epochs (
    trial_id BIGINT NOT NULL REFERENCES asc_trials(trial_id),
    epoch INTEGER NOT NULL,
    train_loss DOUBLE PRECISION,
    test_loss DOUBLE PRECISION,
    test_accuracy DOUBLE PRECISION,
    segment_accuracy DOUBLE PRECISION,
    seconds DOUBLE PRECISION,
    samples_per_sec DOUBLE PRECISION,
    PRIMARY KEY (trial_id, epoch)
  );
  `,
  // 2: pruners. A trial's bracket, the rung it trains toward or stopped at, the training
  // samples it trained, its result at every rung it reached, and when it was last claimed
  // (a promotion claims a trial again: the idempotent retry of a claim looks for it).
  `
  ALTER TABLE asc_trials
    ADD COLUMN bracket INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN rung INTEGER,
    ADD COLUMN trained_samples BIGINT,
    ADD COLUMN claimed_at BIGINT;
  CREATE TABLE asc_trial_rungs (
    trial_id BIGINT NOT NULL REFERENCES asc_trials(trial_id),
    rung INTEGER NOT NULL,
    epochs DOUBLE PRECISION NOT NULL,
    samples BIGINT,
    accuracy DOUBLE PRECISION,
    loss DOUBLE PRECISION,
    seconds DOUBLE PRECISION,
    PRIMARY KEY (trial_id, rung)
  );
  `,
];

/** pg_advisory_xact_lock key taken while creating or migrating the schema ("ascnas01"). */
export const POSTGRES_SCHEMA_LOCK_KEY = '7022065569733226545';
