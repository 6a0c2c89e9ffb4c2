import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SqliteTrialStore, createPruner } from '@asc/zoo';
import { expectFinishedStudy } from '../../packages/zoo/test/pruned-study';
import { ascBin, runAsc } from './helpers';

/**
 * Ask and tell from another process: a Python trainer (the README's loop, its training
 * stubbed) drives an ASHA study through `asc trials ask` and `asc trials tell` to the end.
 */
describe('asc trials ask / tell', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-ask-tell-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips a whole ASHA study from a Python subprocess', async () => {
    const study = path.join(dir, 'study');
    const script = path.join(__dirname, 'fixtures', 'ask-tell-trainer.py');
    const r = spawnSync('python3', [script, process.execPath, ascBin, study, '6'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const store = await SqliteTrialStore.open(path.join(study, 'trials.sqlite'));
    const trials = await store.getTrials('study');
    await store.close();
    // Each tell finished one rung of one trial.
    expect(JSON.parse(r.stdout).told).toBe(trials.reduce((n, t) => n + t.rungs.length, 0));
    const pruner = createPruner({
      kind: 'asha',
      maxEpochs: 3,
      minEpochs: 1 / 3,
      reductionFactor: 3,
      metric: 'accuracy',
    });
    expectFinishedStudy(trials, pruner, 6);
    const listed = runAsc(['trials', '--study', study, '--json']).json();
    expect(listed.trainedSamples).toBe(trials.reduce((n, t) => n + (t.trainedSamples ?? 0), 0));
  });

  it('refuses a tell for another budget, a trial not running, or without a result', () => {
    const study = path.join(dir, 'refusals');
    const ask = runAsc([
      'trials',
      'ask',
      '--study',
      study,
      '--trials',
      '3',
      '--pruner',
      'asha',
      '--json',
    ]);
    expect(ask.status).toBe(0);
    const t = ask.json() as { trial: number; budget: { epochs: number } };
    const tell = (...extra: string[]) =>
      runAsc(['trials', 'tell', '--study', study, '--trial', String(t.trial), ...extra]);
    expect(tell('--accuracy', '0.5', '--loss', '0.5', '--epochs', '3')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/asked to train to 0\.333.* epochs \(rung 0\), not 3/),
    });
    expect(tell('--accuracy', '0.5', '--epochs', '1/3').stderr).toMatch(/--loss is required/);
    expect(tell('--accuracy', '0.5', '--loss', '0.5', '--epochs', '1/3').status).toBe(0);
    expect(tell('--accuracy', '0.5', '--loss', '0.5', '--epochs', '1/3')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/trial 0 is not running \(it is pruned\)/),
    });
    const failed = runAsc(['trials', 'ask', '--study', study, '--trials', '3', '--json']).json();
    expect(
      runAsc(['trials', 'tell', '--study', study, '--trial', String(failed.trial), '--fail', 'OOM'])
        .status,
    ).toBe(0);
    const listed = runAsc(['trials', '--study', study, '--json']).json() as {
      trials: { status: string; error: string | null }[];
    };
    expect(listed.trials.map((x) => [x.status, x.error])).toEqual([
      ['pruned', null],
      ['failed', 'OOM'],
    ]);
  });
});
