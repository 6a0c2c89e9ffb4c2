import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Study } from '../src/search/study';
import {
  RETRAIN_ROLES,
  StudyDir,
  StudyDirError,
  resolveStudySettings,
  retrainCandidates,
} from '../src/search/study-dir';
import { SqliteTrialStore } from '../src/store/sqlite-store';
import type { WorkerIdentity } from '../src/store/trial-store';

const WINDOW = { minKiB: 20, maxKiB: 200 };
const who: WorkerIdentity = { worker: 'w:1:0', host: 'w', pid: 1 };

/** A study with complete trials of the given (accuracy, loss), through the store API. */
async function writeStudy(
  store: SqliteTrialStore,
  name: string,
  results: [number, number][],
): Promise<void> {
  const study = await Study.open(store, { name, seed: 3, window: WINDOW });
  for (const [accuracy, loss] of results) {
    const c = await study.claim(who, results.length);
    if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
    await store.finishTrial(c.trial.trialId, who.worker, {
      status: 'complete',
      result: { accuracy, loss, seconds: 1, epochs: [] },
    });
  }
}

describe('StudyDir', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-study-dir-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lays out study.json, trials.sqlite, retrain/<role> and report/', () => {
    const dir = new StudyDir(path.join(root, 'lab'));
    expect(dir.configFile).toBe(path.join(root, 'lab', 'study.json'));
    expect(dir.storeFile).toBe(path.join(root, 'lab', 'trials.sqlite'));
    expect(dir.runDir('best-accuracy')).toBe(path.join(root, 'lab', 'retrain', 'best-accuracy'));
    expect(dir.reportDir).toBe(path.join(root, 'lab', 'report'));
    expect(RETRAIN_ROLES).toEqual(['best-accuracy', 'lowest-loss']);
  });

  it('writes study.json whole and reads it back, keeping fields it does not know', () => {
    const dir = new StudyDir(path.join(root, 'new', 'lab'));
    expect(dir.readConfig()).toBeNull();
    expect(dir.name()).toBe('lab');
    const config = { name: 'paper', seed: 4, window: WINDOW, recipe: { epochs: 3 } };
    dir.writeConfig(config);
    expect(JSON.parse(fs.readFileSync(dir.configFile, 'utf8'))).toEqual(config);
    expect(fs.readdirSync(dir.dir)).toEqual(['study.json']);
    expect(dir.readConfig()).toEqual(config);
    expect(dir.name()).toBe('paper');
  });

  it.each([
    ['{"name": ', /study\.json: not valid JSON/],
    ['[1, 2]', /study\.json: not a JSON object/],
    ['{"seed": "one"}', /study\.json: "seed" must be an integer, got "one"/],
    ['{"window": [250, 500]}', /"window" must be an object \{minKiB, maxKiB\}/],
    ['{"dataset": 7}', /"dataset" must be a path, got 7/],
  ])('refuses an unusable study.json %s, naming the file and the field', (text, message) => {
    const dir = new StudyDir(root);
    fs.writeFileSync(dir.configFile, text);
    expect(() => dir.readConfig()).toThrow(StudyDirError);
    expect(() => dir.readConfig()).toThrow(message);
    expect(() => dir.readConfig()).toThrow(dir.configFile);
  });

  it('resolves a search’s settings: asked for, else study.json’s, else 1 and 250 < KB < 500', () => {
    const paper = {
      sampler: { kind: 'random' },
      pruner: { kind: 'none', maxEpochs: 3, minEpochs: 3, reductionFactor: 3, metric: 'accuracy' },
    };
    expect(resolveStudySettings({}, null)).toEqual({
      seed: 1,
      window: { minKiB: 250, maxKiB: 500 },
      ...paper,
      init: 'pytorch',
    });
    // A study.json from before the sampler, pruner and init options: Glorot's models.
    const stored = { seed: 9, window: WINDOW, dataset: '/d', cache: '/c' };
    expect(resolveStudySettings({}, stored)).toEqual({
      seed: 9,
      window: WINDOW,
      dataset: '/d',
      cache: '/c',
      ...paper,
      init: 'glorot',
    });
    expect(
      resolveStudySettings({ seed: 2, window: { maxKiB: 300 }, cache: '/other' }, stored),
    ).toMatchObject({
      seed: 2,
      window: { minKiB: 20, maxKiB: 300 },
      dataset: '/d',
      cache: '/other',
    });
  });

  it('resolves the sampler and pruner: asked for, else the stored ones, else defaults', () => {
    // ASHA by default: eta 3, rungs down to epochs / eta^2.
    expect(resolveStudySettings({ pruner: { kind: 'asha' }, epochs: 3 }, null).pruner).toEqual({
      kind: 'asha',
      maxEpochs: 3,
      minEpochs: 1 / 3,
      reductionFactor: 3,
      metric: 'accuracy',
    });
    const stored = {
      pruner: {
        kind: 'asha' as const,
        maxEpochs: 9,
        minEpochs: 1,
        reductionFactor: 3,
        metric: 'loss' as const,
      },
      sampler: { kind: 'evolution' as const, population: 10, tournament: 3 },
      init: 'glorot' as const,
    };
    // Nothing asked: the stored study's.
    expect(resolveStudySettings({ epochs: 9 }, stored)).toMatchObject(stored);
    // Another budget: the stored pruner's rungs do not carry over.
    expect(resolveStudySettings({ epochs: 3 }, stored).pruner).toMatchObject({
      kind: 'asha',
      maxEpochs: 3,
      minEpochs: 1 / 3,
    });
    expect(
      resolveStudySettings({ sampler: { kind: 'evolution', tournament: 5 } }, stored).sampler,
    ).toEqual({ kind: 'evolution', population: 10, tournament: 5 });
  });

  it('finds the study a reader means: the named one, else the store’s only one', async () => {
    const dir = new StudyDir(root);
    const store = await dir.openStore();
    try {
      expect(await dir.findStudy(store, undefined)).toBeNull();
      await writeStudy(store, 'a', [[0.5, 0.7]]);
      expect((await dir.findStudy(store, undefined))?.name).toBe('a');
      await writeStudy(store, 'b', [[0.6, 0.6]]);
      expect((await dir.findStudy(store, 'b'))?.name).toBe('b');
      await expect(dir.findStudy(store, undefined)).rejects.toThrow(
        `${dir.storeFile}: holds 2 studies (a, b) and study.json names none`,
      );
      await expect(dir.findStudy(store, 'c')).rejects.toThrow(/no study "c" \(it holds: a, b\)/);
    } finally {
      await store.close();
    }
  });

  it('analyses its study once it holds enough complete trials, with both roles’ candidates', async () => {
    const dir = new StudyDir(path.join(root, 'lab'));
    expect(await dir.completedAnalysis(1)).toBeNull();
    const store = await dir.openStore();
    // Trial 1 has the best accuracy, trial 2 the lowest loss.
    await writeStudy(store, 'lab', [
      [0.7, 0.5],
      [0.9, 0.4],
      [0.8, 0.3],
    ]);
    await store.close();
    expect(await dir.completedAnalysis(4)).toBeNull();
    expect(await dir.completedAnalysis(3, 'other')).toBeNull();
    const analysis = await dir.completedAnalysis(3);
    expect(analysis?.counts.complete).toBe(3);
    const chosen = retrainCandidates(analysis!.selection);
    expect(chosen?.['best-accuracy'].number).toBe(1);
    expect(chosen?.['lowest-loss'].number).toBe(2);
    expect(retrainCandidates({ bestAccuracy: null, lowestLoss: null })).toBeNull();
  });

  it('records the retrained runs in study.json, rewriting it only when they change', () => {
    const dir = new StudyDir(root);
    dir.writeConfig({ name: 'lab', seed: 1 });
    const entry = { trial: 2, archId: 'id_015015_8_1.000', run: 'retrain/best-accuracy' };
    const retrain = {
      'best-accuracy': entry,
      'lowest-loss': { ...entry, sameAs: 'best-accuracy' as const },
    };
    dir.recordRetrainRuns(retrain);
    expect(dir.readConfig()).toEqual({ name: 'lab', seed: 1, retrain });
    const past = new Date(2000, 0, 1);
    fs.utimesSync(dir.configFile, past, past);
    dir.recordRetrainRuns(retrain);
    expect(fs.statSync(dir.configFile).mtimeMs).toBe(past.getTime());
  });
});
