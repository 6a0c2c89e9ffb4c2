import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deriveSeed } from '@asc/core';
import { paramCount } from '../src/params';
import { RandomSampler } from '../src/sampler';
import { EvaluatorModuleError } from '../src/search/evaluate';
import { runSearch, type SearchEvent, type SearchOptions } from '../src/search/run-search';
import { Study, StudyMismatchError, studySizeWindow } from '../src/search/study';
import { SqliteTrialStore } from '../src/store/sqlite-store';
import type { TrialRecord } from '../src/store/trial-store';

const evaluator = path.join(__dirname, 'fixtures', 'hash-evaluator.js');
const { expectedMetrics } = require(evaluator) as {
  expectedMetrics(id: string): { accuracy: number; loss: number };
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-search-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const storeFile = () => path.join(dir, 'trials.sqlite');

function options(
  o: Partial<SearchOptions>,
  evaluatorOptions: Record<string, unknown> = {},
): SearchOptions {
  return {
    storeLocation: storeFile(),
    studyName: 'test',
    seed: 3,
    trials: 8,
    workers: 2,
    epochs: 2,
    evaluatorModule: evaluator,
    evaluatorOptions: { sleepMs: 20, ...evaluatorOptions },
    heartbeat: { intervalMs: 200, timeoutMs: 3000 },
    pollMs: 50,
    ...o,
  };
}

async function trialsOf(): Promise<TrialRecord[]> {
  const store = await SqliteTrialStore.open(storeFile());
  try {
    return await store.getTrials('test');
  } finally {
    await store.close();
  }
}

/** The invariants of a finished study: N complete, distinct, from the seeded sequence. */
function expectCompleteStudy(trials: TrialRecord[], n: number, seed: number): void {
  const complete = trials.filter((t) => t.status === 'complete');
  expect(complete).toHaveLength(n);
  expect(new Set(complete.map((t) => t.archId)).size).toBe(n);
  // None lost: the complete trials are exactly the first n sample indexes.
  expect(complete.map((t) => t.sampleIndex).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  const sampler = new RandomSampler({ seed });
  for (const t of complete) {
    expect(t.spec).toEqual(sampler.at(t.sampleIndex).spec);
    expect(t.seed).toBe(deriveSeed(seed, t.sampleIndex));
    expect(t.accuracy).toBeCloseTo(expectedMetrics(t.archId).accuracy, 12);
    expect(t.loss).toBeCloseTo(expectedMetrics(t.archId).loss, 12);
    expect(t.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  }
  expect(trials.filter((t) => t.status === 'running')).toEqual([]);
}

describe('runSearch with worker processes', () => {
  it('4 workers finish exactly N distinct trials from the seeded sequence', async () => {
    const summary = await runSearch(options({ trials: 16, workers: 4 }, { sleepMs: 60 }));
    expect(summary).toMatchObject({ end: 'done', complete: 16, target: 16 });
    const trials = await trialsOf();
    expect(trials).toHaveLength(16);
    expectCompleteStudy(trials, 16, 3);
    expect(new Set(trials.map((t) => t.pid)).size).toBeGreaterThan(1);
    const best = trials.reduce((a, b) => ((b.accuracy ?? 0) > (a.accuracy ?? 0) ? b : a));
    expect(summary.selection.bestAccuracy?.trialId).toBe(best.trialId);

    // Running it again resumes: nothing left to do below the target, more above it.
    expect((await runSearch(options({ trials: 16 }))).complete).toBe(16);
    expect(await trialsOf()).toHaveLength(16);
    const more = await runSearch(options({ trials: 18, workers: 1 }));
    expect(more).toMatchObject({ end: 'done', complete: 18 });
    expectCompleteStudy(await trialsOf(), 18, 3);
  });

  it('survives kill -9 of a worker mid-trial: none lost, none duplicated', async () => {
    let killed: number | undefined;
    // Kill only once the trial has recorded an epoch, so it is truly mid-trial however
    // slowly a loaded machine runs it (a fixed delay raced the epoch at load 9).
    const killAfterFirstEpoch = async (pid: number, trialId: number): Promise<void> => {
      for (;;) {
        const trial = (await trialsOf()).find((t) => t.trialId === trialId);
        if (trial && trial.status !== 'running') {
          killed = undefined; // finished first: try again on worker 0's next trial
          return;
        }
        if (trial && trial.epochs.length >= 1) {
          process.kill(pid, 'SIGKILL');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const pids = new Map<number, number>();
    const summary = await runSearch(
      options({
        trials: 6,
        evaluatorOptions: { sleepMs: 300 },
        onEvent: (e: SearchEvent) => {
          if (e.type === 'spawn') pids.set(e.index, e.pid);
          if (
            e.type === 'worker' &&
            e.event.type === 'start' &&
            killed === undefined &&
            e.index === 0
          ) {
            killed = pids.get(0);
            void killAfterFirstEpoch(killed!, e.event.trial.trialId);
          }
        },
      }),
    );
    expect(killed).toBeDefined();
    expect(summary).toMatchObject({ end: 'done', complete: 6 });
    const trials = await trialsOf();
    expectCompleteStudy(trials, 6, 3);
    const dead = trials.filter((t) => t.status === 'failed');
    expect(dead).toHaveLength(1);
    expect(dead[0].pid).toBe(killed);
    expect(dead[0].error).toMatch(/died|heartbeat/);
    expect(dead[0].epochs.length).toBeGreaterThanOrEqual(1);
    const retry = trials.find((t) => t.retryOf === dead[0].trialId)!;
    expect(retry).toMatchObject({ status: 'complete', archId: dead[0].archId, seed: dead[0].seed });
  });

  it('SIGINT stops gracefully: running trials become interrupted and are offered again', async () => {
    const driverOptions = { ...options({ trials: 4 }, { sleepMs: 2000 }), handleSignals: true };
    const driver = `
      const { runSearch } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'index.js'))});
      runSearch(${JSON.stringify(driverOptions)}).then((s) => console.log(JSON.stringify(s)));
    `;
    const child = spawn(process.execPath, ['-e', driver], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    // Wait until both workers are mid-trial.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (!fs.existsSync(storeFile())) continue;
      const running = (await trialsOf().catch(() => [])).filter((t) => t.status === 'running');
      if (running.length === 2) break;
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toMatchObject({
      end: 'interrupted',
      complete: 0,
    });
    const interrupted = await trialsOf();
    expect(interrupted.map((t) => [t.status, t.requeued])).toEqual([
      ['interrupted', true],
      ['interrupted', true],
    ]);

    expect(await runSearch(options({ trials: 4 }))).toMatchObject({ end: 'done', complete: 4 });
    const trials = await trialsOf();
    expectCompleteStudy(trials, 4, 3);
    const retried = trials.filter((t) => t.retryOf !== null).map((t) => t.retryOf);
    expect(retried.sort()).toEqual(interrupted.map((t) => t.trialId).sort());
  });

  it('stops when the evaluator keeps failing, recording the errors without re-offering', async () => {
    const summary = await runSearch(
      options({ trials: 3, workers: 1, maxConsecutiveFailures: 2 }, { failPrefix: 'id_' }),
    );
    expect(summary.end).toBe('failing');
    expect(summary.message).toMatch(
      /the evaluator failed 2 times in a row; last error: Error: test failure for id_/,
    );
    const trials = await trialsOf();
    expect(trials.map((t) => [t.status, t.requeued])).toEqual([
      ['failed', false],
      ['failed', false],
    ]);
    expect(trials[0].error).toContain('test failure');
  });

  it('ends with a clear message when the space under the window is exhausted', async () => {
    const space = {
      blockCounts: [2],
      moduleA: [0] as const,
      moduleB: [1] as const,
      pools: ['avg', 'max'] as const,
      stemFilters: [4],
      growths: [1],
    };
    const summary = await runSearch(
      options({ trials: 10, space, window: { minKiB: 0, maxKiB: 100 }, workers: 2 }),
    );
    expect(summary).toMatchObject({ end: 'exhausted', complete: 4 });
    expect(summary.message).toMatch(/exhausted: all 4 distinct architectures/);
  });

  it('names a missing evaluator module', async () => {
    await expect(
      runSearch(options({ evaluatorModule: path.join(dir, 'nope.js') })),
    ).rejects.toThrow(EvaluatorModuleError);
    await expect(
      runSearch(options({ evaluatorModule: path.join(dir, 'nope.js') })),
    ).rejects.toThrow(/cannot find the evaluator module/);
  });

  it('refuses to resume a study with another seed, window or number of classes', async () => {
    const store = await SqliteTrialStore.open(storeFile());
    try {
      await Study.open(store, { name: 'test', seed: 3 });
      await expect(Study.open(store, { name: 'test', seed: 4 })).rejects.toThrow(
        StudyMismatchError,
      );
      await expect(Study.open(store, { name: 'test', seed: 4 })).rejects.toThrow(
        /created with seed 3, not 4/,
      );
      await expect(
        Study.open(store, { name: 'test', seed: 3, window: { minKiB: 100, maxKiB: 500 } }),
      ).rejects.toThrow(/size window 250 < KB < 500, not 100 < KB < 500/);
      await expect(Study.open(store, { name: 'test', seed: 3, classes: 10 })).rejects.toThrow(
        /was created for 3 classes, not 10/,
      );
      // A study of 10 classes sizes its candidates with a 10-way head.
      const ten = await Study.open(store, { name: 'ten', seed: 3, classes: 10 });
      expect(ten.proposal(0).params).toBe(paramCount(ten.proposal(0).spec, { classes: 10 }));
    } finally {
      await store.close();
    }
  });

  it('reads back the size window a study was created with', async () => {
    const store = await SqliteTrialStore.open(storeFile());
    try {
      await Study.open(store, { name: 'narrow', seed: 3, window: { minKiB: 300, maxKiB: 400 } });
      const record = await store.getStudy('narrow');
      expect(studySizeWindow(record!)).toEqual({ minKiB: 300, maxKiB: 400 });
      expect(studySizeWindow({ config: { sampler: { window: { minKiB: 300 } } } })).toBeNull();
      expect(studySizeWindow({ config: {} })).toBeNull();
      const dcase = {
        minKiB: 0,
        maxKiB: 128,
        bytesPerParam: 1,
        maxParams: 100_000,
        maxMacsPerSecond: 30e6,
        segmentSeconds: 1.28,
      };
      expect(studySizeWindow({ config: { sampler: { window: dcase } } })).toEqual(dcase);
    } finally {
      await store.close();
    }
  });
});
