import { spawn } from 'child_process';
import * as os from 'os';
import type { TrialRecord } from '@asc/zoo';
import { createTestDatabase, describePg } from '../../packages/zoo/test/pg-cluster';
import { ascBin, hashEvaluator as evaluator, runAsc } from './helpers';

const { expectedMetrics } = require(evaluator) as {
  expectedMetrics(archId: string): { accuracy: number; loss: number };
};

/** Runs asc without blocking, so that several can run at once. */
function runAscAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ascBin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lastJson = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

describePg('asc search --storage postgresql:// and asc trials --storage', (clusterUrl) => {
  let db: { url: string; drop(): Promise<void> };
  beforeEach(async () => {
    db = await createTestDatabase(clusterUrl);
  });
  afterEach(() => db.drop());

  it('lets two asc search processes share one study that asc trials then lists', async () => {
    const trials = 8;
    const search = () =>
      runAscAsync(
        [
          'search',
          '--storage',
          db.url,
          '--study',
          'cli-shared',
          '--trials',
          String(trials),
          '--workers',
          '2',
          '--epochs',
          '2',
          '--seed',
          '3',
          '--evaluator',
          evaluator,
          '--json',
        ],
        { ASC_TEST_EVAL_SLEEP_MS: '100' },
      );
    const runs = await Promise.all([search(), search()]);
    for (const r of runs) {
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({
        status: 0,
        stderr: '',
      });
      expect(lastJson(r.stdout)).toMatchObject({ end: 'done', complete: trials, studyDir: null });
    }

    const listed = runAsc(['trials', '--storage', db.url, '--study', 'cli-shared', '--json']);
    expect(listed.status).toBe(0);
    const result = listed.json() as { counts: Record<string, number>; trials: TrialRecord[] };
    expect(result.counts.complete).toBe(trials);
    const complete = result.trials.filter((t) => t.status === 'complete');
    expect(complete.map((t) => t.sampleIndex).sort((a, b) => a - b)).toEqual(
      Array.from({ length: trials }, (_, i) => i),
    );
    for (const t of complete) {
      expect(t.host).toBe(os.hostname());
      expect(t.accuracy).toBeCloseTo(expectedMetrics(t.archId).accuracy, 12);
    }

    const missing = runAsc(['trials', '--storage', db.url, '--study', 'nope']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no study "nope"');
  });
});

describe('asc search --storage with an unreachable server', () => {
  it('retries for the bound the URL sets, then exits 1 naming the server', () => {
    // Port 1 on loopback: nothing listens there.
    const url = 'postgresql://nobody@127.0.0.1:1/none?asc_retry_ms=500';
    const r = runAsc(['search', '--storage', url, '--study', 's', '--trials', '1', '--json']);
    expect(r.status).toBe(1);
    expect(r.json().error).toMatch(
      /^postgresql:\/\/nobody@127\.0\.0\.1:1\/none\?asc_retry_ms=500: gave up after \d+ attempts over 0\.5 s: .*ECONNREFUSED/,
    );
  });
});
