import * as fs from 'fs';
import * as path from 'path';
import { AudioError, readAudioInfo, type AudioSource } from '@asc/native';
import { DatasetError, type DatasetProblem } from './errors';
import {
  emptyLabelCounts,
  isSceneLabel,
  SCENE_CLASS,
  SCENE_LABELS,
  type LabelCounts,
  type SceneLabel,
} from './labels';
import { ProblemLog } from './problems';
import { columnsOf, readTsv, type TsvTable } from './tsv';

/** Which fold-1 split a clip belongs to; 'none' for files listed only in meta.csv. */
export type Split = 'train' | 'evaluate' | 'none';

/** One audio clip of a DCASE/TAU-layout dataset. */
export interface ClipRecord {
  /** Relative to the dataset root, exactly as in the CSVs: 'audio/bus-lyon-1001-40001-a.wav'. */
  file: string;
  /** Absolute path of the audio file. */
  path: string;
  label: SceneLabel;
  /** Position of `label` in SCENE_LABELS. */
  classIndex: number;
  split: Split;
  /** Listed in fold1_test.csv (the evaluate files without labels). */
  inTest: boolean;
  /** Original 10-scene label (the file-name prefix), e.g. 'bus'. */
  scene: string;
  city: string;
  /** Recording location, identifier 'lyon-1001' = city-location. */
  location: string;
  /** Recording device, e.g. 'a'. */
  source: string;
}

export interface Dataset {
  /** Absolute path of the dataset root. */
  root: string;
  /** Every usable row of meta.csv, in file order. */
  clips: ClipRecord[];
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
}

/** The CSV files of the layout, relative to the dataset root. */
export const DATASET_FILES = {
  meta: 'meta.csv',
  train: 'evaluation_setup/fold1_train.csv',
  evaluate: 'evaluation_setup/fold1_evaluate.csv',
  test: 'evaluation_setup/fold1_test.csv',
} as const;

/** How many example names a problem message lists. */
const EXAMPLES = 5;

export interface ClipName {
  scene: string;
  city: string;
  location: string;
  segment: string;
  source: string;
}

/** Splits 'audio/<scene>-<city>-<location>-<segment>-<source>.wav' into its parts. */
export function parseClipName(file: string): ClipName | undefined {
  const match = /^(?:.*\/)?([a-z_]+)-([a-z_]+)-(\d+)-(\d+)-([a-z0-9]+)\.wav$/i.exec(file);
  if (!match) return undefined;
  const [, scene, city, location, segment, source] = match;
  return { scene, city, location: `${city}-${location}`, segment, source };
}

function examples(names: Iterable<string>): string {
  const list = [...names];
  const shown = list.slice(0, EXAMPLES).join(', ');
  return list.length > EXAMPLES ? `${shown}, ...` : shown;
}

/** A row with fewer fields than the header, or an empty file name or label. */
function logBadRow(log: ProblemLog, table: TsvTable, line: number, fieldCount: number): void {
  log.add({
    severity: 'error',
    code: 'bad-row',
    message: `expected ${table.header.length} tab-separated fields, found ${fieldCount}`,
    file: table.file,
    line,
  });
}

/**
 * A file listed a second time: an exact repeat is a warning (and ignored), a repeat that
 * disagrees is an error; `conflict` says how it disagrees.
 */
function logRepeatedRow(
  log: ProblemLog,
  at: { file: string; line: number },
  file: string,
  firstLine: number,
  repeat: { same: boolean; conflict: string },
): void {
  log.add({
    severity: repeat.same ? 'warning' : 'error',
    code: repeat.same ? 'duplicate-row' : 'conflicting-row',
    message: repeat.same
      ? `${file} is listed again (first at line ${firstLine}); the repeat is ignored`
      : `${file} is listed again ${repeat.conflict}`,
    ...at,
  });
}

function logUnknownLabel(
  log: ProblemLog,
  at: { file: string; line: number },
  file: string,
  label: string,
): void {
  log.add({
    severity: 'error',
    code: 'unknown-label',
    message: `unknown scene label '${label}' for ${file} (expected ${SCENE_LABELS.join(', ')})`,
    ...at,
  });
}

/** A split CSV lists a file that meta.csv does not (or whose meta.csv row was unusable). */
function logNotInMeta(log: ProblemLog, at: { file: string; line: number }, file: string): void {
  log.add({
    severity: 'error',
    code: 'not-in-meta',
    message: `${file} is not a usable row of meta.csv`,
    ...at,
  });
}

interface SplitRow {
  line: number;
  label?: string;
}

/** Reads one of the split CSVs into file -> row, logging malformed and duplicate rows. */
function readSplitTable(
  root: string,
  table: TsvTable,
  withLabel: boolean,
  log: ProblemLog,
): Map<string, SplitRow> {
  const columns = withLabel
    ? columnsOf(root, table, ['filename', 'scene_label'])
    : columnsOf(root, table, ['filename']);
  const labelColumn = (columns as Partial<Record<'scene_label', number>>).scene_label;
  const rows = new Map<string, SplitRow>();
  for (const { line, fields } of table.rows) {
    const file = fields[columns.filename] ?? '';
    const label = labelColumn === undefined ? undefined : fields[labelColumn];
    if (fields.length < table.header.length || file === '' || label === '') {
      logBadRow(log, table, line, fields.length);
      continue;
    }
    const earlier = rows.get(file);
    if (earlier) {
      logRepeatedRow(log, { file: table.file, line }, file, earlier.line, {
        same: earlier.label === label,
        conflict: `with label '${label}' (line ${earlier.line} says '${earlier.label}')`,
      });
      continue;
    }
    rows.set(file, { line, label });
  }
  return rows;
}

/** Reads meta.csv into clip records (split not yet assigned). */
function readMeta(root: string, log: ProblemLog): Map<string, ClipRecord & { line: number }> {
  const table = readTsv(root, DATASET_FILES.meta);
  const columns = columnsOf(
    root,
    table,
    ['filename', 'scene_label'],
    ['identifier', 'source_label'],
  );
  const clips = new Map<string, ClipRecord & { line: number }>();
  const firstFields = new Map<string, { line: number; text: string }>();
  for (const { line, fields } of table.rows) {
    const at = { file: table.file, line };
    const file = fields[columns.filename] ?? '';
    const label = fields[columns.scene_label] ?? '';
    if (fields.length < table.header.length || file === '' || label === '') {
      logBadRow(log, table, line, fields.length);
      continue;
    }
    const text = fields.join('\t');
    const earlier = firstFields.get(file);
    if (earlier) {
      logRepeatedRow(log, at, file, earlier.line, {
        same: earlier.text === text,
        conflict: `with different fields (first at line ${earlier.line})`,
      });
      continue;
    }
    firstFields.set(file, { line, text });
    if (!isSceneLabel(label)) {
      logUnknownLabel(log, at, file, label);
      continue;
    }
    const name = parseClipName(file);
    if (!name) {
      log.add({
        severity: 'error',
        code: 'bad-filename',
        message: `'${file}' does not look like audio/<scene>-<city>-<location>-<segment>-<device>.wav`,
        ...at,
      });
      continue;
    }
    const identifier =
      columns.identifier === undefined ? name.location : fields[columns.identifier];
    if (identifier !== name.location) {
      log.add({
        severity: 'warning',
        code: 'identifier-mismatch',
        message: `identifier '${identifier}' differs from the file name's '${name.location}' for ${file}`,
        ...at,
      });
    }
    const sceneClass = SCENE_CLASS[name.scene];
    if (sceneClass !== undefined && sceneClass !== label) {
      log.add({
        severity: 'warning',
        code: 'scene-label-mismatch',
        message: `${file}: scene '${name.scene}' belongs to '${sceneClass}', but the label is '${label}'`,
        ...at,
      });
    }
    clips.set(file, {
      file,
      path: path.join(root, file),
      label,
      classIndex: SCENE_LABELS.indexOf(label),
      split: 'none',
      inTest: false,
      scene: name.scene,
      city: name.city,
      location: identifier,
      source: columns.source_label === undefined ? name.source : fields[columns.source_label],
      line,
    });
  }
  return clips;
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
 * Reads a dataset in the TAU Urban Acoustic Scenes 2020 3Class layout and reports every
 * problem found, without throwing for them. Throws DatasetError only when a CSV is
 * missing, empty or lacks its columns, since nothing can be counted then.
 */
export async function inspectDataset(
  root: string,
  options: ReadDatasetOptions = {},
): Promise<Dataset> {
  const absoluteRoot = path.resolve(root);
  const log = new ProblemLog();
  const meta = readMeta(absoluteRoot, log);
  const train = readSplitTable(absoluteRoot, readTsv(absoluteRoot, DATASET_FILES.train), true, log);
  const evaluate = readSplitTable(
    absoluteRoot,
    readTsv(absoluteRoot, DATASET_FILES.evaluate),
    true,
    log,
  );
  let test: Map<string, SplitRow> | undefined;
  try {
    test = readSplitTable(absoluteRoot, readTsv(absoluteRoot, DATASET_FILES.test), false, log);
  } catch (err) {
    if (!(err instanceof DatasetError) || err.problems[0]?.code !== 'missing-csv') throw err;
    log.add({
      ...err.problems[0],
      severity: 'warning',
      message: 'file not found; no clip is marked as test',
    });
  }

  const assign = (rows: Map<string, SplitRow>, split: 'train' | 'evaluate', csv: string): void => {
    for (const [file, row] of rows) {
      const at = { file: csv, line: row.line };
      const clip = meta.get(file);
      if (!clip) {
        logNotInMeta(log, at, file);
        continue;
      }
      if (row.label !== undefined && !isSceneLabel(row.label)) {
        logUnknownLabel(log, at, file, row.label);
        continue;
      }
      if (row.label !== clip.label) {
        log.add({
          severity: 'error',
          code: 'label-mismatch',
          message: `${file} is '${row.label}' here but '${clip.label}' in meta.csv (line ${clip.line})`,
          ...at,
        });
        continue;
      }
      if (clip.split !== 'none') {
        log.add({
          severity: 'error',
          code: 'in-both-splits',
          message: `${file} is also in ${DATASET_FILES[clip.split]} (line ${train.get(file)?.line})`,
          ...at,
        });
        continue;
      }
      clip.split = split;
    }
  };
  assign(train, 'train', DATASET_FILES.train);
  assign(evaluate, 'evaluate', DATASET_FILES.evaluate);

  if (test) {
    for (const [file, row] of test) {
      const clip = meta.get(file);
      const at = { file: DATASET_FILES.test, line: row.line };
      if (!clip) {
        logNotInMeta(log, at, file);
      } else {
        clip.inTest = true;
        if (!evaluate.has(file)) {
          log.add({
            severity: 'warning',
            code: 'test-not-evaluate',
            message: `${file} is a test file but not in ${DATASET_FILES.evaluate}`,
            ...at,
          });
        }
      }
    }
    const untested = [...evaluate.keys()].filter((file) => !test.has(file));
    if (untested.length > 0) {
      log.add({
        severity: 'warning',
        code: 'evaluate-not-test',
        message: `${untested.length} evaluate files are missing from the test list: ${examples(untested)}`,
        file: DATASET_FILES.test,
      });
    }
  }

  const clips = [...meta.values()].map(({ line: _line, ...clip }) => clip);
  checkSplits(clips, log);

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
  return { root: absoluteRoot, clips, problems: log.list(), missingAudio };
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

/** Split-level checks: empty splits, absent classes, locations recorded in both splits. */
function checkSplits(clips: ClipRecord[], log: ProblemLog): void {
  const locations = { train: new Set<string>(), evaluate: new Set<string>() };
  const counts = { train: emptyLabelCounts(), evaluate: emptyLabelCounts() };
  for (const clip of clips) {
    if (clip.split === 'none') continue;
    locations[clip.split].add(clip.location);
    counts[clip.split][clip.label] += 1;
  }
  for (const split of ['train', 'evaluate'] as const) {
    const total = SCENE_LABELS.reduce((sum, label) => sum + counts[split][label], 0);
    if (total === 0) {
      log.add({
        severity: 'error',
        code: 'empty-split',
        message: `no usable clips in the ${split} split`,
        file: DATASET_FILES[split],
      });
      continue;
    }
    const absent = SCENE_LABELS.filter((label) => counts[split][label] === 0);
    if (absent.length > 0) {
      log.add({
        severity: 'warning',
        code: 'missing-class',
        message: `the ${split} split has no ${absent.join(' or ')} clips`,
        file: DATASET_FILES[split],
      });
    }
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

/** Reads a TAU-layout dataset; throws DatasetError (carrying every problem) when it is unusable. */
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

/** The clips of one fold-1 split, in meta.csv order. */
export function clipsOfSplit(dataset: Dataset, split: 'train' | 'evaluate'): ClipRecord[] {
  return dataset.clips.filter((clip) => clip.split === split);
}

/** Counts per split and class: the figures `asc dataset check` prints. */
export interface DatasetSummary {
  files: number;
  splits: { train: LabelCounts; evaluate: LabelCounts; test: LabelCounts };
  missingAudio: number;
  problems: DatasetProblem[];
}

export function summarizeDataset(dataset: Dataset): DatasetSummary {
  const splits = {
    train: emptyLabelCounts(),
    evaluate: emptyLabelCounts(),
    test: emptyLabelCounts(),
  };
  for (const clip of dataset.clips) {
    if (clip.split !== 'none') splits[clip.split][clip.label] += 1;
    if (clip.inTest) splits.test[clip.label] += 1;
  }
  return {
    files: dataset.clips.length,
    splits,
    missingAudio: dataset.missingAudio.length,
    problems: dataset.problems,
  };
}
