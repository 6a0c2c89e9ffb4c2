import * as fs from 'fs';
import * as path from 'path';
import type { FeatureConfig } from '@asc/native';
import {
  readRunRecord as readStoredRunRecord,
  runRecordFile,
  type RunExportRecord,
  type RunFinalMetrics,
  type RunRecord as StoredRunRecord,
} from '@asc/zoo';
import type { BackendInfo } from './backend';
import type { Normalisation } from './normalisation';
import type { Recipe } from './recipe';

export { RUN_RECORD_FORMAT, RunRecordError, runInit, writeRunRecord } from '@asc/zoo';

/** The files of a run directory. */
export function runPaths(runDir: string): {
  record: string;
  log: string;
  checkpoint: string;
  fp32Dir: string;
  fp16Dir: string;
} {
  return {
    record: runRecordFile(runDir),
    log: path.join(runDir, 'log.jsonl'),
    checkpoint: path.join(runDir, 'checkpoint.ckpt'),
    fp32Dir: path.join(runDir, 'model-fp32'),
    fp16Dir: path.join(runDir, 'model-fp16'),
  };
}

export type FinalMetrics = RunFinalMetrics;
export type ExportRecord = RunExportRecord;

/** `<run>/run.json` (the zoo's schema) with the trainer's types for its parts. */
export type RunRecord = StoredRunRecord<{
  recipe: Recipe;
  backend: BackendInfo;
  normalisation: Normalisation;
  featureConfig: FeatureConfig;
}>;

/** Reads and checks `<runDir>/run.json`. */
export function readRunRecord(runDir: string): RunRecord {
  return readStoredRunRecord(runDir);
}

/** Appends one JSON line to the run's log. */
export function appendRunLog(runDir: string, event: string, fields: Record<string, unknown>): void {
  fs.mkdirSync(runDir, { recursive: true });
  fs.appendFileSync(
    runPaths(runDir).log,
    JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n',
  );
}
