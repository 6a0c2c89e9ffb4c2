import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ascBin, hashEvaluator as evaluator, runAsc } from './helpers';

describe('asc search', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-cli-search-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const search = (study: string, ...extra: string[]) =>
    runAsc(
      ['search', '--study', study, '--evaluator', evaluator, '--epochs', '2', '--json', ...extra],
      {
        env: { ASC_TEST_EVAL_SLEEP_MS: '30' },
      },
    );

  it('runs, records the study, prints the candidates, and resumes', () => {
    const study = path.join(dir, 'study');
    const r = search(study, '--trials', '4', '--workers', '2', '--seed', '5');
    expect(r.status).toBe(0);
    const result = r.json() as {
      complete: number;
      end: string;
      selection: { bestAccuracy: { archId: string }; lowestLoss: { archId: string } };
    };
    expect(result).toMatchObject({ complete: 4, end: 'done' });
    expect(result.selection.bestAccuracy.archId).toMatch(/^id_/);
    expect(r.stderr).toMatch(/best accuracy: trial \d+ id_/);
    expect(r.stderr).toMatch(/lowest loss\s*: trial \d+ id_/);
    const config = JSON.parse(fs.readFileSync(path.join(study, 'study.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'study',
      seed: 5,
      trials: 4,
      window: { minKiB: 250, maxKiB: 500 },
      recipe: { epochs: 2 },
      storage: 'trials.sqlite',
    });
    expect(fs.existsSync(path.join(study, 'trials.sqlite'))).toBe(true);

    // Same command with a higher target: the seed comes from study.json, earlier trials count.
    const more = search(study, '--trials', '5');
    expect(more.status).toBe(0);
    expect(more.json()).toMatchObject({ complete: 5 });
    const trials = runAsc(['trials', '--study', study, '--json']).json().trials as {
      sampleIndex: number;
    }[];
    expect(trials.map((t) => t.sampleIndex).sort()).toEqual([0, 1, 2, 3, 4]);

    const other = search(study, '--trials', '5', '--seed', '6');
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/created with seed 5, not 6/);
    // A refused search leaves study.json as it was.
    expect(JSON.parse(fs.readFileSync(path.join(study, 'study.json'), 'utf8')).seed).toBe(5);
    const longer = runAsc(['search', '--study', study, '--trials', '5', '--evaluator', evaluator]);
    expect(longer.status).toBe(2);
    expect(longer.stderr).toMatch(
      /created with the paper's protocol \(2 epochs\), not the paper's protocol \(3 epochs\)/,
    );
  });

  it('keeps DCASE limits in the study and refuses to resume it under other ones', () => {
    const study = path.join(dir, 'study');
    const limits = ['--param-bytes', '1', '--min-kb', '0', '--max-kb', '128', '--max-mmacs', '30'];
    const r = search(study, '--trials', '2', ...limits);
    expect(r.status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(study, 'study.json'), 'utf8'));
    expect(config.window).toEqual({
      minKiB: 0,
      maxKiB: 128,
      bytesPerParam: 1,
      maxMacsPerSecond: 30e6,
      segmentSeconds: 1.28,
    });
    expect(r.stderr).toMatch(/0 < KB < 128 at 1 byte per parameter, <= 30 MMACs\/s/);
    // resumed without the flags: the study's limits hold
    expect(search(study, '--trials', '3').status).toBe(0);
    const other = search(study, '--trials', '3', '--max-mmacs', '20');
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/<= 30 MMACs\/s, not .*<= 20 MMACs\/s/);
  });

  it('refuses a missing evaluator before writing anything', () => {
    const study = path.join(dir, 'study');
    const r = runAsc([
      'search',
      '--study',
      study,
      '--trials',
      '2',
      '--evaluator',
      path.join(dir, 'none.js'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot find the evaluator module/);
    expect(fs.existsSync(study)).toBe(false);
  });

  it('rejects bad flags with exit code 2', () => {
    expect(search(path.join(dir, 's'), '--trials', '0').status).toBe(2);
    expect(search(path.join(dir, 's'), '--trials', '2', '--workers', '1.5').status).toBe(2);
  });

  it('Ctrl-C marks the running trials interrupted; the next run finishes them', async () => {
    const study = path.join(dir, 'study');
    const child = spawn(
      process.execPath,
      [
        ascBin,
        'search',
        '--study',
        study,
        '--trials',
        '3',
        '--workers',
        '2',
        '--epochs',
        '2',
        '--evaluator',
        evaluator,
      ],
      {
        env: { ...process.env, ASC_TEST_EVAL_SLEEP_MS: '3000' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 30_000;
    let running = 0;
    while (running < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      if (!fs.existsSync(path.join(study, 'trials.sqlite'))) continue;
      const list = runAsc(['trials', '--study', study, '--json']);
      if (list.status === 0) running = (list.json().counts as { running: number }).running;
    }
    expect(running).toBe(2);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopping \(received SIGINT\)/);
    const after = runAsc(['trials', '--study', study, '--json']).json() as {
      counts: Record<string, number>;
      trials: { status: string; requeued: boolean }[];
    };
    expect(after.counts).toMatchObject({ interrupted: 2, running: 0 });
    expect(after.trials.every((t) => t.status === 'interrupted' && t.requeued)).toBe(true);

    const resumed = search(study, '--trials', '3');
    expect(resumed.status).toBe(0);
    expect(resumed.json()).toMatchObject({ complete: 3 });
  });
});
