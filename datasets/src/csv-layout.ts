import * as path from 'path';
import { clipRecord, parseClipName } from './clip-name';
import type { ClipRecord, LayoutContent } from './dataset';
import { DatasetError } from './errors';
import { orderLabels, SCENE_CLASS, SCENE_LABELS, TAU_SCENES } from './labels';
import { DATASET_FILES } from './layout-files';
import { examples, type ProblemLog } from './problems';
import { columnsOf, readTsv, type TsvTable } from './tsv';

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

/** Whether a listed name stays inside the dataset: relative, '/'-separated, no '..'. */
function isInsideRoot(file: string): boolean {
  return !path.isAbsolute(file) && !file.includes('\\') && !file.split('/').includes('..');
}

/**
 * The scene a TAU file name says a clip is, checked against its label when the dataset
 * uses one of the TAU label sets: the 3Class merge of the scene, or the scene itself.
 */
function expectedLabelOf(scene: string, labels: ReadonlySet<string>): string | undefined {
  const within = (set: readonly string[]): boolean => [...labels].every((l) => set.includes(l));
  if (within(SCENE_LABELS)) return SCENE_CLASS[scene];
  if (within(TAU_SCENES)) return TAU_SCENES.includes(scene) ? scene : undefined;
  return undefined;
}

type MetaClip = ClipRecord & { line: number };

/** Reads meta.csv into clip records (split not yet assigned) and the dataset's labels. */
function readMeta(
  root: string,
  log: ProblemLog,
): { clips: Map<string, MetaClip>; labels: string[] } {
  const table = readTsv(root, DATASET_FILES.meta);
  const columns = columnsOf(
    root,
    table,
    ['filename', 'scene_label'],
    ['identifier', 'source_label'],
  );
  const rows: { line: number; file: string; label: string; fields: string[] }[] = [];
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
    if (!isInsideRoot(file)) {
      log.add({
        severity: 'error',
        code: 'bad-filename',
        message: `'${file}' is not a relative path inside the dataset ('/'-separated, no '..')`,
        ...at,
      });
      continue;
    }
    rows.push({ line, file, label, fields });
  }

  const labels = orderLabels(rows.map((r) => r.label));
  const labelSet = new Set(labels);
  const clips = new Map<string, MetaClip>();
  for (const { line, file, label, fields } of rows) {
    const at = { file: table.file, line };
    const name = parseClipName(file);
    const identifier =
      columns.identifier !== undefined && fields[columns.identifier] !== ''
        ? fields[columns.identifier]
        : undefined;
    if (name && identifier !== undefined && identifier !== name.location) {
      log.add({
        severity: 'warning',
        code: 'identifier-mismatch',
        message: `identifier '${identifier}' differs from the file name's '${name.location}' for ${file}`,
        ...at,
      });
    }
    const expected = name && expectedLabelOf(name.scene, labelSet);
    if (expected !== undefined && expected !== label) {
      log.add({
        severity: 'warning',
        code: 'scene-label-mismatch',
        message: `${file}: scene '${name!.scene}' is '${expected}', but the label is '${label}'`,
        ...at,
      });
    }
    const source =
      columns.source_label !== undefined && fields[columns.source_label] !== ''
        ? fields[columns.source_label]
        : undefined;
    clips.set(file, {
      ...clipRecord(
        root,
        file,
        { label, classIndex: labels.indexOf(label) },
        { split: 'none', location: identifier ?? name?.location ?? null, source },
      ),
      line,
    });
  }
  return { clips, labels };
}

/**
 * Reads a dataset in the DCASE layout: meta.csv lists every clip with its label (the set
 * of labels is the classes), evaluation_setup/fold1_{train,evaluate}.csv split them and
 * fold1_test.csv lists the evaluate files without labels. File names are free; the TAU
 * pattern, where present, gives scene, city, location and device.
 */
export function readCsvLayout(root: string, log: ProblemLog): LayoutContent {
  const { clips: meta, labels } = readMeta(root, log);
  const labelSet = new Set(labels);
  const train = readSplitTable(root, readTsv(root, DATASET_FILES.train), true, log);
  const evaluate = readSplitTable(root, readTsv(root, DATASET_FILES.evaluate), true, log);
  let test: Map<string, SplitRow> | undefined;
  try {
    test = readSplitTable(root, readTsv(root, DATASET_FILES.test), false, log);
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
      if (row.label !== undefined && !labelSet.has(row.label)) {
        log.add({
          severity: 'error',
          code: 'unknown-label',
          message:
            `unknown scene label '${row.label}' for ${file} ` +
            `(meta.csv's labels: ${labels.join(', ')})`,
          ...at,
        });
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

  return {
    labels,
    clips: [...meta.values()].map(({ line: _line, ...clip }) => clip),
    splitMethod: { method: 'fold1' },
    splitFiles: { train: DATASET_FILES.train, evaluate: DATASET_FILES.evaluate },
  };
}
