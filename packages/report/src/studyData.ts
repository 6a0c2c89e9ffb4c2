import * as fs from 'fs';
import * as path from 'path';
import {
  SqliteTrialStore,
  StudyDir,
  StudyDirError,
  type StudyConfig,
  type StudyRecord,
  type TrialRecord,
} from '@asc/zoo';
import {
  datasetFingerprint,
  DatasetFingerprintError,
  type DatasetFingerprint,
} from './fingerprint';
import { readRunRecords, type RunRecordScan } from './runRecord';
import { AscError } from '@asc/core';

/** The study directory cannot be reported on at all (absent, or its store is unusable). */
export class StudyLoadError extends AscError {
  constructor(
    readonly studyDir: string,
    message: string,
  ) {
    super('study-unreadable', `${studyDir}: ${message}`, { context: { studyDir } });
  }
}

/** Everything the report reads from a study directory, loaded once. */
export interface StudySnapshot {
  dir: string;
  /** `<study>/study.json` as written by the search (null when absent or unusable). */
  studyJson: StudyConfig | null;
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

export interface LoadStudyOptions {
  /**
   * The dataset to fingerprint (relative to the working directory); default: study.json's
   * `dataset` (relative to the study), else the dataset directory the first run names.
   */
  datasetDir?: string;
}

/**
 * Reads a study directory (@asc/zoo's StudyDir): study.json, the SQLite trial store (read
 * only: an absent store is not created), the run records and the dataset's fingerprint.
 * Parts that are missing are left empty and said in `problems`; a store that does not
 * hold the study study.json names (or holds several and it names none) is a StudyDirError.
 */
export async function loadStudy(
  studyDir: string,
  options: LoadStudyOptions = {},
): Promise<StudySnapshot> {
  const studyDirectory = new StudyDir(studyDir);
  const dir = studyDirectory.dir;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new StudyLoadError(dir, 'the study directory does not exist');
  }
  const problems: string[] = [];
  let studyJson: StudyConfig | null = null;
  try {
    studyJson = studyDirectory.readConfig();
  } catch (err) {
    if (!(err instanceof StudyDirError)) throw err;
    problems.push(err.message);
  }

  let storeLocation: string | null = null;
  let study: StudyRecord | null = null;
  let trials: TrialRecord[] = [];
  if (studyDirectory.hasStore()) {
    const store = await SqliteTrialStore.open(studyDirectory.storeFile);
    try {
      storeLocation = store.location;
      study = await studyDirectory.findStudy(store, studyJson?.name);
      if (study) trials = await store.getTrials(study.name);
    } finally {
      await store.close();
    }
  }

  const runs = readRunRecords(dir);
  // The dataset asked for (relative to the working directory), else the one the study
  // names (relative to the study), else the one its runs trained on.
  const recorded =
    studyJson?.dataset ?? runs.runs.find((r) => r.datasetDir !== null)?.datasetDir ?? null;
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
