import * as fs from 'fs';
import { AscError } from '@asc/core';
import {
  readRunRecord,
  runComplexity,
  RunRecordError,
  runRecordFile,
  StudyDir,
  type Complexity,
  type RunRecord,
} from '@asc/zoo';

/** What the report takes from a run record (`<study>/retrain/<name>/run.json`). */
export interface RunSummary {
  /** Directory name under `<study>/retrain/` ('best-accuracy', 'lowest-loss', 'B', ...). */
  name: string;
  file: string;
  /** The model reference the run trained ('A', 'mobilenet-v1', an arch id, ...). */
  model: string;
  /** The architecture spec as recorded (null for models outside the search space). */
  spec: unknown;
  backend: RunRecord['backend'];
  recipe: RunRecord['recipe'];
  seed: number;
  epochsDone: number;
  /** Epochs the run plans. */
  epochsPlanned: number;
  /** Training seconds summed over the recorded epochs. */
  trainingSeconds: number;
  /** The class names, in the model's output order. */
  classes: string[];
  final: {
    testAccuracy: number;
    testLoss: number;
    /** Recall per class, in `classes` order; null for a class without clips. */
    perClass: (number | null)[];
    /** confusion[true][predicted] */
    confusion: number[][];
  } | null;
  export: { fp32Bytes: number; fp16Bytes: number } | null;
  /** Trainable parameters, when the record states them. */
  params: number | null;
  /** The dataset and feature configuration the run trained on, as recorded. */
  datasetDir: string | null;
  featureConfigHash: string | null;
  /**
   * The DCASE figures of the trained float32 model; null when the record has no feature
   * configuration (to time segments by) or names a model the zoo does not know.
   */
  complexity: Complexity | null;
}

function complexityOfRun(record: RunRecord): Complexity | null {
  try {
    return runComplexity(record, { bytesPerParam: 4 });
  } catch (err) {
    if (err instanceof AscError) return null;
    throw err;
  }
}

/** The report's view of a checked run record. */
export function summariseRun(name: string, file: string, record: RunRecord): RunSummary {
  return {
    name,
    file,
    model: record.model,
    spec: record.spec,
    backend: record.backend,
    recipe: record.recipe,
    seed: record.seed,
    epochsDone: record.epochsDone,
    epochsPlanned: record.epochs,
    trainingSeconds: record.history.reduce((sum, h) => sum + h.seconds, 0),
    classes: record.data.classes,
    final: record.final && {
      testAccuracy: record.final.testAccuracy,
      testLoss: record.final.testLoss,
      perClass: record.final.perClass,
      confusion: record.final.confusion,
    },
    export: record.export && {
      fp32Bytes: record.export.fp32Bytes,
      fp16Bytes: record.export.fp16Bytes,
    },
    params: record.params,
    datasetDir: record.data.datasetDir || null,
    featureConfigHash: record.data.featureConfigHash || null,
    complexity: complexityOfRun(record),
  };
}

/** What reading `<study>/retrain/*` found: usable records and the ones that were not. */
export interface RunRecordScan {
  runs: RunSummary[];
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
  const study = new StudyDir(studyDir);
  const retrainDir = study.retrainDir;
  const scan: RunRecordScan = { runs: [], problems: [] };
  if (!fs.existsSync(retrainDir)) return scan;
  const names = fs
    .readdirSync(retrainDir, { withFileTypes: true })
    // A symbolic link counts: `asc run` links lowest-loss to best-accuracy when one
    // candidate holds both roles, and Table 4 then shows it in both rows.
    .filter((d) => d.isDirectory() || (d.isSymbolicLink() && isDirectory(study.runDir(d.name))))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const runDir = study.runDir(name);
    const file = runRecordFile(runDir);
    if (!fs.existsSync(file)) {
      scan.problems.push(`${file}: no run record (the run has not written one yet)`);
      continue;
    }
    try {
      scan.runs.push(summariseRun(name, file, readRunRecord(runDir)));
    } catch (err) {
      if (!(err instanceof RunRecordError)) throw err;
      scan.problems.push(err.message);
    }
  }
  return scan;
}
