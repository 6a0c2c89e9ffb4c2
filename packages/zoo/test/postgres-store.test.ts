import { Client } from 'pg';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres-migrations';
import { PostgresTrialStore, POSTGRES_SCHEMA_VERSION } from '../src/store/postgres-store';
import { openTrialStore } from '../src/store/open';
import { TrialStoreError } from '../src/store/trial-store';
import { createTestDatabase, describePg } from './pg-cluster';
import { describeTrialStore } from './store-suite';

describePg('PostgreSQL trial store', (clusterUrl) => {
  describeTrialStore('PostgreSQL', async () => {
    const db = await createTestDatabase(clusterUrl);
    const store = await PostgresTrialStore.open(db.url);
    return { store, cleanup: db.drop };
  });

  describe('PostgresTrialStore specifics', () => {
    let db: { url: string; drop(): Promise<void> };
    beforeEach(async () => {
      db = await createTestDatabase(clusterUrl);
    });
    afterEach(() => db.drop());

    const query = async <T>(sql: string): Promise<T[]> => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(sql)).rows as T[];
      } finally {
        await c.end();
      }
    };

    it('is what openTrialStore gives for a postgresql:// URL', async () => {
      const store = await openTrialStore(db.url);
      expect(store).toBeInstanceOf(PostgresTrialStore);
      await store.close();
    });

    it('creates its schema once when many processes open a new database at once', async () => {
      const stores = await Promise.all(
        Array.from({ length: 6 }, () => PostgresTrialStore.open(db.url, { maxConnections: 1 })),
      );
      await Promise.all(stores.map((s) => s.close()));
      expect(await query('SELECT version FROM asc_schema_version')).toEqual([
        { version: POSTGRES_SCHEMA_VERSION },
      ]);
    });

    it('migrates a database of the first schema (before rungs), keeping its trials', async () => {
      // The schema as the first release shipped it, with one study and one complete trial.
      await query(POSTGRES_MIGRATIONS[0]);
      await query('CREATE TABLE asc_schema_version (version INTEGER NOT NULL)');
      await query('INSERT INTO asc_schema_version VALUES (1)');
      await query(
        `INSERT INTO asc_studies (name, seed, config, created_at) VALUES ('old', 3, '{}', 1)`,
      );
      await query(`INSERT INTO asc_trials (study_id, number, sample_index, arch_id, spec, seed, status,
          params, size_kib, size_kib_fp16, rejected_by_size, accuracy, loss, seconds, started_at,
          ended_at, heartbeat_at, worker, host, pid)
        VALUES (1, 0, 0, 'id_x', '{"stemFilters":8,"growth":1,"blocks":[[0,1,"avg"]]}', 5,
          'complete', 100, 0.4, 0.2, 0, 0.75, 0.5, 9, 1, 2, 2, 'w', 'h', 1)`);
      const store = await PostgresTrialStore.open(db.url);
      const [trial] = await store.getTrials('old');
      expect(trial).toMatchObject({
        status: 'complete',
        accuracy: 0.75,
        bracket: 0,
        rung: null,
        rungs: [],
        trainedSamples: null,
      });
      await store.close();
      expect(await query('SELECT version FROM asc_schema_version')).toEqual([
        { version: POSTGRES_SCHEMA_VERSION },
      ]);
      expect(POSTGRES_SCHEMA_VERSION).toBe(2);
    });

    it('refuses a schema written by a newer asc, naming the database', async () => {
      await (await PostgresTrialStore.open(db.url)).close();
      await query('UPDATE asc_schema_version SET version = 99');
      await expect(PostgresTrialStore.open(db.url)).rejects.toThrow(
        `${db.url}: schema version 99 is newer`,
      );
    });

    it('stamps times with the server clock', async () => {
      const store = await PostgresTrialStore.open(db.url);
      await store.createStudy({ name: 's', seed: 1, config: {} });
      const [{ ms }] = await query<{ ms: string }>(
        'SELECT (extract(epoch from now()) * 1000)::bigint AS ms',
      );
      const study = (await store.getStudy('s'))!;
      expect(Math.abs(study.createdAt - Number(ms))).toBeLessThan(5000);
      await store.close();
    });

    it('keeps the password out of its location', async () => {
      const url = new URL(db.url);
      url.password = 'secret';
      const store = await PostgresTrialStore.open(url.toString());
      expect(store.location).not.toContain('secret');
      expect(store.location).toContain(':***@');
      await store.close();
    });

    it('retries an unreachable server with backoff, then throws TrialStoreError', async () => {
      // A loopback port that nothing listens on: take one from the OS and let it go.
      const net = await import('net');
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const started = Date.now();
      const err = await PostgresTrialStore.open(`postgresql://nobody@127.0.0.1:${port}/none`, {
        retryForMs: 600,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrialStoreError);
      // Several tries with growing pauses, and it stops within the bound (plus one pause).
      const attempts = Number(/gave up after (\d+) attempts/.exec((err as Error).message)?.[1]);
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect(Date.now() - started).toBeLessThan(600 + 2000);
    });
  });
});
