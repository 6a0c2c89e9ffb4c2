import * as fs from 'fs';
import * as path from 'path';
import { DatasetError, readDataset, summarizeDataset, type Dataset } from '@asc/datasets';
import { drawEvaluateGroups } from '../src/split';
import { removeTempDirs, TINY_CSVS, writeFiles, writeTinyDataset } from './tiny-fixture';

afterAll(removeTempDirs);

const META = 'meta.csv';
const TRAIN = 'evaluation_setup/fold1_train.csv';

async function readError(root: string, options = {}): Promise<DatasetError> {
  try {
    await readDataset(root, options);
  } catch (err) {
    if (err instanceof DatasetError) return err;
    throw err;
  }
  throw new Error(`readDataset(${root}) did not throw`);
}

function splitOf(dataset: Dataset): Record<string, string> {
  return Object.fromEntries(dataset.clips.map((c) => [c.file, c.split]));
}

describe('the DCASE CSV layout with free names and labels', () => {
  it('reads any file names and labels; without locations the leakage check is skipped with one warning', async () => {
    const meta = [
      'filename\tscene_label',
      'audio/dawn chorus.flac\tforest',
      'clips/0007.mp3\tforest',
      'x/y/z.wav\tharbour',
      'clips/0009.ogg\tharbour',
      'audio/gull.wav\tharbour',
      '',
    ].join('\n');
    const root = writeTinyDataset({
      [META]: meta,
      [TRAIN]: 'filename\tscene_label\naudio/dawn chorus.flac\tforest\nx/y/z.wav\tharbour\n',
      'evaluation_setup/fold1_evaluate.csv':
        'filename\tscene_label\nclips/0007.mp3\tforest\nclips/0009.ogg\tharbour\n',
      'evaluation_setup/fold1_test.csv': 'filename\nclips/0007.mp3\nclips/0009.ogg\n',
    });
    for (const file of [
      'audio/dawn chorus.flac',
      'clips/0007.mp3',
      'x/y/z.wav',
      'clips/0009.ogg',
      'audio/gull.wav',
    ]) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
    }
    const dataset = await readDataset(root);
    expect(dataset.labels).toEqual(['forest', 'harbour']);
    expect(dataset.clips.map((c) => [c.file, c.label, c.classIndex, c.split])).toEqual([
      ['audio/dawn chorus.flac', 'forest', 0, 'train'],
      ['clips/0007.mp3', 'forest', 0, 'evaluate'],
      ['x/y/z.wav', 'harbour', 1, 'train'],
      ['clips/0009.ogg', 'harbour', 1, 'evaluate'],
      ['audio/gull.wav', 'harbour', 1, 'none'],
    ]);
    expect(dataset.clips[0]).toMatchObject({
      scene: null,
      city: null,
      location: null,
      source: null,
    });
    expect(dataset.problems).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'no-locations' }),
    ]);
    expect(dataset.problems[0].message).toMatch(
      /^4 of 4 clips in the splits have no recording location/,
    );
  });

  it('rejects names outside the dataset root, naming the row', async () => {
    const err = await readError(
      writeTinyDataset({ [META]: TINY_CSVS[META] + '../elsewhere.wav\tindoor\tx-1\ta\n' }),
    );
    expect(err.message).toContain(
      `${META}:13: '../elsewhere.wav' is not a relative path inside the dataset`,
    );
  });

  it('warns that split options do not apply to it', async () => {
    const dataset = await readDataset(writeTinyDataset(), { split: { seed: 4 } });
    expect(dataset.problems.map((p) => p.code)).toEqual(['split-options-ignored']);
    expect(dataset.splitMethod.method).toBe('fold1');
  });
});

describe('the folder layout (audio/<label>/**) with a seeded split', () => {
  // Three classes; 'sea' holds TAU-named clips of three locations, 'birds' three recordings
  // in sub-folders, 'rain' numbered pieces of four recordings plus two loose files.
  const FILES = [
    ...[1, 2, 3].flatMap((loc) =>
      [0, 1].map((seg) => `audio/sea/beach-nice-${100 + loc}-${200 + 2 * loc + seg}-a.wav`),
    ),
    ...['dawn', 'noon', 'dusk'].flatMap((rec) =>
      [1, 2, 3].map((n) => `audio/birds/${rec}/part${n}.FLAC`),
    ),
    ...['roof', 'street', 'tent', 'car'].flatMap((rec) =>
      [1, 2].map((n) => `audio/rain/${rec}-${String(n).padStart(2, '0')}.mp3`),
    ),
    'audio/rain/storm.ogg',
    'audio/rain/drizzle.wav',
  ];

  it('takes the labels from the folders and keeps each recording on one side', async () => {
    const root = writeFiles([...FILES, 'audio/birds/notes.txt', 'audio/.DS_Store']);
    const dataset = await readDataset(root, { split: { seed: 5, evaluateFraction: 0.3 } });
    expect(dataset.layout).toBe('folders');
    expect(dataset.labels).toEqual(['birds', 'rain', 'sea']);
    expect(dataset.clips).toHaveLength(FILES.length);
    expect(dataset.problems).toEqual([
      {
        severity: 'warning',
        code: 'ignored-files',
        message: '1 files are not audio and are ignored: audio/birds/notes.txt',
      },
      // The two loose files of 'rain' are recordings of their own.
      expect.objectContaining({
        code: 'no-locations',
        message: expect.stringMatching(/^2 of 25 /),
      }),
    ]);
    expect(dataset.splitMethod).toMatchObject({
      method: 'seeded',
      seed: 5,
      evaluateFraction: 0.3,
      groups: { location: 6, folder: 9, name: 8, file: 2 },
    });
    const split = splitOf(dataset);
    const sides = (files: string[]): Set<string> => new Set(files.map((f) => split[f]));
    for (const loc of [1, 2, 3]) {
      expect(sides(FILES.filter((f) => f.includes(`-nice-${100 + loc}-`))).size).toBe(1);
    }
    for (const rec of ['dawn', 'noon', 'dusk', 'roof-', 'street-', 'tent-', 'car-']) {
      expect(sides(FILES.filter((f) => f.includes(rec))).size).toBe(1);
    }
    const summary = summarizeDataset(dataset);
    // sea: 3 locations of 2 clips, 30 % is 1.8 clips: one location is nearest whatever the
    // draw; birds: 3 x 3 clips, 2.7: one recording; rain: 4 x 2 + 2 x 1 clips, 3: two or three.
    const { evaluate, train } = summary.splits;
    expect({ ...evaluate, rain: 0 }).toEqual({ birds: 3, rain: 0, sea: 2 });
    expect([2, 3]).toContain(evaluate.rain);
    expect(train).toEqual({ birds: 6, rain: 10 - evaluate.rain, sea: 4 });
    expect(summary.splits.test).toEqual(summary.splits.evaluate);
    const bird = dataset.clips.find((c) => c.file === 'audio/birds/dawn/part1.FLAC');
    expect(bird).toMatchObject({ label: 'birds', classIndex: 0, location: 'birds/dawn/' });
    expect(dataset.clips.find((c) => c.file.endsWith('storm.ogg'))).toMatchObject({
      location: null,
    });
  });

  it('is reproducible from the seed, and another seed draws another split', async () => {
    const root = writeFiles(FILES);
    const a = await readDataset(root, { split: { seed: 5 } });
    const b = await readDataset(writeFiles(FILES), { split: { seed: 5 } });
    expect(splitOf(b)).toEqual(splitOf(a));
    expect(b.splitMethod.digest).toBe(a.splitMethod.digest);
    const seeds = await Promise.all(
      [6, 7, 8, 9].map((seed) => readDataset(root, { split: { seed } })),
    );
    expect(seeds.some((d) => d.splitMethod.digest !== a.splitMethod.digest)).toBe(true);
    // A file added to a class changes the digest a run recorded.
    const more = await readDataset(writeFiles([...FILES, 'audio/sea/extra.wav']), {
      split: { seed: 5 },
    });
    expect(more.splitMethod.digest).not.toBe(a.splitMethod.digest);
  });

  it('splits a class that is one recording file by file, and says the splits share it', async () => {
    const root = writeFiles([
      ...[1, 2, 3, 4].map((n) => `audio/dog/bark_${n}.wav`),
      ...[1, 2, 3, 4].map((n) => `audio/cat/${n}.wav`),
    ]);
    const dataset = await readDataset(root, { split: { evaluateFraction: 0.5 } });
    const summary = summarizeDataset(dataset);
    expect(summary.splits.evaluate).toEqual({ cat: 2, dog: 2 });
    expect(dataset.splitMethod).toMatchObject({
      groups: { location: 0, folder: 0, name: 0, file: 8 },
    });
    expect(dataset.problems.map((p) => p.code)).toEqual(['no-locations', 'shared-location']);
    expect(dataset.problems[0].message).toMatch(/^4 of 8 clips/);
    expect(dataset.problems[1].message).toContain('dog/bark');
  });

  it('rejects an empty class folder and audio outside the class folders, naming them', async () => {
    const root = writeFiles(['audio/dog/a.wav', 'audio/dog/b.wav', 'audio/loose.wav']);
    fs.mkdirSync(path.join(root, 'audio/cat/empty'), { recursive: true });
    const err = await readError(root);
    expect(err.problems.filter((p) => p.severity === 'error')).toEqual([
      {
        severity: 'error',
        code: 'unlabelled-audio',
        message: 'audio/loose.wav is not in a class folder (audio/<label>/); move it into one',
        file: 'audio/loose.wav',
      },
      expect.objectContaining({ code: 'empty-class', file: 'audio/cat/' }),
    ]);
    expect(err.message).toContain('audio/loose.wav: audio/loose.wav is not in a class folder');
    expect(err.problems[1].message).toContain('class folder audio/cat/ holds no audio files');
  });

  it('names what it looked for when a directory has neither layout', async () => {
    const err = await readError(writeFiles(['audio/a.wav']));
    expect(err.problems).toEqual([expect.objectContaining({ code: 'unknown-layout' })]);
    expect(err.message).toContain(
      'neither meta.csv (the DCASE layout) nor class folders audio/<label>/ (the folder layout) found',
    );
  });

  it('refuses split options out of range', async () => {
    const root = writeFiles(FILES);
    await expect(readDataset(root, { split: { evaluateFraction: 1 } })).rejects.toThrow(
      'split evaluateFraction must be between 0 and 1 (exclusive), got 1',
    );
    await expect(readDataset(root, { split: { seed: -1 } })).rejects.toThrow(
      'split seed must be a non-negative integer, got -1',
    );
  });
});

describe('drawEvaluateGroups', () => {
  it('holds out the groups nearest to the fraction, at least one per side, whatever the seed', () => {
    const groups = new Map([
      ['four', ['a', 'b', 'c', 'd'].map((key) => ({ key, clips: 5 }))],
      [
        'two',
        [
          { key: 'x', clips: 1 },
          { key: 'y', clips: 9 },
        ],
      ],
      ['one', [{ key: 'only', clips: 3 }]],
    ]);
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const chosen = drawEvaluateGroups(groups, { seed, evaluateFraction: 0.5 });
      // 4 x 5 clips, half held out: exactly two groups, in any order.
      expect(chosen.get('four')!.size).toBe(2);
      // 1 + 9 clips, a tiny fraction still keeps one group on each side.
      expect(drawEvaluateGroups(groups, { seed, evaluateFraction: 0.01 }).get('two')!.size).toBe(1);
      expect(chosen.get('one')!.size).toBe(0);
    }
    const draws = new Set(
      [0, 1, 2, 3, 4, 5].map((seed) =>
        [...drawEvaluateGroups(groups, { seed, evaluateFraction: 0.5 }).get('four')!].sort().join(),
      ),
    );
    expect(draws.size).toBeGreaterThan(1);
  });
});
