import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomicSync } from '@asc/core';
import type { FeatureConfig } from '@asc/native';
import type { BackendInfo } from './backend';
import type { Normalisation } from './normalisation';
import type { Recipe } from './recipe';
import type { DataLoader, EpochRecord } from './trainer';

/** The files of a run directory. */
export function runPaths(runDir: string): {
  record: string;
  log: string;
  checkpoint: string;
  fp32Dir: string;
  fp16Dir: string;
} {
  return {
    record: path.join(runDir, 'run.json'),
    log: path.join(runDir, 'log.jsonl'),
    checkpoint: path.join(runDir, 'checkpoint.ckpt'),
    fp32Dir: path.join(runDir, 'model-fp32'),
    fp16Dir: path.join(runDir, 'model-fp16'),
  };
}

export interface FinalMetrics {
  testAccuracy: number;
  testLoss: number;
  segmentAccuracy: number;
  segmentBce: number;
  /** Recall per class, in `classes` order; null for a class without clips. */
  perClass: (number | null)[];
  /** confusion[true][predicted] */
  confusion: number[][];
  classes: string[];
  clips: number;
  segments: number;
}

export interface ExportRecord {
  /** Bytes of the float32 weights file. */
  fp32Bytes: number;
  /** Bytes of the float16 weights file. */
  fp16Bytes: number;
  fp32ModelJsonBytes: number;
  fp16ModelJsonBytes: number;
  fp32Dir: string;
  fp16Dir: string;
  /** Largest |sigmoid(fp16) - sigmoid(fp32)| over the checked evaluation segments. */
  fp16MaxAbsDiff: number;
  fp16CheckedSegments: number;
}

/** `<run>/run.json`, rewritten atomically after every epoch. */
export interface RunRecord {
  format: 'asc-run/1';
  status: 'running' | 'complete';
  model: string;
  /** The architecture, for models of the search space (null for the vision baselines). */
  spec: unknown;
  params: number | null;
  backend: BackendInfo;
  recipe: Recipe;
  seed: number;
  epochs: number;
  epochsDone: number;
  history: EpochRecord[];
  normalisation: Normalisation;
  data: {
    datasetDir: string | null;
    cacheDir: string | null;
    featureConfigHash: string | null;
    /** The cache's FeatureConfig, so predict computes the same features for new audio. */
    featureConfig: FeatureConfig | null;
    inputShape: [number, number, number];
    /** How batches were loaded: a worker thread ahead of the steps, or on demand. */
    loader: DataLoader;
    classes: string[];
    trainClips: number;
    trainSegments: number;
    evaluateClips: number;
  };
  final: FinalMetrics | null;
  export: ExportRecord | null;
  startedAt: string;
  updatedAt: string;
}

export class RunRecordError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'RunRecordError';
  }
}

export function readRunRecord(runDir: string): RunRecord {
  const file = runPaths(runDir).record;
  if (!fs.existsSync(file))
    throw new RunRecordError('no run record (is this a run directory?)', file);
  let value: RunRecord;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  } catch (err) {
    throw new RunRecordError(`not valid JSON: ${(err as Error).message}`, file);
  }
  if (value.format !== 'asc-run/1') {
    throw new RunRecordError(`unknown format ${JSON.stringify(value.format)}`, file);
  }
  return value;
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  writeJsonAtomicSync(runPaths(runDir).record, { ...record, updatedAt: new Date().toISOString() });
}

/** Appends one JSON line to the run's log. */
export function appendRunLog(runDir: string, event: string, fields: Record<string, unknown>): void {
  fs.mkdirSync(runDir, { recursive: true });
  fs.appendFileSync(
    runPaths(runDir).log,
    JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n',
  );
}
