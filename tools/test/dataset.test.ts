import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeDataset } from '@asc/datasets';
import { runAsc } from './helpers';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `asc-cli-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Counts per class of one split CSV, read directly (not through @asc/datasets). */
function csvCounts(
  root: string,
  file: string,
  labels?: Map<string, string>,
): Record<string, number> {
  const counts: Record<string, number> = { indoor: 0, outdoor: 0, transportation: 0 };
  const rows = fs.readFileSync(path.join(root, file), 'utf8').trim().split('\n').slice(1);
  for (const row of rows) {
    const [name, label] = row.split('\t');
    counts[label ?? labels?.get(name) ?? 'unknown'] += 1;
  }
  return counts;
}

describe('asc dataset', () => {
  const synthArgs = ['--clips', '9', '--seconds', '2', '--seed', '4'];
  let root: string;

  beforeAll(() => {
    root = path.join(tempDir('synth'), 'data');
  });

  it('lists its subcommands', () => {
    const r = runAsc(['dataset', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('check <dir>');
    expect(r.stdout).toContain('synth');
  });

  it('synth writes the dataset on worker threads, byte-identical to an in-process run', async () => {
    const r = runAsc(['dataset', 'synth', '--out', root, ...synthArgs, '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.status).toBe(0);
    const report = r.json();
    expect(report).toMatchObject({
      clips: 9,
      seed: 4,
      seconds: 2,
      sampleRateHz: 48000,
      rendered: 9,
      upToDate: false,
    });
    expect(report.threads).toBe(Math.min(9, os.availableParallelism()));
    expect(r.stdout.trim().split('\n')).toHaveLength(1);

    const reference = tempDir('reference');
    await synthesizeDataset({ outDir: reference, clips: 9, seconds: 2, seed: 4, threads: 1 });
    const files = fs.readdirSync(path.join(reference, 'audio')).sort();
    expect(fs.readdirSync(path.join(root, 'audio')).sort()).toEqual(files);
    for (const file of [
      ...files.map((f) => `audio/${f}`),
      'meta.csv',
      'evaluation_setup/fold1_train.csv',
    ]) {
      expect(
        fs.readFileSync(path.join(root, file)).equals(fs.readFileSync(path.join(reference, file))),
      ).toBe(true);
    }

    const again = runAsc(['dataset', 'synth', '--out', root, ...synthArgs, '--json']);
    expect(again.status).toBe(0);
    expect(again.json()).toMatchObject({ rendered: 0, kept: 9, upToDate: true });
  });

  it('check prints counts per split and class, and the --json summary', () => {
    const human = runAsc(['dataset', 'check', root]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/class\s+train\s+evaluate\s+test\n/);
    for (const label of ['indoor', 'outdoor', 'transportation', 'total']) {
      expect(human.stdout).toMatch(new RegExp(`\\n\\s+${label}\\s+\\d+\\s+\\d+\\s+\\d+\\n`));
    }
    expect(human.stdout).toContain(
      'DCASE layout (meta.csv), 3 classes; split: evaluation_setup/fold1_*.csv',
    );
    expect(human.stdout).toContain('no problems found');

    const r = runAsc(['dataset', 'check', root, '--json']);
    expect(r.status).toBe(0);
    const summary = r.json();
    expect(Object.keys(summary)).toEqual([
      'files',
      'layout',
      'labels',
      'splits',
      'splitMethod',
      'missingAudio',
      'problems',
    ]);
    const labels = new Map(
      fs
        .readFileSync(path.join(root, 'meta.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((row) => row.split('\t') as [string, string]),
    );
    expect(summary).toEqual({
      files: 9,
      layout: 'csv',
      labels: ['indoor', 'outdoor', 'transportation'],
      splitMethod: { method: 'fold1', digest: expect.stringMatching(/^[0-9a-f]{16}$/) },
      splits: {
        train: csvCounts(root, 'evaluation_setup/fold1_train.csv'),
        evaluate: csvCounts(root, 'evaluation_setup/fold1_evaluate.csv'),
        test: csvCounts(root, 'evaluation_setup/fold1_test.csv', labels),
      },
      missingAudio: 0,
      problems: [],
    });
  });

  it('check exits 1 on an unusable dataset, still printing the summary', () => {
    const broken = tempDir('broken');
    fs.cpSync(root, broken, { recursive: true });
    const gone = fs.readdirSync(path.join(broken, 'audio'))[0];
    fs.rmSync(path.join(broken, 'audio', gone));
    const r = runAsc(['dataset', 'check', broken, '--json']);
    expect(r.status).toBe(1);
    const summary = r.json();
    expect(summary).toMatchObject({ files: 9, missingAudio: 1, exitCode: 1 });
    expect(summary.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'missing-audio',
        message: expect.stringContaining(gone),
      }),
    ]);
    expect(r.stderr).toContain(`1 of 9 audio files are missing: audio/${gone}`);

    const victim = fs.readdirSync(path.join(broken, 'audio'))[1];
    fs.truncateSync(path.join(broken, 'audio', victim), 1000);
    expect(runAsc(['dataset', 'check', root, '--headers']).status).toBe(0);
    const truncated = runAsc(['dataset', 'check', broken, '--headers', '--json']);
    expect(truncated.status).toBe(1);
    expect(truncated.json().problems).toContainEqual(
      expect.objectContaining({ code: 'bad-audio', file: `audio/${victim}` }),
    );
    expect(truncated.stderr).toContain(`audio/${victim}: truncated`);

    fs.writeFileSync(path.join(broken, 'meta.csv'), 'filename,scene_label\naudio/a.wav,indoor\n');
    const commas = runAsc(['dataset', 'check', broken, '--json']);
    expect(commas.status).toBe(1);
    expect(commas.json()).toMatchObject({
      files: 0,
      problems: [expect.objectContaining({ code: 'bad-header', file: 'meta.csv', line: 1 })],
    });
    expect(commas.stderr).toContain('meta.csv:1:');
  });

  it('exits 2 on bad usage', () => {
    expect(runAsc(['dataset']).status).toBe(2);
    expect(runAsc(['dataset', 'check']).status).toBe(2);
    const nowhere = runAsc(['dataset', 'check', path.join(root, 'no-such-dir'), '--json']);
    expect(nowhere.status).toBe(2);
    expect(nowhere.json()).toMatchObject({
      exitCode: 2,
      error: expect.stringContaining('no such directory'),
    });
    expect(runAsc(['dataset', 'synth', '--clips', '9']).status).toBe(2);
    const fewClips = runAsc(['dataset', 'synth', '--out', tempDir('few'), '--clips', '2']);
    expect(fewClips.status).toBe(2);
    expect(fewClips.stderr).toContain('clips must be an integer >= 6');
    expect(runAsc(['dataset', 'synth', '--out', tempDir('hard'), '--difficulty', '2']).status).toBe(
      2,
    );
  });

  it('synth exits 1 rather than overwrite a dataset made with other parameters', () => {
    const r = runAsc([
      'dataset',
      'synth',
      '--out',
      root,
      '--clips',
      '9',
      '--seconds',
      '2',
      '--seed',
      '5',
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(r.json().error).toContain('made with other parameters');
  });
});
