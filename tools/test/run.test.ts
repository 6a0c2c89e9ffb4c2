import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SqliteTrialStore, type TrialRecord } from '@asc/zoo';
import { runAsc } from './helpers';

interface StepSummary {
  name: string;
  skipped: boolean;
  seconds: number;
}

interface Retrained {
  role: string;
  run: string;
  candidate: { archId: string; number: number };
  sameAs: string | null;
  accuracy: number;
}

interface RunJson {
  out: string;
  dataset: string;
  cache: string;
  study: string;
  report: string;
  best: Record<'best-accuracy' | 'lowest-loss', Retrained>;
  steps: StepSummary[];
  seconds: number;
}

const STEPS = ['dataset', 'features', 'search', 'retrain', 'report'];

function mtimeMs(file: string): number {
  return fs.statSync(file).mtimeMs;
}

async function studyTrials(studyDir: string): Promise<{
  trials: TrialRecord[];
  config: Record<string, unknown>;
}> {
  const store = await SqliteTrialStore.open(path.join(studyDir, 'trials.sqlite'));
  try {
    const study = await store.getStudy('study');
    if (!study) throw new Error('no study "study" in the store');
    return { trials: await store.getTrials('study'), config: study.config };
  } finally {
    await store.close();
  }
}

// The whole pipeline at toy scale (12 clips of 2 s, 2 candidates, 1 epoch each, 1 final
// epoch): the numbers mean nothing, the files and the skipping do.
describe('asc run (tiny scale, end to end)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-cli-run-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  const args = [
    'run',
    '--out',
    out,
    '--clips',
    '12',
    '--seconds',
    '2',
    '--seed',
    '3',
    '--trials',
    '2',
    '--search-epochs',
    '1',
    '--final-epochs',
    '1',
    '--batch-size',
    '16',
    '--json',
  ];
  const studyDir = path.join(out, 'study');
  let first: RunJson;

  it('runs every step: dataset, features, search, retraining, report', async () => {
    const r = runAsc(args);
    expect(r.stderr).not.toContain('asc: error');
    expect(r.status).toBe(0);
    first = r.json() as unknown as RunJson;
    expect(first).toMatchObject({
      out,
      dataset: path.join(out, 'dataset'),
      cache: path.join(out, 'cache'),
      study: studyDir,
      report: path.join(studyDir, 'report', 'index.html'),
    });
    expect(first.steps.map((s) => [s.name, s.skipped])).toEqual(STEPS.map((n) => [n, false]));
    STEPS.forEach((_, i) => expect(r.stderr).toContain(`[${i + 1}/5]`));
    expect(r.stdout.trim().split('\n')).toHaveLength(1);

    // The dataset and the cache.
    const testList = fs.readFileSync(
      path.join(out, 'dataset', 'evaluation_setup', 'fold1_test.csv'),
      'utf8',
    );
    expect(testList.trim().split('\n').length).toBeGreaterThan(1);
    expect(fs.readdirSync(path.join(out, 'cache')).length).toBeGreaterThan(0);

    // The study: study.json as asc search and asc report read it, and the trials.
    const studyJson = JSON.parse(fs.readFileSync(path.join(studyDir, 'study.json'), 'utf8'));
    expect(studyJson).toMatchObject({
      name: 'study',
      seed: 3,
      dataset: path.join(out, 'dataset'),
      cache: path.join(out, 'cache'),
      recipe: { name: 'search', epochs: 1 },
    });
    const { trials, config } = await studyTrials(studyDir);
    const complete = trials.filter((t) => t.status === 'complete');
    expect(complete).toHaveLength(2);
    for (const t of complete) expect(t.epochs).toHaveLength(1);
    // The commit the search ran on: this checkout's HEAD or (others commit meanwhile) before it.
    const { commit } = config.code as { commit: string };
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(() =>
      execFileSync('git', ['merge-base', '--is-ancestor', commit, 'HEAD']),
    ).not.toThrow();
    expect(config.run).toMatchObject({
      searchRecipe: { base: 'search', batchSize: 16 },
      scale: { clips: 12, seconds: 2, trials: 2, searchEpochs: 1, finalEpochs: 1, batchSize: 16 },
    });

    // The selection, recomputed from the store: highest accuracy (ties: lower loss) and
    // lowest loss (ties: higher accuracy).
    const byAccuracy = [...complete].sort(
      (a, b) => b.accuracy! - a.accuracy! || a.loss! - b.loss! || a.number - b.number,
    )[0];
    const byLoss = [...complete].sort(
      (a, b) => a.loss! - b.loss! || b.accuracy! - a.accuracy! || a.number - b.number,
    )[0];
    expect(first.best['best-accuracy'].candidate.archId).toBe(byAccuracy.archId);
    expect(first.best['lowest-loss'].candidate.archId).toBe(byLoss.archId);

    // The retrained runs, where the report reads them.
    const retrainDir = path.join(studyDir, 'retrain');
    const best = JSON.parse(
      fs.readFileSync(path.join(retrainDir, 'best-accuracy', 'run.json'), 'utf8'),
    );
    expect(best).toMatchObject({
      status: 'complete',
      epochsDone: 1,
      spec: byAccuracy.spec,
      seed: 3,
      recipe: { name: 'final', epochs: 1, batchSize: 16 },
    });
    const lowestLoss = path.join(retrainDir, 'lowest-loss');
    if (byLoss.archId === byAccuracy.archId) {
      expect(fs.readlinkSync(lowestLoss)).toBe('best-accuracy');
      expect(first.best['lowest-loss'].sameAs).toBe('best-accuracy');
      expect(r.stderr).toContain('the same architecture as best-accuracy');
    } else {
      const run = JSON.parse(fs.readFileSync(path.join(lowestLoss, 'run.json'), 'utf8'));
      expect(run).toMatchObject({ status: 'complete', spec: byLoss.spec });
    }
    expect(studyJson.retrain['best-accuracy']).toMatchObject({
      archId: byAccuracy.archId,
      run: 'retrain/best-accuracy',
    });

    // The report, with the retrained run in Table 4.
    const reportDir = path.join(studyDir, 'report');
    for (const f of ['index.html', 'report.md', 'figure3.svg', 'figure4.png', 'table4.json']) {
      expect(fs.existsSync(path.join(reportDir, f))).toBe(true);
    }
    const table4 = JSON.parse(fs.readFileSync(path.join(reportDir, 'table4.json'), 'utf8'));
    expect(JSON.stringify(table4)).toContain(byAccuracy.archId);
    expect(r.stdout + r.stderr).toContain(`report: ${path.join(reportDir, 'index.html')}`);
  }, 300_000);

  it('skips every finished step on a second run', async () => {
    const files = [
      path.join(studyDir, 'trials.sqlite'),
      path.join(studyDir, 'retrain', 'best-accuracy', 'run.json'),
      path.join(studyDir, 'report', 'index.html'),
    ];
    const before = files.map(mtimeMs);
    const r = runAsc(args);
    expect(r.status).toBe(0);
    const again = r.json() as unknown as RunJson;
    expect(again.steps.map((s) => [s.name, s.skipped])).toEqual(STEPS.map((n) => [n, true]));
    // Reading back a finished run takes seconds; the first run trained three models.
    expect(again.seconds).toBeLessThan(Math.max(10, first.seconds / 3));
    expect(files.map(mtimeMs)).toEqual(before);
    expect(again.report).toBe(first.report);
    expect(again.best['best-accuracy'].accuracy).toBe(first.best['best-accuracy'].accuracy);
    expect((await studyTrials(studyDir)).trials).toHaveLength(2);
  });

  it('redoes only the step whose result was removed', () => {
    fs.rmSync(path.join(studyDir, 'report'), { recursive: true });
    const r = runAsc(args);
    expect(r.status).toBe(0);
    const again = r.json() as unknown as RunJson;
    expect(again.steps.filter((s) => !s.skipped).map((s) => s.name)).toEqual(['report']);
    expect(fs.existsSync(path.join(studyDir, 'report', 'index.html'))).toBe(true);
  });

  it('exits 2 on a bad flag or config before doing anything', () => {
    const fresh = path.join(out, 'fresh');
    const bad = [
      ['--trials', '0'],
      ['--batch-size', '1.5'],
      ['--difficulty', '2'],
      ['--no-such-flag', '1'],
    ];
    for (const extra of bad) {
      const r = runAsc(['run', '--out', fresh, ...extra, '--json']);
      expect([extra, r.status]).toEqual([extra, 2]);
      expect(r.json()).toMatchObject({ exitCode: 2 });
    }
    const config = path.join(out, 'bad-config.json');
    fs.writeFileSync(config, JSON.stringify({ trails: 3 }));
    const r = runAsc(['run', '--out', fresh, '--config', config]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown key "trails"');
    expect(runAsc(['run', '--clips', '6']).status).toBe(2);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('takes its options from --config, flags winning', () => {
    // A run directory whose dataset was made with other parameters is refused (exit 1)
    // before anything is written, so the options the run used show in the message.
    const config = path.join(out, 'run-config.json');
    fs.writeFileSync(config, JSON.stringify({ clips: 12, seconds: 2, seed: 4 }));
    const r = runAsc(['run', '--out', out, '--config', config, '--seed', '3', '--clips', '15']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('made with other parameters');
    const ok = runAsc(['run', ...args.slice(1, 3), '--config', config, ...args.slice(7)]);
    expect(ok.status).toBe(0);
    expect((ok.json() as unknown as RunJson).steps.every((s) => s.skipped)).toBe(true);
  });
});
