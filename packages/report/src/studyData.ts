import * as fs from 'fs';
import * as path from 'path';
import { SqliteTrialStore, type StudyRecord, type TrialRecord } from '@asc/zoo';
import {
  datasetFingerprint,
  DatasetFingerprintError,
  type DatasetFingerprint,
} from './fingerprint';
import { STUDY_FILES } from './files';
import { readRunRecords, type RunRecordScan } from './runRecord';

/** The study directory cannot be reported on at all (absent, or its store is unusable). */
export class StudyLoadError extends Error {
  constructor(
    readonly studyDir: string,
    message: string,
  ) {
    super(`${studyDir}: ${message}`);
    this.name = 'StudyLoadError';
  }
}

/** Everything the report reads from a study directory, loaded once. */
export interface StudySnapshot {
  dir: string;
  /** `<study>/study.json` as written by the search (null when absent). */
  studyJson: Record<string, unknown> | null;
  /** Where the trial store lives (null when the study has none yet). */
  storeLocation: string | null;
  /** The study's record in the store (seed, config, feature config hash). */
  study: StudyRecord | null;
  /** The study's trials in claim order. */
  trials: TrialRecord[];
  runs: RunRecordScan;
  dataset: DatasetFingerprint | null;
  /** Things that could not be read, one line each, naming the file and the reason. */
  problems: string[];
}

function readStudyJson(file: string, problems: string[]): Record<string, unknown> | null {
  if (!fs.existsSync(file)) return null;
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    problems.push(`${file}: not a JSON object`);
  } catch (err) {
    problems.push(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return null;
}

/** Picks the study: the one study.json names, else the store's only study. */
function chooseStudy(
  studies: StudyRecord[],
  wanted: string | null,
  location: string,
): StudyRecord | null {
  if (wanted !== null) {
    const found = studies.find((s) => s.name === wanted);
    if (!found) {
      const names = studies.map((s) => s.name).join(', ') || 'none';
      throw new StudyLoadError(
        location,
        `no study named '${wanted}' in the store (it holds: ${names})`,
      );
    }
    return found;
  }
  if (studies.length > 1) {
    const names = studies.map((s) => s.name).join(', ');
    throw new StudyLoadError(
      location,
      `the store holds several studies (${names}); name one in study.json`,
    );
  }
  return studies[0] ?? null;
}

function stringField(o: Record<string, unknown> | null, key: string): string | null {
  const v = o?.[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

export interface LoadStudyOptions {
  /**
   * The dataset to fingerprint (relative to the working directory); default: study.json's
   * `dataset` (relative to the study), else the dataset directory the first run names.
   */
  datasetDir?: string;
}

/**
 * Reads a study directory: study.json, the SQLite trial store (through @asc/zoo's store
 * API, read only: an absent store is not created), the run records and the dataset's
 * fingerprint. Parts that are missing are left empty and said in `problems`.
 */
export async function loadStudy(
  studyDir: string,
  options: LoadStudyOptions = {},
): Promise<StudySnapshot> {
  const dir = path.resolve(studyDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new StudyLoadError(dir, 'the study directory does not exist');
  }
  const problems: string[] = [];
  const studyJson = readStudyJson(path.join(dir, STUDY_FILES.config), problems);

  let storeLocation: string | null = null;
  let study: StudyRecord | null = null;
  let trials: TrialRecord[] = [];
  const storeFile = path.join(dir, STUDY_FILES.store);
  if (fs.existsSync(storeFile)) {
    const store = await SqliteTrialStore.open(storeFile);
    try {
      storeLocation = store.location;
      study = chooseStudy(
        await store.listStudies(),
        stringField(studyJson, 'name'),
        store.location,
      );
      if (study) trials = await store.getTrials(study.name);
    } finally {
      await store.close();
    }
  }

  const runs = readRunRecords(dir);
  // The dataset asked for (relative to the working directory), else the one the study
  // names (relative to the study), else the one its runs trained on.
  const recorded =
    stringField(studyJson, 'dataset') ??
    runs.runs.find((r) => r.datasetDir !== null)?.datasetDir ??
    null;
  const datasetDir =
    options.datasetDir !== undefined
      ? path.resolve(options.datasetDir)
      : recorded !== null
        ? path.resolve(dir, recorded)
        : null;
  let dataset: DatasetFingerprint | null = null;
  if (datasetDir !== null) {
    try {
      dataset = datasetFingerprint(datasetDir);
    } catch (err) {
      if (!(err instanceof DatasetFingerprintError)) throw err;
      problems.push(`dataset fingerprint: ${err.message}`);
    }
  }

  return {
    dir,
    studyJson,
    storeLocation,
    study,
    trials,
    runs,
    dataset,
    problems,
  };
}
