import * as fs from 'fs';
import * as path from 'path';
import { readDataset, summarizeDataset } from '@asc/datasets';
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

(present ? describe : describe.skip)('readDataset on the real TAU 2020 3Class metadata', () => {
  it('gives exactly the published counts, with placeholder audio', async () => {
    const root = tempDir('real-meta');
    for (const file of CSVS) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.copyFileSync(path.join(metaDir, file), path.join(root, file));
    }
    fs.mkdirSync(path.join(root, 'audio'));
    const files = audioFilesOf(fs.readFileSync(path.join(root, 'meta.csv'), 'utf8'));
    for (const file of files) fs.closeSync(fs.openSync(path.join(root, file), 'w'));

    const dataset = await readDataset(root);
    expect(dataset.problems).toEqual([]);
    const summary = summarizeDataset(dataset);
    expect(summary).toEqual({
      files: 14400,
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
});
