import * as fs from 'fs';
import * as path from 'path';
import { readCsvLayout } from './csv-layout';
import { AudioError, readAudioInfo, type AudioSource } from '@asc/native';
import { DatasetError, type DatasetProblem } from './errors';
import { isDirectory, readFolderLayout } from './folder-layout';
import { emptyLabelCounts, totalOf, type LabelCounts } from './labels';
import { AUDIO_DIR, DATASET_FILES } from './layout-files';
import { examples, ProblemLog } from './problems';
import { splitDigest, type SplitOptions } from './split';

/** Which fold-1 split a clip belongs to; 'none' for files listed only in meta.csv. */
export type Split = 'train' | 'evaluate' | 'none';

/**
 * 'csv': the DCASE layout (meta.csv and evaluation_setup/fold1_*.csv, any file names);
 * 'folders': a folder of audio files per class (audio/<label>/**) and a seeded split.
 */
export type DatasetLayout = 'csv' | 'folders';

/** One audio clip of a dataset. */
export interface ClipRecord {
  /** Relative to the dataset root, '/'-separated, as in the CSVs: 'audio/bus-lyon-1001-40001-a.wav'. */
  file: string;
  /** Absolute path of the audio file. */
  path: string;
  label: string;
  /** Position of `label` in the dataset's `labels`. */
  classIndex: number;
  split: Split;
  /** Listed in fold1_test.csv (the evaluate files without labels); the folder layout's evaluate clips. */
  inTest: boolean;
  /** Original 10-scene label (the prefix of a TAU file name), e.g. 'bus'; null for other names. */
  scene: string | null;
  /** From a TAU file name; null for other names. */
  city: string | null;
  /**
   * What a clip shares with others recorded in the same place or session, kept on one side
   * of the split: meta.csv's identifier ('lyon-1001' = city-location), a TAU file name's
   * location, or the folder layout's recording (sub-folder or numbered name); null when
   * nothing tells.
   */
  location: string | null;
  /** Recording device, e.g. 'a' (source_label, or a TAU file name); null when unknown. */
  source: string | null;
}

/** How clips of the same recording (location) were recognised by the folder layout's split. */
export type RecordingGroups = {
  /** Clips grouped by the location in a TAU file name. */
  location: number;
  /** Clips grouped by their sub-folder of the class folder. */
  folder: number;
  /** Clips grouped by a shared name with a trailing number ('walk-01.wav', 'walk-02.wav'). */
  name: number;
  /** Clips split on their own: nothing tied them to others. */
  file: number;
};

/** How the train/evaluate split was made: fold 1 of the CSVs, or drawn with a seed. */
export type SplitDraw =
  { method: 'fold1' } | ({ method: 'seeded'; groups: RecordingGroups } & SplitOptions);

/** How the train/evaluate split was made, and a digest of the result. */
export type SplitMethod = SplitDraw & {
  /** splitDigest of the clips: which file is in which split, with which label. */
  digest: string;
};

export interface Dataset {
  /** Absolute path of the dataset root. */
  root: string;
  layout: DatasetLayout;
  /** The classes, in class-index order (see orderLabels). */
  labels: string[];
  /** Every usable clip, in file order (meta.csv's, or the folders' sorted paths). */
  clips: ClipRecord[];
  splitMethod: SplitMethod;
  problems: DatasetProblem[];
  /** Files listed in meta.csv whose audio is absent (empty unless audio was checked). */
  missingAudio: string[];
}

export interface ReadDatasetOptions {
  /** Check that every listed audio file exists (default true). */
  checkAudio?: boolean;
  /**
   * Also read every present audio file's header (with the native addon's libsndfile
   * reader, any format it reads; without the addon, WAV): unreadable or truncated files
   * are errors, and a mix of formats (format, rate, channels, length) is a warning
   * (default false).
   */
  checkHeaders?: boolean;
  /**
   * The folder layout's split (default DEFAULT_SPLIT). Given for a CSV-layout dataset,
   * it is ignored with a warning: the CSVs' fold 1 is the split.
   */
  split?: Partial<SplitOptions>;
}

/** What a layout reader returns: the clips with their splits, and where each split is defined. */
export interface LayoutContent {
  labels: string[];
  clips: ClipRecord[];
  splitMethod: SplitDraw;
  /** The file a split-level problem names: the split's CSV, or the audio folder. */
  splitFiles: Record<'train' | 'evaluate', string>;
}

/**
 * The layout of the dataset at `root`: 'csv' when it has meta.csv, 'folders' when it has
 * class folders under audio/; a DatasetError saying what was looked for otherwise.
 */
export function detectLayout(root: string): DatasetLayout {
  const absolute = path.resolve(root);
  if (fs.existsSync(path.join(absolute, DATASET_FILES.meta))) return 'csv';
  let folders = 0;
  try {
    folders = fs
      .readdirSync(path.join(absolute, AUDIO_DIR), { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.') && isDirectory(absolute, d)).length;
  } catch {
    folders = 0;
  }
  if (folders > 0) return 'folders';
  throw new DatasetError(absolute, [
    {
      severity: 'error',
      code: 'unknown-layout',
      message:
        `neither ${DATASET_FILES.meta} (the DCASE layout) nor class folders ` +
        `${AUDIO_DIR}/<label>/ (the folder layout) found`,
      file: DATASET_FILES.meta,
    },
  ]);
}

/** Names in `files` that are absent on disk, listing each directory once. */
function findMissing(root: string, files: string[]): string[] {
  const listings = new Map<string, Set<string>>();
  const missing: string[] = [];
  for (const file of files) {
    const dir = path.dirname(file);
    let names = listings.get(dir);
    if (!names) {
      try {
        names = new Set(fs.readdirSync(path.join(root, dir)));
      } catch {
        names = new Set();
      }
      listings.set(dir, names);
    }
    if (!names.has(path.basename(file))) missing.push(file);
  }
  return missing;
}

/**
 * Reads a dataset in either layout and reports every problem found, without throwing for
 * them. Throws DatasetError only when the layout cannot be read at all (no layout; a CSV
 * missing, empty or without its columns), since nothing can be counted then.
 */
export async function inspectDataset(
  root: string,
  options: ReadDatasetOptions = {},
): Promise<Dataset> {
  const absoluteRoot = path.resolve(root);
  const log = new ProblemLog();
  const layout = detectLayout(absoluteRoot);
  const content =
    layout === 'csv'
      ? readCsvLayout(absoluteRoot, log)
      : readFolderLayout(absoluteRoot, options.split, log);
  if (layout === 'csv' && options.split !== undefined) {
    log.add({
      severity: 'warning',
      code: 'split-options-ignored',
      message:
        'a split seed or evaluate fraction applies to the folder layout only: ' +
        `this dataset's split is ${DATASET_FILES.train} and ${DATASET_FILES.evaluate}`,
    });
  }
  const { clips, labels } = content;
  checkSplits(content, log);

  const missingAudio =
    options.checkAudio === false
      ? []
      : findMissing(
          absoluteRoot,
          clips.map((c) => c.file),
        );
  if (missingAudio.length > 0) {
    log.add({
      severity: 'error',
      code: 'missing-audio',
      message: `${missingAudio.length} of ${clips.length} audio files are missing: ${examples(missingAudio)}`,
    });
  }
  if (options.checkHeaders) {
    const missing = new Set(missingAudio);
    await checkAudioHeaders(
      clips.filter((c) => !missing.has(c.file)),
      log,
    );
  }
  return {
    root: absoluteRoot,
    layout,
    labels,
    clips,
    splitMethod: { ...content.splitMethod, digest: splitDigest(clips) },
    problems: log.list(),
    missingAudio,
  };
}

// Headers read at a time: the addon reads them on libuv's threads.
const HEADER_BATCH = 16;

/** Reads each clip's audio header; logs unreadable or truncated files and a mix of formats. */
async function checkAudioHeaders(clips: ClipRecord[], log: ProblemLog): Promise<void> {
  const formats = new Map<string, number>();
  for (let start = 0; start < clips.length; start += HEADER_BATCH) {
    const batch = clips.slice(start, start + HEADER_BATCH);
    const infos = await Promise.all(
      batch.map((clip) => readAudioInfo(clip.path).catch((err: unknown) => err)),
    );
    batch.forEach((clip, i) => {
      const info = infos[i];
      if (info instanceof AudioError) {
        log.add({ severity: 'error', code: 'bad-audio', message: info.detail, file: clip.file });
        return;
      }
      if (info instanceof Error) throw info;
      const h = info as AudioSource;
      if (h.truncated) {
        log.add({
          severity: 'error',
          code: 'bad-audio',
          message: `truncated: ${h.truncation} (asc features --allow-truncated uses what is there)`,
          file: clip.file,
        });
        return;
      }
      const format =
        `${h.format}, ${h.sampleRateHz} Hz, ${h.channels} ch, ` +
        `${(h.frames / h.sampleRateHz).toFixed(3)} s`;
      formats.set(format, (formats.get(format) ?? 0) + 1);
    });
  }
  if (formats.size > 1) {
    const counts = [...formats]
      .sort((a, b) => b[1] - a[1])
      .map(([format, n]) => `${n} x ${format}`);
    log.add({
      severity: 'warning',
      code: 'mixed-audio-formats',
      message: `audio files differ in format: ${counts.join('; ')}`,
    });
  }
}

/**
 * Split-level checks: empty splits, absent classes, and recording locations in both splits
 * (skipped, with one warning, for clips whose location nothing tells).
 */
function checkSplits(content: LayoutContent, log: ProblemLog): void {
  const { labels, clips, splitFiles } = content;
  const locations = { train: new Set<string>(), evaluate: new Set<string>() };
  const counts = { train: emptyLabelCounts(labels), evaluate: emptyLabelCounts(labels) };
  let unlocated = 0;
  let inSplits = 0;
  for (const clip of clips) {
    if (clip.split === 'none') continue;
    inSplits += 1;
    if (clip.location === null) unlocated += 1;
    else locations[clip.split].add(clip.location);
    counts[clip.split][clip.label] += 1;
  }
  for (const split of ['train', 'evaluate'] as const) {
    if (totalOf(counts[split]) === 0) {
      log.add({
        severity: 'error',
        code: 'empty-split',
        message: `no usable clips in the ${split} split`,
        file: splitFiles[split],
      });
      continue;
    }
    const absent = labels.filter((label) => counts[split][label] === 0);
    if (absent.length > 0) {
      log.add({
        severity: 'warning',
        code: 'missing-class',
        message: `the ${split} split has no ${absent.join(' or ')} clips`,
        file: splitFiles[split],
      });
    }
  }
  if (unlocated > 0) {
    const how =
      content.splitMethod.method === 'seeded'
        ? 'no TAU-style name, sub-folder or numbered name'
        : 'no identifier column or TAU-style name';
    log.add({
      severity: 'warning',
      code: 'no-locations',
      message:
        `${unlocated} of ${inSplits} clips in the splits have no recording location (${how}): ` +
        'the check that train and evaluate share no location is skipped for them',
    });
  }
  const shared = [...locations.train].filter((location) => locations.evaluate.has(location));
  if (shared.length > 0) {
    log.add({
      severity: 'warning',
      code: 'shared-location',
      message:
        `${shared.length} recording locations appear in both train and evaluate ` +
        `(${examples(shared)}): evaluate accuracy will be optimistic`,
    });
  }
}

/** Reads a dataset; throws DatasetError (carrying every problem) when it is unusable. */
export async function readDataset(
  root: string,
  options: ReadDatasetOptions = {},
): Promise<Dataset> {
  const dataset = await inspectDataset(root, options);
  if (dataset.problems.some((p) => p.severity === 'error')) {
    throw new DatasetError(dataset.root, dataset.problems);
  }
  return dataset;
}

/** The clips of one split, in the dataset's order. */
export function clipsOfSplit(dataset: Dataset, split: 'train' | 'evaluate'): ClipRecord[] {
  return dataset.clips.filter((clip) => clip.split === split);
}

/** Counts per split and class: the figures `asc dataset check` prints. */
export interface DatasetSummary {
  files: number;
  layout: DatasetLayout;
  labels: string[];
  splits: { train: LabelCounts; evaluate: LabelCounts; test: LabelCounts };
  splitMethod: SplitMethod;
  missingAudio: number;
  problems: DatasetProblem[];
}

export function summarizeDataset(dataset: Dataset): DatasetSummary {
  const { labels } = dataset;
  const splits = {
    train: emptyLabelCounts(labels),
    evaluate: emptyLabelCounts(labels),
    test: emptyLabelCounts(labels),
  };
  for (const clip of dataset.clips) {
    if (clip.split !== 'none') splits[clip.split][clip.label] += 1;
    if (clip.inTest) splits.test[clip.label] += 1;
  }
  return {
    files: dataset.clips.length,
    layout: dataset.layout,
    labels,
    splits,
    splitMethod: dataset.splitMethod,
    missingAudio: dataset.missingAudio.length,
    problems: dataset.problems,
  };
}
