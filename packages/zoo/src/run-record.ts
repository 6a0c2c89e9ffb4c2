import * as fs from 'fs';
import * as path from 'path';
import { AscError, writeJsonAtomicSync } from '@asc/core';
import { WEIGHT_INITS, type WeightInit } from './models/tf';
import type { EpochMetrics } from './search/evaluate';

/*
 * `<run>/run.json`: what a training run records (the trainer writes it after every epoch,
 * `asc eval`/`predict` and the report read it). The one schema of that file: its types,
 * the validating reader and the writer. It lives in the zoo, beside EpochMetrics (the
 * history's entries) and the study directory whose retrain folders hold run records, and
 * depends on nothing that loads tfjs, so the report can read records without it.
 */

export const RUN_RECORD_FORMAT = 'asc-run/1';
export const RUN_RECORD_FILE = 'run.json';

/** `<runDir>/run.json` */
export function runRecordFile(runDir: string): string {
  return path.join(runDir, RUN_RECORD_FILE);
}

/** One epoch of the history: the zoo's EpochMetrics (epoch is 1-based) and the learning rate. */
export interface RunEpochRecord extends EpochMetrics {
  learningRate: number;
}

/** How batches were loaded: a worker thread ahead of the steps, or on demand. */
export type RunDataLoader = 'worker' | 'in-thread';

export interface RunFinalMetrics {
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

export interface RunExportRecord {
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
  /**
   * Non-zero trained weights and biases outside batch norm (what DCASE 2020 counts);
   * absent from records written before it was recorded.
   */
  nonZeroParameters?: number;
}

/**
 * How a dataset was split into train and evaluate (@asc/datasets' SplitMethod and its
 * layout), as run.json and study.json record it: the method ('fold1' of the DCASE CSVs,
 * or 'seeded' for the folder layout, with the seed and evaluateFraction that draw it
 * again) and the digest of which clip went where.
 */
export interface DatasetSplitRecord {
  layout: string;
  method: string;
  seed?: number;
  evaluateFraction?: number;
  /** A drawn split's count of clips kept with their recording, by how it was recognised. */
  groups?: Record<string, number>;
  digest: string;
}

/**
 * The parts of a record whose types (and deeper checks) belong to other packages: the
 * trainer's recipe, backend and normalisation, the native feature config. The reader
 * checks that each is an object; `RunRecord<TheirTypes>` gives them their types.
 */
export interface RunRecordParts {
  recipe: object;
  backend: object;
  normalisation: object;
  featureConfig: object;
}

export interface RunRecord<P extends RunRecordParts = RunRecordParts> {
  format: typeof RUN_RECORD_FORMAT;
  status: 'running' | 'complete';
  /** The model reference the run trained ('B', 'mobilenet-v1', an arch id, ...). */
  model: string;
  /** The architecture, for models of the search space (null for the vision baselines). */
  spec: unknown;
  params: number | null;
  backend: P['backend'];
  recipe: P['recipe'];
  seed: number;
  /** How the weights started; absent in records written before the option (Glorot's). */
  init?: WeightInit;
  /** Epochs planned. */
  epochs: number;
  epochsDone: number;
  history: RunEpochRecord[];
  normalisation: P['normalisation'];
  data: {
    datasetDir: string | null;
    cacheDir: string | null;
    featureConfigHash: string | null;
    /** The cache's feature config, so predict computes the same features for new audio. */
    featureConfig: P['featureConfig'] | null;
    inputShape: [number, number, number];
    loader: RunDataLoader;
    /** The class names in the model's output order: what eval, predict and export read. */
    classes: string[];
    /** How the dataset was split (absent in records written before it was recorded). */
    split?: DatasetSplitRecord | null;
    trainClips: number;
    trainSegments: number;
    evaluateClips: number;
  };
  /** Null until the run is complete. */
  final: RunFinalMetrics | null;
  export: RunExportRecord | null;
  startedAt: string;
  updatedAt: string;
}

/** A run record that is missing or unusable; names the file and, when one is, the field. */
export class RunRecordError extends AscError {
  constructor(
    readonly file: string,
    detail: string,
    readonly field = '',
  ) {
    super('run-record-invalid', `${file}: ${field ? `${field}: ` : ''}${detail}`, {
      context: { file, field: field || undefined },
    });
  }
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Field checks that name the file and the field's path in their error. */
class Checker {
  constructor(readonly file: string) {}

  fail(field: string, detail: string): never {
    throw new RunRecordError(this.file, detail, field);
  }

  object(x: unknown, field: string): Json {
    if (!isObject(x)) this.fail(field, 'must be an object');
    return x;
  }

  /** null when absent. */
  optionalObject(x: unknown, field: string): Json | null {
    return x === undefined || x === null ? null : this.object(x, field);
  }

  finite(x: unknown, field: string): number {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      this.fail(field, `must be a finite number, got ${JSON.stringify(x)}`);
    }
    return x;
  }

  /** A metric: JSON stores a non-finite one (a diverged loss) as null. */
  metric(x: unknown, field: string): number {
    if (x !== null && typeof x !== 'number') {
      this.fail(field, `must be a number, got ${JSON.stringify(x)}`);
    }
    return x as number;
  }

  optionalFinite(x: unknown, field: string): number | null {
    return x === undefined || x === null ? null : this.finite(x, field);
  }

  string(x: unknown, field: string): string {
    if (typeof x !== 'string') this.fail(field, `must be a string, got ${JSON.stringify(x)}`);
    return x;
  }

  optionalString(x: unknown, field: string): string | null {
    return x === undefined || x === null ? null : this.string(x, field);
  }

  array(x: unknown, field: string): unknown[] {
    if (!Array.isArray(x)) this.fail(field, 'must be an array');
    return x;
  }

  oneOf<T extends string>(x: unknown, field: string, values: readonly T[]): T {
    if (!values.includes(x as T)) {
      this.fail(field, `must be one of ${values.join(', ')}, got ${JSON.stringify(x)}`);
    }
    return x as T;
  }
}

const EPOCH_METRICS = [
  'trainLoss',
  'testLoss',
  'testAccuracy',
  'segmentAccuracy',
  'samplesPerSec',
  'learningRate',
] as const;

function checkEpoch(c: Checker, x: unknown, field: string): RunEpochRecord {
  const e = c.object(x, field);
  c.finite(e.epoch, `${field}.epoch`);
  c.finite(e.seconds, `${field}.seconds`);
  for (const key of EPOCH_METRICS) c.metric(e[key], `${field}.${key}`);
  return e as unknown as RunEpochRecord;
}

function checkData(c: Checker, x: unknown): RunRecord['data'] {
  const d = c.object(x, 'data');
  c.optionalString(d.datasetDir, 'data.datasetDir');
  c.optionalString(d.cacheDir, 'data.cacheDir');
  c.optionalString(d.featureConfigHash, 'data.featureConfigHash');
  c.optionalObject(d.featureConfig, 'data.featureConfig');
  const shape = c.array(d.inputShape, 'data.inputShape');
  if (shape.length !== 3) c.fail('data.inputShape', 'must have three dimensions');
  shape.forEach((v, i) => c.finite(v, `data.inputShape[${i}]`));
  c.oneOf(d.loader, 'data.loader', ['worker', 'in-thread'] as const);
  c.array(d.classes, 'data.classes').forEach((v, i) => c.string(v, `data.classes[${i}]`));
  const split = c.optionalObject(d.split, 'data.split');
  if (split) {
    c.string(split.method, 'data.split.method');
    c.string(split.digest, 'data.split.digest');
  }
  for (const key of ['trainClips', 'trainSegments', 'evaluateClips']) {
    c.finite(d[key], `data.${key}`);
  }
  return d as unknown as RunRecord['data'];
}

function checkFinal(c: Checker, x: unknown): RunFinalMetrics | null {
  const f = c.optionalObject(x, 'final');
  if (!f) return null;
  c.finite(f.testAccuracy, 'final.testAccuracy');
  c.finite(f.testLoss, 'final.testLoss');
  c.metric(f.segmentAccuracy, 'final.segmentAccuracy');
  c.metric(f.segmentBce, 'final.segmentBce');
  c.array(f.perClass, 'final.perClass');
  c.array(f.confusion, 'final.confusion');
  c.array(f.classes, 'final.classes');
  c.finite(f.clips, 'final.clips');
  c.finite(f.segments, 'final.segments');
  return f as unknown as RunFinalMetrics;
}

function checkExport(c: Checker, x: unknown): RunExportRecord | null {
  const e = c.optionalObject(x, 'export');
  if (!e) return null;
  for (const key of [
    'fp32Bytes',
    'fp16Bytes',
    'fp32ModelJsonBytes',
    'fp16ModelJsonBytes',
    'fp16CheckedSegments',
  ]) {
    c.finite(e[key], `export.${key}`);
  }
  c.metric(e.fp16MaxAbsDiff, 'export.fp16MaxAbsDiff');
  c.string(e.fp32Dir, 'export.fp32Dir');
  c.string(e.fp16Dir, 'export.fp16Dir');
  c.optionalFinite(e.nonZeroParameters, 'export.nonZeroParameters');
  return e as unknown as RunExportRecord;
}

/**
 * Checks a parsed run.json against the schema; throws RunRecordError naming `file` and
 * the first field that is wrong. An absent spec, params, final or export reads as null.
 */
export function parseRunRecord<P extends RunRecordParts = RunRecordParts>(
  value: unknown,
  file: string,
): RunRecord<P> {
  const c = new Checker(file);
  if (!isObject(value)) throw new RunRecordError(file, 'a run record must be a JSON object');
  if (value.format !== RUN_RECORD_FORMAT) {
    c.fail(
      'format',
      `unknown format ${JSON.stringify(value.format)} (expected ${RUN_RECORD_FORMAT})`,
    );
  }
  c.oneOf(value.status, 'status', ['running', 'complete'] as const);
  if (typeof value.model !== 'string' || value.model === '') {
    c.fail('model', `must be a non-empty string, got ${JSON.stringify(value.model)}`);
  }
  c.object(value.backend, 'backend');
  c.object(value.recipe, 'recipe');
  c.object(value.normalisation, 'normalisation');
  const history = c
    .array(value.history, 'history')
    .map((h, i) => checkEpoch(c, h, `history[${i}]`));
  return {
    ...(value as unknown as RunRecord<P>),
    spec: value.spec ?? null,
    params: c.optionalFinite(value.params, 'params'),
    seed: c.finite(value.seed, 'seed'),
    ...(value.init !== undefined ? { init: c.oneOf(value.init, 'init', WEIGHT_INITS) } : {}),
    epochs: c.finite(value.epochs, 'epochs'),
    epochsDone: c.finite(value.epochsDone, 'epochsDone'),
    history,
    data: checkData(c, value.data),
    final: checkFinal(c, value.final),
    export: checkExport(c, value.export),
    startedAt: c.string(value.startedAt, 'startedAt'),
    updatedAt: c.string(value.updatedAt, 'updatedAt'),
  };
}

/** The initialisation a run used (records older than the option used Glorot's). */
export function runInit(record: Pick<RunRecord, 'init'>): WeightInit {
  return record.init ?? 'glorot';
}

/** Reads and checks `<runDir>/run.json`. */
export function readRunRecord<P extends RunRecordParts = RunRecordParts>(
  runDir: string,
): RunRecord<P> {
  const file = runRecordFile(runDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunRecordError(file, 'no run record (is this a run directory?)');
    }
    throw new RunRecordError(file, `cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RunRecordError(file, `not valid JSON: ${(err as Error).message}`);
  }
  return parseRunRecord<P>(value, file);
}

/** Writes `<runDir>/run.json` atomically, stamping `updatedAt`. */
export function writeRunRecord<P extends RunRecordParts>(
  runDir: string,
  record: RunRecord<P>,
): void {
  writeJsonAtomicSync(runRecordFile(runDir), { ...record, updatedAt: new Date().toISOString() });
}
