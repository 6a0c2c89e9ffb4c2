import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  DEFAULT_DIFFICULTY,
  readDataset,
  SCENE_LABELS,
  SYNTH_MANIFEST,
  SynthError,
  synthesizeDataset,
  TAU_SCENES,
  type Dataset,
  type SceneLabel,
} from '@asc/datasets';
import { readAudioInfo } from '@asc/native';
import { removeTempDirs, tempDir } from './tiny-fixture';

afterAll(removeTempDirs);

/** Every file under `root`, relative, sorted. */
function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else files.push(relative);
    }
  };
  walk('');
  return files.sort();
}

interface PythonAnalysis {
  header: {
    channels: number;
    sampleWidthBytes: number;
    rateHz: number;
    frames: number;
    compression: string;
  };
  features: Record<string, number>;
}

/** Headers and scene features computed independently by numpy (test/scene_features.py). */
function analyse(root: string, files: string[]): Record<string, PythonAnalysis> {
  const script = path.join(__dirname, 'scene_features.py');
  const stdout = execFileSync('python3', [script, root, ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(stdout) as Record<string, PythonAnalysis>;
}

describe('synthesizeDataset', () => {
  const options = { clips: 12, seed: 11, seconds: 2 };
  let first: string;
  let dataset: Dataset;

  beforeAll(async () => {
    first = tempDir('synth-a');
    await synthesizeDataset({ outDir: first, ...options });
    dataset = await readDataset(first);
  });

  it('gives byte-identical files for the same seed, and other audio for another seed', async () => {
    const second = tempDir('synth-b');
    const progress: number[] = [];
    const report = await synthesizeDataset({
      outDir: second,
      ...options,
      onProgress: (done) => progress.push(done),
    });
    expect(report).toMatchObject({ rendered: 12, kept: 0, upToDate: false, seed: 11, clips: 12 });
    expect(progress[progress.length - 1]).toBe(12);
    const files = listFiles(first);
    expect(listFiles(second)).toEqual(files);
    expect(files.filter((f) => f.endsWith('.wav'))).toHaveLength(12);
    for (const file of files) {
      expect(
        fs.readFileSync(path.join(second, file)).equals(fs.readFileSync(path.join(first, file))),
      ).toBe(true);
    }
    const other = tempDir('synth-c');
    await synthesizeDataset({ outDir: other, ...options, seed: 12 });
    const otherDataset = await readDataset(other);
    const sameName = otherDataset.clips.filter((c) => fs.existsSync(path.join(first, c.file)));
    for (const clip of sameName) {
      expect(fs.readFileSync(clip.path).equals(fs.readFileSync(path.join(first, clip.file)))).toBe(
        false,
      );
    }
    expect(fs.readFileSync(path.join(other, 'meta.csv'), 'utf8')).not.toBe(
      fs.readFileSync(path.join(first, 'meta.csv'), 'utf8'),
    );
  });

  it('writes the TAU 2020 3Class layout with balanced classes and a location-disjoint split', () => {
    expect(dataset.problems).toEqual([]);
    expect(listFiles(first).filter((f) => !f.startsWith('audio/'))).toEqual([
      'evaluation_setup/fold1_evaluate.csv',
      'evaluation_setup/fold1_test.csv',
      'evaluation_setup/fold1_train.csv',
      'meta.csv',
      SYNTH_MANIFEST,
    ]);
    expect(fs.readFileSync(path.join(first, 'meta.csv'), 'utf8').split('\n')[0]).toBe(
      'filename\tscene_label\tidentifier\tsource_label',
    );
    for (const clip of dataset.clips) {
      expect(clip.file).toMatch(/^audio\/[a-z_]+-[a-z]+-\d{4}-\d{5}-a\.wav$/);
      expect(clip.split).not.toBe('none');
      expect(clip.inTest).toBe(clip.split === 'evaluate');
    }
    const perClass = (label: SceneLabel): number =>
      dataset.clips.filter((c) => c.label === label).length;
    expect(SCENE_LABELS.map(perClass)).toEqual([4, 4, 4]);
    const locations = (split: 'train' | 'evaluate'): Set<string | null> =>
      new Set(dataset.clips.filter((c) => c.split === split).map((c) => c.location));
    const train = locations('train');
    expect([...locations('evaluate')].filter((l) => train.has(l))).toEqual([]);
    for (const label of SCENE_LABELS) {
      const ofClass = dataset.clips.filter((c) => c.label === label);
      expect(ofClass.some((c) => c.split === 'train')).toBe(true);
      expect(ofClass.some((c) => c.split === 'evaluate')).toBe(true);
    }
  });

  it('writes ten classes, the ten TAU scenes, with --classes 10', async () => {
    const dir = tempDir('synth-ten');
    const report = await synthesizeDataset({
      outDir: dir,
      clips: 20,
      seed: 4,
      seconds: 2,
      classes: 10,
    });
    expect(report.labels).toEqual([...TAU_SCENES]);
    const ten = await readDataset(dir);
    expect(ten.problems).toEqual([]);
    expect(ten.labels).toEqual([...TAU_SCENES]);
    for (const clip of ten.clips) {
      // The label is the scene the file name starts with.
      expect(clip.file.startsWith(`audio/${clip.label}-`)).toBe(true);
      expect(clip.scene).toBe(clip.label);
    }
    for (const label of TAU_SCENES) {
      const ofClass = ten.clips.filter((c) => c.label === label);
      expect(ofClass).toHaveLength(2);
      expect(ofClass.map((c) => c.split).sort()).toEqual(['evaluate', 'train']);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, SYNTH_MANIFEST), 'utf8'));
    expect(manifest.parameters.classes).toBe(10);
    // The 3-class manifest reads as before 10 classes existed: no classes key.
    const three = JSON.parse(fs.readFileSync(path.join(first, SYNTH_MANIFEST), 'utf8'));
    expect(Object.keys(three.parameters)).toEqual([
      'generator',
      'clips',
      'seed',
      'seconds',
      'sampleRateHz',
      'difficulty',
    ]);
  });

  it('splits about 70/30 by location at the default size', async () => {
    const plan = (await import('@asc/datasets')).planDataset(200, 1);
    const evaluate = plan.clips.filter((c) => c.split === 'evaluate').length;
    expect(evaluate / 200).toBeGreaterThan(0.25);
    expect(evaluate / 200).toBeLessThan(0.35);
    for (const label of SCENE_LABELS) {
      const n = plan.clips.filter((c) => c.label === label).length;
      expect(n === 66 || n === 67).toBe(true);
    }
  });

  it('writes 48 kHz 24-bit stereo PCM of the asked length (read by Python too)', async () => {
    const files = dataset.clips.map((c) => c.file);
    const python = analyse(first, files);
    for (const clip of dataset.clips) {
      expect(await readAudioInfo(clip.path)).toMatchObject({
        format: 'wav/pcm24',
        sampleRateHz: 48000,
        channels: 2,
        frames: 96000,
        truncated: false,
      });
      expect(python[clip.file].header).toEqual({
        channels: 2,
        sampleWidthBytes: 3,
        rateHz: 48000,
        frames: 96000,
        compression: 'NONE',
      });
    }
  });

  it('honours the sample rate and length options', async () => {
    const dir = tempDir('synth-rate');
    await synthesizeDataset({ outDir: dir, clips: 6, seed: 3, seconds: 3, sampleRateHz: 16000 });
    const clips = (await readDataset(dir)).clips;
    expect(clips).toHaveLength(6);
    for (const clip of clips) {
      expect(await readAudioInfo(clip.path)).toMatchObject({
        format: 'wav/pcm24',
        sampleRateHz: 16000,
        channels: 2,
        frames: 48000,
      });
    }
  });

  it('resumes an interrupted run and leaves a complete directory alone', async () => {
    const dir = tempDir('synth-resume');
    await synthesizeDataset({ outDir: dir, ...options });
    const victim = dataset.clips[5].file;
    fs.rmSync(path.join(dir, victim));
    const stale = path.join(dir, 'audio', `.${path.basename(victim)}.999.1.tmp`);
    fs.writeFileSync(stale, 'half a wav');
    const manifest = path.join(dir, SYNTH_MANIFEST);
    fs.writeFileSync(
      manifest,
      fs.readFileSync(manifest, 'utf8').replace('"complete": true', '"complete": false'),
    );

    const resumed = await synthesizeDataset({ outDir: dir, ...options });
    expect(resumed).toMatchObject({ rendered: 1, kept: 11, upToDate: false });
    expect(fs.existsSync(stale)).toBe(false);
    expect(
      fs.readFileSync(path.join(dir, victim)).equals(fs.readFileSync(path.join(first, victim))),
    ).toBe(true);

    const before = listFiles(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs);
    const again = await synthesizeDataset({ outDir: dir, ...options });
    expect(again).toMatchObject({ rendered: 0, kept: 12, upToDate: true });
    expect(listFiles(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs)).toEqual(before);
  });

  it('refuses other parameters on a finished directory, foreign datasets and bad options', async () => {
    await expect(synthesizeDataset({ outDir: first, ...options, seed: 99 })).rejects.toThrow(
      /holds a synthetic dataset made with other parameters/,
    );
    const foreign = tempDir('synth-foreign');
    fs.writeFileSync(path.join(foreign, 'meta.csv'), 'filename\tscene_label\n');
    await expect(synthesizeDataset({ outDir: foreign, ...options })).rejects.toThrow(
      /has no synth.json/,
    );
    const bad: [Record<string, number>, string][] = [
      [{ clips: 5 }, 'clips'],
      [{ clips: 12.5 }, 'clips'],
      [{ seed: -1 }, 'seed'],
      [{ seconds: 0 }, 'seconds'],
      [{ sampleRateHz: 8000 }, 'sampleRateHz'],
      [{ difficulty: 1.5 }, 'difficulty'],
      [{ classes: 5 }, 'classes'],
      [{ classes: 10, clips: 19 }, 'clips'],
    ];
    for (const [change, field] of bad) {
      const attempt = synthesizeDataset({ outDir: tempDir('synth-bad'), ...options, ...change });
      await expect(attempt).rejects.toBeInstanceOf(SynthError);
      await expect(attempt).rejects.toMatchObject({ field });
    }
  });
});

describe('synthetic classes', () => {
  /**
   * For each pair of classes, the largest |mean difference| / (sd_a + sd_b) over the
   * independently computed features: above 1, the class means lie further apart than
   * the classes spread.
   */
  async function separations(difficulty: number): Promise<number[]> {
    const dir = tempDir(`synth-classes-${difficulty}`);
    await synthesizeDataset({ outDir: dir, clips: 36, seed: 21, seconds: 3, difficulty });
    const clips = (await readDataset(dir)).clips;
    const analysis = analyse(
      dir,
      clips.map((c) => c.file),
    );
    const names = Object.keys(analysis[clips[0].file].features);
    const stats = (label: SceneLabel, name: string): [number, number] => {
      const values = clips
        .filter((c) => c.label === label)
        .map((c) => analysis[c.file].features[name]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
      return [mean, sd];
    };
    const pairs: [SceneLabel, SceneLabel][] = [
      ['indoor', 'outdoor'],
      ['indoor', 'transportation'],
      ['outdoor', 'transportation'],
    ];
    return pairs.map(([a, b]) =>
      Math.max(
        ...names.map((name) => {
          const [meanA, sdA] = stats(a, name);
          const [meanB, sdB] = stats(b, name);
          return Math.abs(meanA - meanB) / (sdA + sdB);
        }),
      ),
    );
  }

  it('differ beyond their spread when easy, overlap more as difficulty rises', async () => {
    const easy = await separations(0);
    const usual = await separations(DEFAULT_DIFFICULTY);
    const hard = await separations(1);
    console.log(
      `best feature separation per class pair: easy ${easy}, default ${usual}, hard ${hard}`,
    );
    for (const s of easy) expect(s).toBeGreaterThan(1);
    for (const s of usual) expect(s).toBeGreaterThan(0.5);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(easy)).toBeGreaterThan(sum(hard) * 1.3);
  });
});
