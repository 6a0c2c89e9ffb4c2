import * as fs from 'fs';
import * as path from 'path';
import { StudyDir } from '@asc/zoo';

/** The trainer's run record in a run folder. */
const RUN_RECORD_FILE = 'run.json';

/** A run record that cannot be used; names the file and the field. */
export class RunRecordError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${message}`);
    this.name = 'RunRecordError';
  }
}

/** The fields of a trainer run record (`<run>/run.json`) that the report reads. */
export interface RunRecord {
  /** Directory name under `<study>/retrain/` ('best-accuracy', 'lowest-loss', 'B', ...). */
  name: string;
  file: string;
  /** The model reference the run trained ('A', 'mobilenet-v1', an arch id, ...). */
  model: string;
  /** The architecture spec as recorded (null for models outside the search space). */
  spec: unknown;
  /** The backend as recorded (a name, or an object with name, version, threads). */
  backend: unknown;
  recipe: unknown;
  seed: number | null;
  epochsDone: number;
  /** Epochs the recipe asks for, when the record states it. */
  epochsPlanned: number | null;
  /** Training seconds summed over the recorded epochs. */
  trainingSeconds: number;
  final: { testAccuracy: number; testLoss: number } | null;
  export: { fp32Bytes: number; fp16Bytes: number } | null;
  /** Trainable parameters, when the record states them. */
  params: number | null;
  /** The dataset and feature configuration the run trained on, as recorded. */
  datasetDir: string | null;
  featureConfigHash: string | null;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function finiteNumber(file: string, field: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new RunRecordError(file, field, `must be a finite number, got ${JSON.stringify(x)}`);
  }
  return x;
}

function optionalNumber(file: string, field: string, x: unknown): number | null {
  return x === undefined || x === null ? null : finiteNumber(file, field, x);
}

function optionalObject(file: string, field: string, x: unknown): Record<string, unknown> | null {
  if (x === undefined || x === null) return null;
  if (!isObject(x)) throw new RunRecordError(file, field, 'must be an object');
  return x;
}

// The trainer records the planned epochs at the top level; its recipe holds them too.
function epochsPlanned(x: Record<string, unknown>): number | null {
  if (typeof x.epochs === 'number') return x.epochs;
  return isObject(x.recipe) && typeof x.recipe.epochs === 'number' ? x.recipe.epochs : null;
}

function dataField(x: Record<string, unknown>, key: string): string | null {
  const value = isObject(x.data) ? x.data[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Checks a parsed run.json and keeps the fields the report needs. */
export function parseRunRecord(name: string, file: string, x: unknown): RunRecord {
  if (!isObject(x)) throw new RunRecordError(file, '', 'a run record must be a JSON object');
  if (typeof x.model !== 'string' || x.model === '') {
    throw new RunRecordError(
      file,
      'model',
      `must be a non-empty string, got ${JSON.stringify(x.model)}`,
    );
  }
  const history = x.history ?? [];
  if (!Array.isArray(history)) throw new RunRecordError(file, 'history', 'must be an array');
  let trainingSeconds = 0;
  history.forEach((h: unknown, i: number) => {
    if (!isObject(h)) throw new RunRecordError(file, `history[${i}]`, 'must be an object');
    trainingSeconds += finiteNumber(file, `history[${i}].seconds`, h.seconds);
  });
  const finalObject = optionalObject(file, 'final', x.final);
  const final: RunRecord['final'] = finalObject && {
    testAccuracy: finiteNumber(file, 'final.testAccuracy', finalObject.testAccuracy),
    testLoss: finiteNumber(file, 'final.testLoss', finalObject.testLoss),
  };
  const exportObject = optionalObject(file, 'export', x.export);
  const exported: RunRecord['export'] = exportObject && {
    fp32Bytes: finiteNumber(file, 'export.fp32Bytes', exportObject.fp32Bytes),
    fp16Bytes: finiteNumber(file, 'export.fp16Bytes', exportObject.fp16Bytes),
  };
  return {
    name,
    file,
    model: x.model,
    spec: x.spec ?? null,
    backend: x.backend ?? null,
    recipe: x.recipe ?? null,
    seed: optionalNumber(file, 'seed', x.seed),
    epochsDone: optionalNumber(file, 'epochsDone', x.epochsDone) ?? history.length,
    epochsPlanned: epochsPlanned(x),
    trainingSeconds,
    final,
    export: exported,
    params: optionalNumber(file, 'params', x.params),
    datasetDir: dataField(x, 'datasetDir'),
    featureConfigHash: dataField(x, 'featureConfigHash'),
  };
}

/** What reading `<study>/retrain/*` found: usable records and the ones that were not. */
export interface RunRecordScan {
  runs: RunRecord[];
  /** One line per run directory that has no usable run.json, naming the file and why. */
  problems: string[];
}

function isDirectory(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * Reads every `<study>/retrain/<name>/run.json`, in name order. A missing or broken
 * record is listed in `problems` (the report says so) instead of stopping the report.
 */
export function readRunRecords(studyDir: string): RunRecordScan {
  const retrainDir = new StudyDir(studyDir).retrainDir;
  const scan: RunRecordScan = { runs: [], problems: [] };
  if (!fs.existsSync(retrainDir)) return scan;
  const names = fs
    .readdirSync(retrainDir, { withFileTypes: true })
    // A symbolic link counts: `asc run` links lowest-loss to best-accuracy when one
    // candidate holds both roles, and Table 4 then shows it in both rows.
    .filter(
      (d) => d.isDirectory() || (d.isSymbolicLink() && isDirectory(path.join(retrainDir, d.name))),
    )
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const file = path.join(retrainDir, name, RUN_RECORD_FILE);
    if (!fs.existsSync(file)) {
      scan.problems.push(`${file}: no run record (the run has not written one yet)`);
      continue;
    }
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new RunRecordError(file, '', `not valid JSON (${(err as Error).message})`);
      }
      scan.runs.push(parseRunRecord(name, file, parsed));
    } catch (err) {
      if (!(err instanceof RunRecordError)) throw err;
      scan.problems.push(err.message);
    }
  }
  return scan;
}
