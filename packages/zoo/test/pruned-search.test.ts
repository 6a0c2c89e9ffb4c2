import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createPruner, type PrunerConfig } from '../src/search/pruner';
import { runSearch, type SearchOptions, type SearchSummary } from '../src/search/run-search';
import { SqliteTrialStore } from '../src/store/sqlite-store';
import type { TrialRecord } from '../src/store/trial-store';
import { RUNG_EVALUATOR, expectFinishedStudy } from './pruned-study';

// The built search driver, run as `asc search` runs it, so that it can be killed whole.
const zooDist = path.resolve(__dirname, '..', 'dist', 'search', 'run-search.js');
const SEARCH_MAIN = `
const { runSearch } = require(process.argv[1]);
runSearch({ ...JSON.parse(process.argv[2]), handleSignals: true }).then(
  (summary) => process.stdout.write(JSON.stringify(summary) + '\\n'),
  (err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exit(1); },
);`;

const ASHA: PrunerConfig = {
  kind: 'asha',
  maxEpochs: 3,
  minEpochs: 1 / 3,
  reductionFactor: 3,
  metric: 'accuracy',
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-pruned-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function options(o: Partial<SearchOptions> = {}): SearchOptions {
  return {
    storeLocation: path.join(dir, 'trials.sqlite'),
    studyName: 'pruned',
    seed: 4,
    trials: 9,
    workers: 2,
    pruner: ASHA,
    checkpointDir: path.join(dir, 'checkpoints'),
    evaluatorModule: RUNG_EVALUATOR,
    evaluatorOptions: { sleepMs: 300 },
    heartbeat: { intervalMs: 200, timeoutMs: 3000 },
    pollMs: 50,
    ...o,
  };
}

async function trials(): Promise<TrialRecord[]> {
  const store = await SqliteTrialStore.open(path.join(dir, 'trials.sqlite'));
  try {
    return await store.getTrials('pruned');
  } finally {
    await store.close();
  }
}

describe('a search under ASHA', () => {
  it('finishes N trials, promoting from checkpoints, and counts the samples it trained', async () => {
    const summary = await runSearch(options());
    expect(summary).toMatchObject({ end: 'done', finished: 9, target: 9 });
    const all = await trials();
    expectFinishedStudy(all, createPruner(ASHA), 9);
    expect(summary.trainedSamples).toBe(all.reduce((n, t) => n + (t.trainedSamples ?? 0), 0));
    // Far less than the paper's protocol: 9 trials x 3 epochs x 120 samples.
    expect(summary.trainedSamples!).toBeLessThan((9 * 3 * 120) / 2);
    // Complete trials leave no checkpoint behind.
    for (const t of all.filter((x) => x.status === 'complete')) {
      expect(fs.existsSync(path.join(dir, 'checkpoints', `trial-${t.sampleIndex}.ckpt`))).toBe(
        false,
      );
    }
    // Resuming a finished study does nothing.
    expect(await runSearch(options())).toMatchObject({ end: 'done', finished: 9 });
    expect(await trials()).toHaveLength(all.length);
  });

  it('survives kill -9 of the whole search mid-rung of a promoted trial, then resumes to exactly N', async () => {
    const child = spawn(process.execPath, ['-e', SEARCH_MAIN, zooDist, JSON.stringify(options())], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killed = new Promise<string | null>((resolve) => child.on('close', (_, s) => resolve(s)));
    // Wait for a promoted trial (one with rungs behind it) to be running, then kill all.
    let victim: TrialRecord | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (!fs.existsSync(path.join(dir, 'trials.sqlite'))) continue;
      victim = (await trials().catch(() => [])).find(
        (t) => t.status === 'running' && t.rungs.length > 0,
      );
    }
    expect(victim).toBeDefined();
    await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGKILL');
    expect(await killed).toBe('SIGKILL');
    expect((await trials()).find((t) => t.trialId === victim!.trialId)!.status).toBe('running');

    const summary: SearchSummary = await runSearch(options());
    expect(summary).toMatchObject({ end: 'done', finished: 9 });
    const all = await trials();
    expectFinishedStudy(all, createPruner(ASHA), 9);
    const dead = all.find((t) => t.trialId === victim!.trialId)!;
    expect(dead).toMatchObject({ status: 'failed', requeued: false });
    expect(dead.error).toMatch(/died|heartbeat/);
    const retry = all.find((t) => t.retryOf === dead.trialId)!;
    expect(retry.rungs.slice(0, dead.rungs.length)).toEqual(dead.rungs);
    expect(retry.rungs.length).toBeGreaterThan(dead.rungs.length);
  });
});
