import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hashEvaluator as evaluator, runAsc } from './helpers';

describe('asc trials', () => {
  let dir: string;
  let study: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-cli-trials-'));
    study = path.join(dir, 'study');
    const r = runAsc(
      ['search', '--study', study, '--trials', '3', '--epochs', '1', '--evaluator', evaluator],
      {
        env: { ASC_TEST_EVAL_SLEEP_MS: '10' },
      },
    );
    expect(r.status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints CSV with one row per trial', () => {
    const r = runAsc(['trials', '--study', study, '--csv']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 7)).toEqual([
      'number',
      'trial_id',
      'sample_index',
      'arch_id',
      'status',
      'accuracy',
      'loss',
    ]);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      expect(cells).toHaveLength(header.length);
      expect(cells[4]).toBe('complete');
      expect(Number(cells[5])).toBeGreaterThan(0.8);
    }
  });

  it('prints JSON records and the analysis', () => {
    const r = runAsc(['trials', '--study', study, '--json']);
    expect(r.status).toBe(0);
    const trials = r.json().trials as { archId: string; epochs: unknown[] }[];
    expect(trials).toHaveLength(3);
    expect(trials[0].epochs).toHaveLength(1);
    const a = runAsc(['trials', '--study', study, '--analysis', '--json']).json().analysis as {
      complete: number;
      byGrowth: { key: string; count: number }[];
    };
    expect(a.complete).toBe(3);
    expect(a.byGrowth.reduce((n, g) => n + g.count, 0)).toBe(3);
  });

  it('names a directory without a trial store, and refuses --csv with --json', () => {
    const r = runAsc(['trials', '--study', path.join(dir, 'nothing')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no trial store/);
    expect(runAsc(['trials', '--study', study, '--csv', '--json']).status).toBe(2);
  });
});
