import Database from 'better-sqlite3';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SQLITE_SCHEMA_VERSION, SqliteTrialStore } from '../src/store/sqlite-store';
import { describeTrialStore } from './store-suite';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'asc-store-'));
}

describeTrialStore('SQLite', async () => {
  const dir = tempDir();
  const store = await SqliteTrialStore.open(path.join(dir, 'trials.sqlite'));
  return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describe('SqliteTrialStore specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses WAL and records its schema version', async () => {
    const file = path.join(dir, 'trials.sqlite');
    const store = await SqliteTrialStore.open(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([
      { version: SQLITE_SCHEMA_VERSION },
    ]);
    db.close();
  });

  it('refuses a store written by a newer schema, naming the file', async () => {
    const file = path.join(dir, 'trials.sqlite');
    await (await SqliteTrialStore.open(file)).close();
    const db = new Database(file);
    db.prepare('UPDATE schema_version SET version = 99').run();
    db.close();
    await expect(SqliteTrialStore.open(file)).rejects.toThrow(
      `${file}: schema version 99 is newer`,
    );
  });

  it('reports a file that is not a database with its path', async () => {
    const file = path.join(dir, 'trials.sqlite');
    fs.writeFileSync(file, 'this is not sqlite, just text '.repeat(100));
    await expect(SqliteTrialStore.open(file)).rejects.toThrow(file);
  });

  it('opens a store of the first schema (before rungs), migrated and with its trials intact', async () => {
    // A trials.sqlite written by the schema-1 store (committed as written then).
    const file = path.join(dir, 'trials.sqlite');
    fs.copyFileSync(path.join(__dirname, 'fixtures', 'legacy-v1.sqlite'), file);
    const store = await SqliteTrialStore.open(file);
    const trials = await store.getTrials('legacy');
    expect(trials.map((t) => [t.number, t.status, t.accuracy])).toEqual([
      [0, 'complete', 0.5],
      [1, 'failed', null],
      [2, 'complete', 0.7],
    ]);
    expect(trials[2].epochs.map((e) => e.testAccuracy)).toEqual([0.6, 0.7]);
    for (const t of trials) {
      expect(t).toMatchObject({ bracket: 0, rung: null, rungs: [], trainedSamples: null });
    }
    // The study goes on under the new schema: a claim records its rung.
    const next = await store.claimTrial('legacy', {
      targetFinished: 3,
      identity: { worker: 'new:1:0', host: 'new', pid: 1 },
      propose: (i) => ({ ...trials[0], sampleIndex: i, archId: `arch-${i}` }),
    });
    expect(next).toMatchObject({ kind: 'claimed', trial: { number: 3, rung: 0 } });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([
      { version: SQLITE_SCHEMA_VERSION },
    ]);
    db.close();
    expect(SQLITE_SCHEMA_VERSION).toBe(2);
  });

  it('keeps trials across reopening', async () => {
    const file = path.join(dir, 'trials.sqlite');
    const a = await SqliteTrialStore.open(file);
    await a.createStudy({ name: 's', seed: 1, config: {} });
    await a.close();
    const b = await SqliteTrialStore.open(file);
    expect((await b.getStudy('s'))?.seed).toBe(1);
    await b.close();
  });

  it('serves 4 processes claiming as fast as they can without "database is locked"', async () => {
    const file = path.join(dir, 'trials.sqlite');
    await (await SqliteTrialStore.open(file)).close();
    const script = path.join(__dirname, 'fixtures', 'claim-stress.js');
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const child = spawn(process.execPath, [script, file, '120', `w${i}`]);
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => (out += d));
            child.stderr.on('data', (d) => (err += d));
            child.on('close', (code) => resolve({ code, out, err }));
          }),
      ),
    );
    for (const r of runs) expect(r).toMatchObject({ code: 0, err: '' });
    expect(runs.reduce((n, r) => n + Number(r.out), 0)).toBe(120);
    const store = await SqliteTrialStore.open(file);
    const trials = await store.getTrials('s');
    await store.close();
    expect(trials.map((t) => t.sampleIndex)).toEqual([...Array(120).keys()]);
    expect(trials.every((t) => t.status === 'complete' && t.epochs.length === 1)).toBe(true);
  });
});
