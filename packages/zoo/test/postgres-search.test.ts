import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { RandomSampler } from '../src/sampler';
import { createPruner, type PrunerConfig } from '../src/search/pruner';
import type { SearchOptions, SearchSummary } from '../src/search/run-search';
import { PostgresTrialStore } from '../src/store/postgres-store';
import type { TrialRecord } from '../src/store/trial-store';
import {
  controlPgCluster,
  createTestDatabase,
  describePg,
  startPgCluster,
  stopPgCluster,
} from './pg-cluster';
import { RUNG_EVALUATOR, expectFinishedStudy } from './pruned-study';

// The built search driver: the processes below run what `asc search` runs.
const zooDist = path.resolve(__dirname, '..', 'dist', 'search', 'run-search.js');
const evaluator = path.resolve(__dirname, 'fixtures', 'hash-evaluator.js');
const { expectedMetrics } = require(evaluator) as {
  expectedMetrics(archId: string): { accuracy: number; loss: number };
};

const SEARCH_MAIN = `
const { runSearch } = require(process.argv[1]);
runSearch({ ...JSON.parse(process.argv[2]), handleSignals: true }).then(
  (summary) => process.stdout.write(JSON.stringify(summary) + '\\n'),
  (err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exit(1); },
);`;

const TRIALS = 18;
const SEED = 11;

interface SearchExit {
  code: number | null;
  signal: string | null;
  stderr: string;
  summary?: SearchSummary;
}

interface SearchProcess {
  child: ChildProcess;
  exit: Promise<SearchExit>;
}

/** One `asc search`-like process with 2 worker processes, in its own process group. */
function startSearch(
  url: string,
  index: number,
  workers = 2,
  extra: Partial<SearchOptions> = {},
): SearchProcess {
  const options: SearchOptions = {
    storeLocation: url,
    studyName: 'shared',
    seed: SEED,
    trials: TRIALS,
    workers,
    epochs: 3,
    evaluatorModule: evaluator,
    heartbeat: { intervalMs: 200, timeoutMs: 4000 },
    pollMs: 100,
    abortGraceMs: 2000,
    ...extra,
  };
  const child = spawn(process.execPath, ['-e', SEARCH_MAIN, zooDist, JSON.stringify(options)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASC_TEST_EVAL_SLEEP_MS: '120' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<SearchExit>((resolve) =>
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop();
      if (code !== 0 && signal === null) {
        process.stderr.write(`search process ${index} exited ${code}:\n${stderr}\n`);
      }
      resolve({
        code,
        signal,
        stderr,
        summary: code === 0 && last ? (JSON.parse(last) as SearchSummary) : undefined,
      });
    }),
  );
  return { child, exit };
}

/** The parent of a process of this machine (from /proc), or -1 when it is gone. */
function parentPid(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What "N trials, none lost or evaluated twice" means: exactly N complete trials, on
 * sample indexes 0..N-1 (each once) with the architecture the seeded sampler puts there
 * and the metrics the deterministic evaluator gives it; every trial that did not complete
 * was re-offered exactly once and never ran beside its retry.
 */
function expectExactlyNTrials(trials: TrialRecord[]): void {
  const complete = trials.filter((t) => t.status === 'complete');
  expect(complete).toHaveLength(TRIALS);
  expect(complete.map((t) => t.sampleIndex).sort((a, b) => a - b)).toEqual(
    Array.from({ length: TRIALS }, (_, i) => i),
  );
  const sampler = new RandomSampler({ seed: SEED });
  for (const t of complete) {
    expect(t.archId).toBe(sampler.at(t.sampleIndex).archId);
    expect(t.accuracy).toBeCloseTo(expectedMetrics(t.archId).accuracy, 12);
    expect(t.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  }
  expect(trials.filter((t) => t.status === 'running' || t.requeued)).toEqual([]);
  const byId = new Map(trials.map((t) => [t.trialId, t]));
  for (const t of trials.filter((x) => x.status !== 'complete')) {
    const retries = trials.filter((r) => r.retryOf === t.trialId);
    expect(retries).toHaveLength(1);
    expect(retries[0].sampleIndex).toBe(t.sampleIndex);
    expect(retries[0].startedAt).toBeGreaterThanOrEqual(t.endedAt!);
  }
  for (const t of trials) if (t.retryOf !== null) expect(byId.has(t.retryOf)).toBe(true);
}

describePg('search on PostgreSQL: 3 processes x 2 workers on one study', (sharedClusterUrl) => {
  let clusterUrl = sharedClusterUrl;
  let db: { url: string; drop(): Promise<void> };
  let store: PostgresTrialStore;
  let searches: SearchProcess[] = [];
  beforeEach(async () => {
    db = await createTestDatabase(clusterUrl);
    store = await PostgresTrialStore.open(db.url);
  });
  afterEach(async () => {
    for (const s of searches) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        process.kill(-s.child.pid!, 'SIGKILL');
      }
    }
    searches = [];
    await store.close();
    await db.drop();
  });
  const complete = async () =>
    (await store.getStudy('shared')) ? (await store.countTrials('shared')).complete : 0;

  it('finish exactly N distinct trials', async () => {
    searches = [0, 1, 2].map((i) => startSearch(db.url, i));
    const exits = await Promise.all(searches.map((s) => s.exit));
    expect(exits.map((e) => [e.code, e.summary?.end])).toEqual([
      [0, 'done'],
      [0, 'done'],
      [0, 'done'],
    ]);
    const trials = await store.getTrials('shared');
    expectExactlyNTrials(trials);
    expect(trials).toHaveLength(TRIALS);
    // Every process took part: six distinct workers.
    expect(new Set(trials.map((t) => t.worker)).size).toBe(6);
  });

  it('end with N complete trials after kill -9 of one process and its workers mid-way', async () => {
    searches = [0, 1, 2].map((i) => startSearch(db.url, i));
    const pids = searches.map((s) => s.child.pid!);
    // The victim: a search process whose workers are running trials a third of the way in.
    let victim = -1;
    let doomed: TrialRecord[] = [];
    await waitFor('a third of the trials, and trials running', async () => {
      if ((await complete()) < TRIALS / 3) return false;
      const running = await store.getTrials('shared', { status: ['running'] });
      const owners = running.map((t) => parentPid(t.pid));
      victim = pids.findIndex((p) => owners.includes(p));
      doomed = running.filter((_, i) => owners[i] === pids[victim]);
      return victim >= 0;
    });
    process.kill(-pids[victim], 'SIGKILL');
    const exits = await Promise.all(searches.map((s) => s.exit));
    expect(exits[victim].signal).toBe('SIGKILL');
    expect(exits.filter((_, i) => i !== victim).map((e) => [e.code, e.summary?.end])).toEqual([
      [0, 'done'],
      [0, 'done'],
    ]);
    const trials = await store.getTrials('shared');
    expectExactlyNTrials(trials);
    // The victim's running trials were failed as dead (same host, process gone; or their
    // heartbeat went stale) and re-run by the survivors.
    for (const d of doomed) {
      const t = trials.find((x) => x.trialId === d.trialId)!;
      expect(t.status === 'failed' || t.status === 'complete').toBe(true);
      if (t.status === 'failed') expect(t.error).toMatch(/died|heartbeat/);
    }
    expect(trials.filter((t) => t.status === 'failed').length).toBeGreaterThan(0);
  });

  it('under ASHA: kill -9 of a process mid-rung of a promoted trial, then resume: exactly N', async () => {
    // Two machines' worth of searches, each with its own checkpoint folder (as on two
    // machines): a promotion taken by the other one retrains from the start, to the
    // same result.
    const asha: PrunerConfig = {
      kind: 'asha',
      maxEpochs: 3,
      minEpochs: 1 / 3,
      reductionFactor: 3,
      metric: 'accuracy',
    };
    const extra = (i: number): Partial<SearchOptions> => ({
      studyName: 'shared',
      trials: 9,
      pruner: asha,
      evaluatorModule: RUNG_EVALUATOR,
      // Rungs long enough that the victim is still mid-rung when the kill lands.
      evaluatorOptions: { sleepMs: 600 },
      checkpointDir: fs.mkdtempSync(path.join(require('os').tmpdir(), `asc-pg-ckpt-${i}-`)),
    });
    searches = [0, 1].map((i) => startSearch(db.url, i, 2, extra(i)));
    const pids = searches.map((s) => s.child.pid!);
    let victim = -1;
    let doomed: TrialRecord | undefined;
    await waitFor('a promoted trial running', async () => {
      if (!(await store.getStudy('shared'))) return false;
      const running = await store.getTrials('shared', { status: ['running'] });
      doomed = running.find((t) => t.rungs.length > 0);
      victim = doomed ? pids.indexOf(parentPid(doomed.pid)) : -1;
      return victim >= 0;
    });
    process.kill(-pids[victim], 'SIGKILL');
    const exits = await Promise.all(searches.map((s) => s.exit));
    expect(exits[victim].signal).toBe('SIGKILL');
    expect([exits[1 - victim].code, exits[1 - victim].summary?.end]).toEqual([0, 'done']);
    // Resuming finds nothing left to do.
    const resumed = startSearch(db.url, 2, 1, extra(2));
    searches.push(resumed);
    expect((await resumed.exit).summary).toMatchObject({ end: 'done', finished: 9 });
    const trials = await store.getTrials('shared');
    const pruner = createPruner(asha);
    // Exactly N with complete rung records; a promotion taken by the other process may
    // retrain from the start, so samples are not checked against a single lineage here.
    const finished = trials.filter((t) => t.status === 'complete' || t.status === 'pruned');
    expect(finished).toHaveLength(9);
    const dead = trials.find((t) => t.trialId === doomed!.trialId)!;
    expect(dead.status).toBe('failed');
    const retry = trials.find((t) => t.retryOf === dead.trialId)!;
    expect(retry.rungs.slice(0, dead.rungs.length)).toEqual(dead.rungs);
    expectFinishedStudy(trials, pruner, 9, { sharedCheckpoints: false });
  });

  // The restart cuts every connection of its cluster: it gets a cluster of its own so
  // that it cannot disturb tests running beside it on the shared one.
  describe('on a cluster of its own', () => {
    let own: { url: string; state: string } | undefined;
    beforeAll(() => {
      own = startPgCluster();
      clusterUrl = own.url;
    });
    afterAll(() => {
      clusterUrl = sharedClusterUrl;
      if (own) stopPgCluster(own.state);
    });

    it('end with N complete trials when the database restarts mid-way', async () => {
      searches = [0, 1, 2].map((i) => startSearch(db.url, i));
      await waitFor('a third of the trials', async () => (await complete()) >= TRIALS / 3);
      const startedAt = async () => {
        const c = new Client({ connectionString: db.url });
        await c.connect();
        const { rows } = await c.query('SELECT pg_postmaster_start_time()::text AS t');
        await c.end();
        return rows[0].t as string;
      };
      const before = await startedAt();
      expect(await complete()).toBeLessThan(TRIALS);
      controlPgCluster(own!.state, 'restart');
      expect(await startedAt()).not.toBe(before);
      const exits = await Promise.all(searches.map((s) => s.exit));
      expect(exits.map((e) => [e.code, e.summary?.end])).toEqual([
        [0, 'done'],
        [0, 'done'],
        [0, 'done'],
      ]);
      expectExactlyNTrials(await store.getTrials('shared'));
    });

    it('a search that loses its database stops and leaves its running trials to be re-run', async () => {
      // Worker processes reopen the store from the URL: it carries the short retry bound.
      const search = startSearch(`${db.url}?asc_retry_ms=1500`, 0);
      searches = [search];
      let running: TrialRecord[] = [];
      await waitFor('trials complete and running', async () => {
        if ((await complete()) < 3) return false;
        running = await store.getTrials('shared', { status: ['running'] });
        return running.length > 0;
      });
      controlPgCluster(own!.state, 'pause');
      const lost = await search.exit;
      controlPgCluster(own!.state, 'resume');
      expect(lost.code).toBe(1);
      expect(lost.stderr).toMatch(/gave up after \d+ attempts/);
      // Abandoned, not failed: no trial carries the outage as an evaluator failure.
      const after = await store.getTrials('shared');
      expect(after.filter((t) => t.status !== 'complete' && t.status !== 'running')).toEqual([]);
      for (const t of running) {
        expect(after.find((a) => a.trialId === t.trialId)?.status).toMatch(/running|complete/);
      }
      expect(after.filter((t) => t.status === 'running').length).toBeGreaterThan(0);
      // Resuming the study re-runs them (their processes are gone) and finishes it.
      const resumed = startSearch(db.url, 1);
      searches.push(resumed);
      const done = await resumed.exit;
      expect([done.code, done.summary?.end]).toEqual([0, 'done']);
      expectExactlyNTrials(await store.getTrials('shared'));
    });
  });
});
