import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TAU_SCENES } from '@asc/datasets';
import { runAsc } from './helpers';

// The ten scenes of TAU Urban Acoustic Scenes 2020 Mobile, in model-output order (the
// datasets package's tests check the list against the real metadata).
const TEN = [...TAU_SCENES];

interface ModelJson {
  modelTopology: {
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
  };
  weightsManifest: { weights: { name: string; shape: number[] }[] }[];
}

// Bring-your-own-data end to end at toy scale: a 10-class synthetic set rewritten as a
// folder per class with free file names, then `asc run --dataset` (1 candidate, 1 epoch
// each), `asc eval` and `asc predict` with a 10-way head.
describe('a folder-per-class dataset of ten scenes, end to end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-cli-layouts-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const synth = path.join(dir, 'synth');
  const folders = path.join(dir, 'folders');
  const out = path.join(dir, 'run');
  // file in the folder layout -> its scene
  const sceneOf = new Map<string, string>();

  beforeAll(() => {
    const r = runAsc([
      'dataset',
      'synth',
      '--out',
      synth,
      '--classes',
      '10',
      '--clips',
      '20',
      '--seconds',
      '2',
      '--seed',
      '2',
      '--difficulty',
      '0.3',
    ]);
    if (r.status !== 0) throw new Error(`asc dataset synth failed: ${r.stderr}`);
    // audio/<scene>/<location>/take <n>.wav: free names, one sub-folder per recording location.
    const rows = fs.readFileSync(path.join(synth, 'meta.csv'), 'utf8').trim().split('\n').slice(1);
    rows.forEach((row, n) => {
      const [file, label, location] = row.split('\t');
      const target = `audio/${label}/${location}/take ${n}.wav`;
      fs.mkdirSync(path.dirname(path.join(folders, target)), { recursive: true });
      fs.copyFileSync(path.join(synth, file), path.join(folders, target));
      sceneOf.set(target, label);
    });
  });

  it('check reads the folders as ten classes and writes the drawn split', () => {
    const list = path.join(dir, 'split.tsv');
    const r = runAsc([
      'dataset',
      'check',
      folders,
      '--split-seed',
      '2',
      '--evaluate-fraction',
      '0.5',
      '--write-split',
      list,
      '--json',
    ]);
    expect(r.status).toBe(0);
    const summary = r.json();
    expect(summary).toMatchObject({
      files: 20,
      layout: 'folders',
      labels: TEN,
      splitMethod: {
        method: 'seeded',
        seed: 2,
        evaluateFraction: 0.5,
        groups: { location: 0, folder: 20, name: 0, file: 0 },
      },
      problems: [],
    });
    // Two recording locations per scene: one on each side.
    const one = Object.fromEntries(TEN.map((label) => [label, 1]));
    expect(summary.splits).toEqual({ train: one, evaluate: one, test: one });
    expect(r.stderr).toContain(
      'folder layout (audio/<label>/), 10 classes; split drawn with seed 2',
    );
    const rows = fs.readFileSync(list, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('filename\tscene_label\tsplit');
    const listed = rows.slice(1).map((row) => row.split('\t'));
    expect(listed.map(([file, scene]) => `${file}\t${scene}`).sort()).toEqual(
      [...sceneOf].map(([file, scene]) => `${file}\t${scene}`).sort(),
    );
    expect(listed.filter(([, , split]) => split === 'evaluate')).toHaveLength(10);
  });

  it('runs the whole pipeline with a 10-way head and records the classes', () => {
    const r = runAsc([
      'run',
      '--dataset',
      folders,
      '--out',
      out,
      '--split-seed',
      '2',
      '--evaluate-fraction',
      '0.5',
      '--trials',
      '1',
      '--search-epochs',
      '1',
      '--final-epochs',
      '1',
      '--batch-size',
      '16',
      '--seed',
      '4',
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.status).toBe(0);
    const study = JSON.parse(fs.readFileSync(path.join(out, 'study/study.json'), 'utf8'));
    expect(study.labels).toEqual(TEN);
    expect(study.split).toMatchObject({
      layout: 'folders',
      method: 'seeded',
      seed: 2,
      evaluateFraction: 0.5,
    });
    const runDir = path.join(out, 'study/retrain/best-accuracy');
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(record.data.classes).toEqual(TEN);
    expect(record.data.split).toEqual(study.split);
    expect(record.final.confusion).toHaveLength(10);
    expect(record.final.perClass).toHaveLength(10);

    // The exported model: its last layer has ten units, and its trainable weights (moving
    // statistics aside) add up to the parameters the run and the search recorded.
    const model = JSON.parse(
      fs.readFileSync(path.join(runDir, record.export.fp32Dir, 'model.json'), 'utf8'),
    ) as ModelJson;
    const layers = model.modelTopology.config.layers;
    expect(layers[layers.length - 1].config.units).toBe(10);
    const trainable = model.weightsManifest
      .flatMap((group) => group.weights)
      .filter((w) => !/moving_(mean|variance)$/.test(w.name))
      .reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(record.params).toBe(trainable);
    const result = r.json() as { best: Record<string, { candidate: { params: number } }> };
    expect(result.best['best-accuracy'].candidate.params).toBe(trainable);
    const report = fs.readFileSync(path.join(out, 'study/report/report.md'), 'utf8');
    expect(report).toContain('10-way Sigmoid');
    expect(report).toContain('street_pedestrian');
  });

  it('predict prints ten named probabilities; eval scores ten classes', () => {
    const runDir = path.join(out, 'study/retrain/best-accuracy');
    const file = [...sceneOf.keys()][0];
    const p = runAsc(['predict', '--run', runDir, path.join(folders, file)]);
    expect(p.status).toBe(0);
    for (const label of TEN) expect(p.stdout).toMatch(new RegExp(`\\b${label} 0\\.\\d{4}\\b`));
    const j = runAsc(['predict', '--run', runDir, path.join(folders, file), '--json']);
    const [prediction] = j.json().predictions as { probabilities: Record<string, number> }[];
    expect(Object.keys(prediction.probabilities)).toEqual(TEN);

    const e = runAsc(['eval', '--run', runDir, '--json']);
    expect(e.status).toBe(0);
    const m = e.json();
    expect(m.classes).toEqual(TEN);
    expect(m.clips).toBe(10);
    expect(m.warnings).toEqual([]);
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(m.confusion).toEqual(record.final.confusion);

    // The same clips in the DCASE layout (the synthetic set, fold 1; their features are in
    // the cache already, which is keyed by content) score by the run's classes; a dataset with a class the model lacks is refused.
    const features = runAsc([
      'features',
      '--dataset',
      synth,
      '--cache',
      path.join(out, 'cache'),
      '--json',
    ]);
    expect(features.json()).toMatchObject({ files: 20, extracted: 0, reused: 20 });
    const csv = runAsc([
      'eval',
      '--run',
      runDir,
      '--dataset',
      synth,
      '--cache',
      path.join(out, 'cache'),
      '--json',
    ]);
    expect(csv.status).toBe(0);
    expect(csv.json()).toMatchObject({ classes: TEN, clips: 10, warnings: [] });
    const foreign = path.join(dir, 'foreign');
    fs.cpSync(synth, foreign, { recursive: true });
    for (const name of [
      'meta.csv',
      'evaluation_setup/fold1_train.csv',
      'evaluation_setup/fold1_evaluate.csv',
    ]) {
      const file = path.join(foreign, name);
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace(/\ttram(\t|\n)/g, '\tharbour$1'),
      );
    }
    const refused = runAsc([
      'eval',
      '--run',
      runDir,
      '--dataset',
      foreign,
      '--cache',
      path.join(out, 'cache'),
      '--json',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.json().error).toContain("the model does not know the class 'harbour'");

    // Another split of the same folders is not the one the run trained on: training
    // refuses to resume on it, eval says so.
    const resume = runAsc(['train', '--run', runDir, '--split-seed', '9', '--json']);
    expect(resume.status).toBe(1);
    expect(resume.json().error).toContain('holds a run with a different dataset split (digest)');
    const other = runAsc(['eval', '--run', runDir, '--split-seed', '9', '--json']);
    expect(other.status).toBe(0);
    expect((other.json().warnings as string[])[0]).toContain(
      'no longer splits as when the run trained',
    );
  });

  it('names the file of a malformed layout, and bad split flags are usage errors', () => {
    const broken = path.join(dir, 'broken');
    fs.cpSync(folders, broken, { recursive: true });
    fs.mkdirSync(path.join(broken, 'audio/harbour'));
    const r = runAsc(['dataset', 'check', broken, '--json']);
    expect(r.status).toBe(1);
    expect(r.json().problems).toEqual([
      expect.objectContaining({ code: 'empty-class', file: 'audio/harbour/' }),
    ]);
    expect(r.stderr).toContain('audio/harbour/: class folder audio/harbour/ holds no audio files');

    const bad = runAsc(['dataset', 'check', folders, '--evaluate-fraction', '1.5']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      '--evaluate-fraction: split evaluateFraction must be between 0 and 1',
    );
    expect(
      runAsc(['dataset', 'synth', '--out', path.join(dir, 'seven'), '--classes', '7']).status,
    ).toBe(2);
  });
});
