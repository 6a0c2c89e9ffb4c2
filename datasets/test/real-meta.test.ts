import * as fs from 'fs';
import * as path from 'path';
import { readDataset, summarizeDataset, TAU_SCENES } from '@asc/datasets';
import { audioFilesOf, removeTempDirs, tempDir } from './tiny-fixture';

// The real metadata of TAU Urban Acoustic Scenes 2020 3Class (no audio), kept outside the
// repository because of the dataset's licence. Counts from its README.
const repoRoot = path.resolve(__dirname, '..', '..');
const metaDir = path.resolve(repoRoot, '../shared/datasets/tau-2020-3class-meta');
const CSVS = [
  'meta.csv',
  'evaluation_setup/fold1_train.csv',
  'evaluation_setup/fold1_evaluate.csv',
  'evaluation_setup/fold1_test.csv',
];
const present = fs.existsSync(path.join(metaDir, 'meta.csv'));
if (!present) {
  console.warn(`real-meta tests skipped: ${metaDir} is absent (it is not part of the repository)`);
}

afterAll(removeTempDirs);

/** A copy of the real CSVs with every text line passed through `edit`, and placeholder audio. */
function copyMeta(edit: (line: string, file: string) => string = (line) => line): string {
  const root = tempDir('real-meta');
  for (const file of CSVS) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    const text = fs.readFileSync(path.join(metaDir, file), 'utf8');
    fs.writeFileSync(
      path.join(root, file),
      text
        .split('\n')
        .map((line) => edit(line, file))
        .join('\n'),
    );
  }
  fs.mkdirSync(path.join(root, 'audio'));
  const files = audioFilesOf(fs.readFileSync(path.join(root, 'meta.csv'), 'utf8'));
  for (const file of files) fs.closeSync(fs.openSync(path.join(root, file), 'w'));
  return root;
}

// Per-scene counts of fold 1, counted with awk over the file-name prefixes of the CSVs.
const SCENE_TRAIN: Record<string, number> = {
  airport: 911,
  bus: 928,
  metro: 902,
  metro_station: 897,
  park: 946,
  public_square: 945,
  shopping_mall: 896,
  street_pedestrian: 924,
  street_traffic: 942,
  tram: 894,
};
const SCENE_EVALUATE: Record<string, number> = {
  airport: 421,
  bus: 415,
  metro: 433,
  metro_station: 435,
  park: 386,
  public_square: 387,
  shopping_mall: 441,
  street_pedestrian: 429,
  street_traffic: 402,
  tram: 436,
};

(present ? describe : describe.skip)('readDataset on the real TAU 2020 3Class metadata', () => {
  it('gives exactly the published counts, with placeholder audio', async () => {
    const root = copyMeta();
    const files = audioFilesOf(fs.readFileSync(path.join(root, 'meta.csv'), 'utf8'));

    const dataset = await readDataset(root);
    expect(dataset.problems).toEqual([]);
    const summary = summarizeDataset(dataset);
    expect(summary).toMatchObject({
      files: 14400,
      layout: 'csv',
      labels: ['indoor', 'outdoor', 'transportation'],
      splits: {
        train: { indoor: 2704, outdoor: 3757, transportation: 2724 },
        evaluate: { indoor: 1297, outdoor: 1604, transportation: 1284 },
        test: { indoor: 1297, outdoor: 1604, transportation: 1284 },
      },
      missingAudio: 0,
      problems: [],
    });
    expect(dataset.clips.filter((c) => c.split === 'none')).toHaveLength(1030);
    expect(new Set(dataset.clips.map((c) => c.scene)).size).toBe(10);
    expect(new Set(dataset.clips.map((c) => c.city)).size).toBe(10);
    const first = dataset.clips[0];
    expect(first).toMatchObject({
      file: 'audio/airport-lisbon-1000-40000-a.wav',
      label: 'indoor',
      scene: 'airport',
      city: 'lisbon',
      location: 'lisbon-1000',
      source: 'a',
      split: 'train',
    });

    // Every file in place but one: the reader notices exactly that one.
    fs.rmSync(path.join(root, files[123]));
    await expect(readDataset(root)).rejects.toThrow(
      `1 of 14400 audio files are missing: ${files[123]}`,
    );
  });

  it('reads the ten scenes of TAU 2020 Mobile as ten classes, under free file names', async () => {
    // Relabel every row with its file's scene (the name's prefix), as the 10-class set
    // labels it, then give every file an opaque name; the CSVs stay consistent.
    const root = copyMeta((line) => {
      const scene = /^audio\/([a-z_]+)-/.exec(line)?.[1];
      const relabelled = scene
        ? line.replace(/\t(indoor|outdoor|transportation)(\t|$)/, `\t${scene}$2`)
        : line;
      return relabelled.replace(
        /audio\/[a-z_]+-[a-z_]+-(\d+)-(\d+)-a\.wav/,
        (_m, location: string, segment: string) => `audio/rec ${segment}_${location}.WAV`,
      );
    });
    const dataset = await readDataset(root);
    expect(dataset.problems).toEqual([]);
    expect(dataset.labels).toEqual([...TAU_SCENES]);
    expect(dataset.labels).toEqual([
      'airport',
      'bus',
      'metro',
      'metro_station',
      'park',
      'public_square',
      'shopping_mall',
      'street_pedestrian',
      'street_traffic',
      'tram',
    ]);
    const summary = summarizeDataset(dataset);
    expect(summary.splits.train).toEqual(SCENE_TRAIN);
    expect(summary.splits.evaluate).toEqual(SCENE_EVALUATE);
    expect(summary.splits.test).toEqual(SCENE_EVALUATE);
    // The location comes from the identifier column: the leakage check still runs.
    expect(dataset.clips[0]).toEqual({
      file: 'audio/rec 40000_1000.WAV',
      path: path.join(root, 'audio/rec 40000_1000.WAV'),
      label: 'airport',
      classIndex: 0,
      split: 'train',
      inTest: false,
      scene: null,
      city: null,
      location: 'lisbon-1000',
      source: 'a',
    });
    expect(dataset.clips[1]).toMatchObject({ label: 'bus', classIndex: 1 });
  });
});
