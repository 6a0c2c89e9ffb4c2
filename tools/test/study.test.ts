import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  openTrialStore,
  SqliteTrialStore,
  Study,
  type TrialRecord,
  type TrialStore,
  type WorkerIdentity,
} from '@asc/zoo';
import { createTestDatabase, describePg } from '../../packages/zoo/test/pg-cluster';
import { runAsc } from './helpers';

const WINDOW = { minKiB: 20, maxKiB: 200 };

/**
 * A small finished-looking study written through the store API: 3 complete trials with
 * epochs, one interrupted and re-run, one failed by the evaluator, one still running.
 */
async function writeStudy(store: TrialStore, name: string): Promise<void> {
  const study = await Study.open(store, {
    name,
    seed: 5,
    window: WINDOW,
    featureConfigHash: 'feat-hash-1',
    extra: { recipe: { epochs: 2 } },
  });
  const who: WorkerIdentity = { worker: 'machine-a:10:0', host: 'machine-a', pid: 10 };
  const claim = async () => {
    const c = await study.claim(who, 5);
    if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
    return c.trial;
  };
  const complete = async (t: TrialRecord, accuracy: number) => {
    const epochs = [1, 2].map((epoch) => ({
      epoch,
      trainLoss: 1 / epoch,
      testLoss: 1.1 / epoch,
      testAccuracy: accuracy - 0.1 / epoch,
      segmentAccuracy: accuracy - 0.2 / epoch,
      seconds: 3,
      samplesPerSec: 40,
    }));
    await store.finishTrial(t.trialId, who.worker, {
      status: 'complete',
      result: { accuracy, loss: 1 - accuracy, seconds: 6, backend: 'cpu', epochs },
    });
  };
  await complete(await claim(), 0.9);
  const interrupted = await claim();
  await store.finishTrial(interrupted.trialId, who.worker, { status: 'interrupted' });
  await complete(await claim(), 0.8);
  const failed = await claim();
  await store.finishTrial(failed.trialId, who.worker, { status: 'failed', error: 'boom' });
  await complete(await claim(), 0.85);
  await claim();
}

/** Trials as another store would hold them: ids renumbered, everything else equal. */
function comparable(trials: TrialRecord[]): unknown[] {
  const index = new Map(trials.map((t, i) => [t.trialId, i]));
  return trials.map((t) => ({
    ...t,
    trialId: index.get(t.trialId),
    retryOf: t.retryOf === null ? null : index.get(t.retryOf),
  }));
}

async function readAll(location: string, name: string) {
  const store = await openTrialStore(location);
  try {
    return { study: await store.getStudy(name), trials: await store.getTrials(name) };
  } finally {
    await store.close();
  }
}

describe('asc study export/import', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-study-cmd-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports a study of a SQLite store into a study directory asc report can read', async () => {
    const source = path.join(dir, 'elsewhere.sqlite');
    const store = await SqliteTrialStore.open(source);
    await writeStudy(store, 'lab');
    await store.close();
    const out = path.join(dir, 'study');
    const r = runAsc([
      'study',
      'export',
      '--storage',
      source,
      '--study',
      'lab',
      '--out',
      out,
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({
      study: 'lab',
      trials: 6,
      counts: { complete: 3, running: 1 },
    });
    const original = await readAll(source, 'lab');
    const copy = await readAll(path.join(out, 'trials.sqlite'), 'lab');
    expect(comparable(copy.trials)).toEqual(comparable(original.trials));
    const config = JSON.parse(fs.readFileSync(path.join(out, 'study.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'lab',
      seed: 5,
      window: WINDOW,
      featureConfigHash: 'feat-hash-1',
    });
    expect(fs.readdirSync(out).sort()).toEqual(['study.json', 'trials.sqlite']);
  });

  it('names what is wrong: an unknown study, a directory without a store', async () => {
    const source = path.join(dir, 'one.sqlite');
    const store = await SqliteTrialStore.open(source);
    await writeStudy(store, 'lab');
    await store.close();
    const out = path.join(dir, 'out');
    const unknown = runAsc([
      'study',
      'export',
      '--storage',
      source,
      '--study',
      'nope',
      '--out',
      out,
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no study "nope"');
    expect(unknown.stderr).toContain('it holds: lab');
    expect(fs.existsSync(path.join(out, 'trials.sqlite'))).toBe(false);
    const empty = runAsc(['study', 'import', '--from', dir, '--storage', source]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain(`${path.join(dir, 'trials.sqlite')} does not exist`);
  });
});

describePg('asc study export/import with PostgreSQL', (clusterUrl) => {
  let dir: string;
  const dbs: { drop(): Promise<void> }[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-study-pg-'));
  });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const db of dbs.splice(0)) await db.drop();
  });

  it('round-trips a study PostgreSQL -> study directory -> another PostgreSQL database', async () => {
    const first = await createTestDatabase(clusterUrl);
    const second = await createTestDatabase(clusterUrl);
    dbs.push(first, second);
    const store = await openTrialStore(first.url);
    await writeStudy(store, 'shared');
    await store.close();

    const out = path.join(dir, 'offline');
    const exported = runAsc([
      'study',
      'export',
      '--storage',
      first.url,
      '--study',
      'shared',
      '--out',
      out,
      '--json',
    ]);
    expect(exported.status).toBe(0);
    const report = runAsc(['report', '--study', out, '--json']);
    expect(report.status).toBe(0);

    const imported = runAsc(['study', 'import', '--from', out, '--storage', second.url, '--json']);
    expect(imported.status).toBe(0);
    expect(imported.json()).toMatchObject({ study: 'shared', trials: 6 });
    const original = await readAll(first.url, 'shared');
    const back = await readAll(second.url, 'shared');
    expect(back.study).toEqual({ ...original.study, studyId: back.study!.studyId });
    expect(comparable(back.trials)).toEqual(comparable(original.trials));

    const again = runAsc(['study', 'import', '--from', out, '--storage', second.url]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('a study named "shared" already exists');
  });
});
