import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isAtomicTemp, writeFileAtomicSync, writeJsonAtomicSync } from '@asc/core';
import { SynthError } from '../errors';
import type { LabelCounts } from '../labels';
import { DATASET_FILES } from '../layout-files';
import { planCsvs, planDataset } from './plan';
import { runRenderJobs } from './pool';
import type { RenderJob } from './render-job';

/** Bumped whenever the generator's output changes, so old directories are not taken as complete. */
export const SYNTH_GENERATOR_VERSION = 1;
export const DEFAULT_DIFFICULTY = 0.8;
export const DEFAULT_SYNTH_SECONDS = 10;
export const DEFAULT_SYNTH_RATE_HZ = 48000;
/** The record of how a synthetic dataset was made, in its root. */
export const SYNTH_MANIFEST = 'synth.json';
/**
 * The class sets the generator writes: 3 (TAU 2020 3Class: indoor, outdoor,
 * transportation) or 10 (the ten TAU scenes, each its own class).
 */
export const SYNTH_CLASS_SETS = [3, 10] as const;

export interface SynthOptions {
  outDir: string;
  clips: number;
  seed: number;
  seconds?: number;
  sampleRateHz?: number;
  /** 0 (classes far apart) .. 1 (heavy overlap); default DEFAULT_DIFFICULTY. */
  difficulty?: number;
  /** 3 (default) or 10 classes, see SYNTH_CLASS_SETS. */
  classes?: number;
  /** Worker threads (default: the available cores). */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The parameters that decide every byte of a synthetic dataset. */
export interface SynthParameters {
  generator: number;
  clips: number;
  seed: number;
  seconds: number;
  sampleRateHz: number;
  difficulty: number;
  /** Present for 10 classes only, so that a 3-class synth.json reads as it always did. */
  classes?: 10;
}

export interface SynthReport extends SynthParameters {
  outDir: string;
  /** WAV files rendered by this call. */
  rendered: number;
  /** WAV files already present and complete, kept. */
  kept: number;
  /** True when the directory was already complete and nothing was written. */
  upToDate: boolean;
  threads: number;
  elapsedSeconds: number;
  /** The classes, in class-index order. */
  labels: readonly string[];
  splits: { train: LabelCounts; evaluate: LabelCounts };
  locations: { train: number; evaluate: number };
}

interface Manifest {
  parameters: SynthParameters;
  complete: boolean;
}

function check(condition: boolean, field: string, message: string): void {
  if (!condition) throw new SynthError(`synthesizeDataset: ${field} ${message}`, field);
}

function parametersOf(o: SynthOptions): SynthParameters {
  const p = {
    generator: SYNTH_GENERATOR_VERSION,
    clips: o.clips,
    seed: o.seed,
    seconds: o.seconds ?? DEFAULT_SYNTH_SECONDS,
    sampleRateHz: o.sampleRateHz ?? DEFAULT_SYNTH_RATE_HZ,
    difficulty: o.difficulty ?? DEFAULT_DIFFICULTY,
  };
  const classes = o.classes ?? 3;
  check(
    (SYNTH_CLASS_SETS as readonly number[]).includes(classes),
    'classes',
    `must be ${SYNTH_CLASS_SETS.join(' or ')}, got ${classes}`,
  );
  check(
    Number.isInteger(p.clips) && p.clips >= 2 * classes,
    'clips',
    `must be an integer >= ${2 * classes} (two per class), got ${p.clips}`,
  );
  check(
    Number.isInteger(p.seed) && p.seed >= 0 && p.seed < 2 ** 32,
    'seed',
    `must be an integer in [0, 2^32), got ${p.seed}`,
  );
  check(
    Number.isFinite(p.seconds) && p.seconds >= 2 && p.seconds <= 600,
    'seconds',
    `must be in [2, 600], got ${p.seconds}`,
  );
  check(
    Number.isInteger(p.sampleRateHz) && p.sampleRateHz >= 16000 && p.sampleRateHz <= 192000,
    'sampleRateHz',
    `must be an integer in [16000, 192000], got ${p.sampleRateHz}`,
  );
  check(
    p.difficulty >= 0 && p.difficulty <= 1,
    'difficulty',
    `must be in [0, 1], got ${p.difficulty}`,
  );
  return classes === 10 ? { ...p, classes } : p;
}

function sameParameters(a: SynthParameters, b: SynthParameters): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SynthParameters>;
  return [...keys].every((key) => a[key] === b[key]);
}

function readManifest(file: string): Manifest | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new SynthError(
      `${file}: not a readable synth manifest (${(err as Error).message}); delete the directory to regenerate`,
    );
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

/**
 * Writes a deterministic synthetic dataset in the DCASE layout of TAU 2020 3Class (or,
 * with `classes: 10`, with the ten scenes as classes) to `outDir`:
 * audio/*.wav (24-bit PCM stereo), meta.csv and evaluation_setup/fold1_*.csv. The same
 * parameters give byte-identical files. Resumable: files are written through a
 * temporary and a rename, WAVs already complete are kept, and a directory completed
 * with the same parameters is left as it is. Refuses a directory made with other
 * parameters or holding a dataset it did not make.
 */
export async function synthesizeDataset(options: SynthOptions): Promise<SynthReport> {
  const started = Date.now();
  const parameters = parametersOf(options);
  const outDir = path.resolve(options.outDir);
  const manifestFile = path.join(outDir, SYNTH_MANIFEST);
  const plan = planDataset(parameters.clips, parameters.seed, parameters.classes ?? 3);
  const wavBytes = 44 + Math.round(parameters.seconds * parameters.sampleRateHz) * 2 * 3;
  const previous = readManifest(manifestFile);
  if (previous && !sameParameters(previous.parameters, parameters)) {
    throw new SynthError(
      `${outDir} holds a synthetic dataset made with other parameters ` +
        `(${JSON.stringify(previous.parameters)}); choose another directory or delete it`,
    );
  }
  if (!previous && fs.existsSync(path.join(outDir, DATASET_FILES.meta))) {
    throw new SynthError(
      `${outDir} holds a dataset that has no ${SYNTH_MANIFEST}; refusing to overwrite it`,
    );
  }

  const audioDir = path.join(outDir, 'audio');
  fs.mkdirSync(audioDir, { recursive: true });
  fs.mkdirSync(path.join(outDir, 'evaluation_setup'), { recursive: true });
  for (const name of fs.readdirSync(audioDir)) {
    if (isAtomicTemp(name)) fs.rmSync(path.join(audioDir, name), { force: true });
  }
  const jobs: RenderJob[] = plan.clips
    .map((clip) => ({
      path: path.join(outDir, clip.file),
      spec: {
        scene: clip.scene,
        locationSeed: clip.locationSeed,
        clipSeed: clip.clipSeed,
        seconds: parameters.seconds,
        sampleRateHz: parameters.sampleRateHz,
        difficulty: parameters.difficulty,
      },
    }))
    .filter((job) => fileSize(job.path) !== wavBytes);
  const csvs = planCsvs(plan);
  const csvFiles: [string, string][] = [
    [DATASET_FILES.meta, csvs.meta],
    [DATASET_FILES.train, csvs.train],
    [DATASET_FILES.evaluate, csvs.evaluate],
    [DATASET_FILES.test, csvs.test],
  ];
  const csvsCurrent = csvFiles.every(([file, text]) => {
    try {
      return fs.readFileSync(path.join(outDir, file), 'utf8') === text;
    } catch {
      return false;
    }
  });
  const report = (rendered: number, threads: number): SynthReport => ({
    ...parameters,
    outDir,
    rendered,
    kept: plan.clips.length - rendered,
    upToDate: rendered === 0 && Boolean(previous?.complete) && csvsCurrent,
    threads,
    elapsedSeconds: (Date.now() - started) / 1000,
    labels: plan.labels,
    splits: plan.counts,
    locations: plan.locations,
  });
  if (jobs.length === 0 && previous?.complete && csvsCurrent) {
    return report(0, 0);
  }

  writeJsonAtomicSync(manifestFile, { parameters, complete: false });
  const total = plan.clips.length;
  let done = total - jobs.length;
  options.onProgress?.(done, total);
  const threads = await runRenderJobs(jobs, options.threads ?? os.availableParallelism(), () => {
    done += 1;
    options.onProgress?.(done, total);
  });
  for (const [file, text] of csvFiles) writeFileAtomicSync(path.join(outDir, file), text);
  writeJsonAtomicSync(manifestFile, { parameters, complete: true });
  return report(jobs.length, threads);
}
