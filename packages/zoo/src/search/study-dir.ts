import * as fs from 'fs';
import * as path from 'path';
import { AscError, writeJsonAtomicSync } from '@asc/core';
import { DEFAULT_EVOLUTION } from '../evolution';
import { DEFAULT_WEIGHT_INIT, type WeightInit } from '../models/tf';
import type { SamplerKind } from '../sampler';
import { DEFAULT_SIZE_WINDOW, type SizeWindow } from '../space';
import type { DatasetSplitRecord } from '../run-record';
import { SqliteTrialStore } from '../store/sqlite-store';
import type { StudyRecord, TrialStore } from '../store/trial-store';
import { analyseTrials, type Candidate, type Selection, type StudyAnalysis } from './analysis';
import type { PrunerConfig, PrunerKind, PrunerMetric } from './pruner';
import type { SamplerChoice } from './study';

/**
 * A study directory: the one place that knows its layout, which `asc search`, `asc run`,
 * `asc study` and `asc report` share:
 *
 *     study.json          the config (name, seed, size window, dataset, its classes and
 *                         split, cache, retrain runs)
 *     trials.sqlite       the trial store
 *     retrain/<role>/     the final-recipe run of each selected candidate
 *     report/             the report
 */
export const STUDY_FILES = {
  config: 'study.json',
  store: 'trials.sqlite',
  retrain: 'retrain',
  report: 'report',
} as const;

/**
 * The selected candidates retrained with the final recipe, by the folder they train in:
 * the highest test accuracy (the paper's Model A) and the lowest test loss (Model B).
 */
export const RETRAIN_ROLES = ['best-accuracy', 'lowest-loss'] as const;
export type RetrainRole = (typeof RETRAIN_ROLES)[number];

/** What study.json records of a retrained role. */
export interface RetrainEntry {
  trial: number;
  archId: string;
  /** The run folder, relative to the study directory. */
  run: string;
  /** Set when the role's candidate is another role's architecture, trained once. */
  sameAs?: RetrainRole;
}

/**
 * study.json. The fields below are checked when it is read; anything else (the recipe,
 * timestamps, an export's provenance) is kept as written.
 */
export interface StudyConfig {
  name?: string;
  seed?: number;
  trials?: number;
  window?: SizeWindow;
  /** The dataset and feature cache the candidates train on (absolute paths). */
  dataset?: string;
  cache?: string;
  /**
   * The dataset's class names in the models' output order: what the report, export and
   * demo read (a study without it has the paper's 3 classes).
   */
  labels?: string[];
  /**
   * How the dataset was split (@asc/datasets' SplitMethod and layout); a drawn split's
   * seed and evaluateFraction are what a resumed search draws again.
   */
  split?: DatasetSplitRecord;
  featureConfigHash?: string | null;
  /** The search's sampler, pruner and initialisation, as its last run used them. */
  sampler?: SamplerChoice;
  pruner?: PrunerConfig;
  init?: WeightInit;
  retrain?: Partial<Record<RetrainRole, RetrainEntry>>;
  [key: string]: unknown;
}

/** study.json cannot be used, or the store does not hold the study asked for. */
export class StudyDirError extends AscError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('study-dir-invalid', `${file}: ${message}`, { context: { file } });
  }
}

/** What a search asks for; what it leaves out comes from study.json, then the defaults. */
export interface StudySettingsRequest {
  seed?: number;
  window?: Partial<SizeWindow>;
  dataset?: string;
  cache?: string;
  /** A trial's full budget in epochs (the top rung). */
  epochs?: number;
  sampler?: { kind?: SamplerKind; population?: number; tournament?: number };
  pruner?: {
    kind?: PrunerKind;
    minEpochs?: number;
    reductionFactor?: number;
    metric?: PrunerMetric;
  };
  init?: WeightInit;
}

export interface StudySettings {
  seed: number;
  window: SizeWindow;
  dataset?: string;
  cache?: string;
  sampler: SamplerChoice;
  /** Not yet checked: Study.open refuses settings that make no sense. */
  pruner: PrunerConfig;
  init: WeightInit;
}

/** Default epochs of a trial (the paper's 3) and the pruners' reduction factor. */
export const DEFAULT_SEARCH_EPOCHS = 3;
export const DEFAULT_REDUCTION_FACTOR = 3;

/**
 * The pruner asked for, completed from the stored one when it is the same kind with the
 * same budget, then from the defaults: eta 3, rungs down to epochs / eta^2 (three rungs:
 * 1/3, 1 and 3 epochs for the paper's budget), ranked by accuracy.
 */
function resolvePruner(
  request: StudySettingsRequest,
  stored: PrunerConfig | undefined,
): PrunerConfig {
  const r = request.pruner ?? {};
  const kind = r.kind ?? stored?.kind ?? 'none';
  const maxEpochs = request.epochs ?? stored?.maxEpochs ?? DEFAULT_SEARCH_EPOCHS;
  const same =
    stored && stored.kind === kind && stored.maxEpochs === maxEpochs ? stored : undefined;
  const reductionFactor = r.reductionFactor ?? same?.reductionFactor ?? DEFAULT_REDUCTION_FACTOR;
  const minEpochs =
    r.minEpochs ??
    same?.minEpochs ??
    (kind === 'none' ? maxEpochs : maxEpochs / reductionFactor ** 2);
  return {
    kind,
    maxEpochs,
    minEpochs,
    reductionFactor,
    metric: r.metric ?? same?.metric ?? 'accuracy',
  };
}

function resolveSampler(
  request: StudySettingsRequest,
  stored: SamplerChoice | undefined,
): SamplerChoice {
  const kind = request.sampler?.kind ?? stored?.kind ?? 'random';
  if (kind === 'random') return { kind };
  const same = stored?.kind === 'evolution' ? stored : undefined;
  return {
    kind,
    population: request.sampler?.population ?? same?.population ?? DEFAULT_EVOLUTION.population,
    tournament: request.sampler?.tournament ?? same?.tournament ?? DEFAULT_EVOLUTION.tournament,
  };
}

/** The seed a new study gets when neither the caller nor study.json names one. */
export const DEFAULT_STUDY_SEED = 1;

/**
 * Each window field as asked, else as study.json has it, else the paper's; a MAC limit
 * comes with the segment duration it was set for.
 */
function resolveWindow(
  request: Partial<SizeWindow> | undefined,
  stored: Partial<SizeWindow> | undefined,
): SizeWindow {
  const pick = <K extends keyof SizeWindow>(k: K): SizeWindow[K] | undefined =>
    request?.[k] ?? stored?.[k];
  const macs = request?.maxMacsPerSecond !== undefined ? request : stored;
  return {
    minKiB: pick('minKiB') ?? DEFAULT_SIZE_WINDOW.minKiB,
    maxKiB: pick('maxKiB') ?? DEFAULT_SIZE_WINDOW.maxKiB,
    ...(pick('bytesPerParam') !== undefined ? { bytesPerParam: pick('bytesPerParam') } : {}),
    ...(pick('maxParams') !== undefined ? { maxParams: pick('maxParams') } : {}),
    ...(macs?.maxMacsPerSecond !== undefined
      ? { maxMacsPerSecond: macs.maxMacsPerSecond, segmentSeconds: macs.segmentSeconds }
      : {}),
  };
}

/**
 * A search's settings: each asked-for value, else study.json's (so that re-running a
 * search resumes its study without repeating the flags), else the defaults.
 */
export function resolveStudySettings(
  request: StudySettingsRequest,
  config: StudyConfig | null,
): StudySettings {
  const dataset = request.dataset ?? config?.dataset;
  const cache = request.cache ?? config?.cache;
  return {
    seed: request.seed ?? config?.seed ?? DEFAULT_STUDY_SEED,
    window: resolveWindow(request.window, config?.window),
    ...(dataset !== undefined ? { dataset } : {}),
    ...(cache !== undefined ? { cache } : {}),
    sampler: resolveSampler(request, config?.sampler),
    pruner: resolvePruner(request, config?.pruner),
    // A study.json without `init` predates the option: its candidates started Glorot's way.
    init: request.init ?? (config ? (config.init ?? 'glorot') : DEFAULT_WEIGHT_INIT),
  };
}

/** Both roles' candidates, or null while the study has no complete trial. */
export function retrainCandidates(selection: Selection): Record<RetrainRole, Candidate> | null {
  if (!selection.bestAccuracy || !selection.lowestLoss) return null;
  return { 'best-accuracy': selection.bestAccuracy, 'lowest-loss': selection.lowestLoss };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the typed fields of a parsed study.json; throws naming the first bad one. */
function checkConfig(file: string, value: unknown): StudyConfig {
  if (!isObject(value)) throw new StudyDirError(file, 'not a JSON object');
  const bad = (field: string, expected: string): never => {
    throw new StudyDirError(
      file,
      `"${field}" must be ${expected}, got ${JSON.stringify(value[field])}`,
    );
  };
  const optional = (field: string, ok: (v: unknown) => boolean, expected: string): void => {
    if (value[field] !== undefined && !ok(value[field])) bad(field, expected);
  };
  const isString = (v: unknown): boolean => typeof v === 'string' && v !== '';
  optional('name', isString, 'a non-empty string');
  optional('seed', (v) => Number.isSafeInteger(v), 'an integer');
  optional('trials', (v) => Number.isSafeInteger(v), 'an integer');
  optional(
    'window',
    (v) => isObject(v) && typeof v.minKiB === 'number' && typeof v.maxKiB === 'number',
    'an object {minKiB, maxKiB}',
  );
  optional('dataset', isString, 'a path');
  optional('cache', isString, 'a path');
  optional(
    'labels',
    (v) => Array.isArray(v) && v.length >= 2 && v.every(isString),
    'a list of two or more class names',
  );
  optional(
    'split',
    (v) => isObject(v) && isString(v.method) && isString(v.digest),
    'an object {layout, method, digest, ...}',
  );
  optional('featureConfigHash', (v) => v === null || typeof v === 'string', 'a string or null');
  optional('retrain', isObject, 'an object');
  // An exported study's study.json carries the store's sampler record (space, window, and
  // `kind` only for evolution): the kind is optional.
  optional(
    'sampler',
    (v) => isObject(v) && (v.kind === undefined || v.kind === 'random' || v.kind === 'evolution'),
    'an object {kind: "random" | "evolution", ...}',
  );
  optional('pruner', (v) => isObject(v) && typeof v.kind === 'string', 'an object {kind, ...}');
  optional('init', (v) => v === 'pytorch' || v === 'glorot', '"pytorch" or "glorot"');
  return value as StudyConfig;
}

export class StudyDir {
  /** The directory, absolute. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  get configFile(): string {
    return path.join(this.dir, STUDY_FILES.config);
  }
  get storeFile(): string {
    return path.join(this.dir, STUDY_FILES.store);
  }
  get retrainDir(): string {
    return path.join(this.dir, STUDY_FILES.retrain);
  }
  get reportDir(): string {
    return path.join(this.dir, STUDY_FILES.report);
  }
  /** The run folder of a retrained model (a role, or any name the report lists). */
  runDir(name: string): string {
    return path.join(this.retrainDir, name);
  }

  /** study.json, or null when there is none; an unusable one is a StudyDirError naming it. */
  readConfig(): StudyConfig | null {
    const file = this.configFile;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StudyDirError(file, `not readable (${(err as Error).message})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new StudyDirError(file, `not valid JSON (${(err as Error).message})`);
    }
    return checkConfig(file, value);
  }

  /** Replaces study.json whole (creating the directory), so a crash never leaves half of it. */
  writeConfig(config: StudyConfig): void {
    writeJsonAtomicSync(this.configFile, config);
  }

  /** The study's name in its store: study.json's, else the directory's (a new study's). */
  name(config: StudyConfig | null = this.readConfig()): string {
    return config?.name ?? path.basename(this.dir);
  }

  hasStore(): boolean {
    return fs.existsSync(this.storeFile);
  }

  /** Opens the trial store, creating it (and the directory) when new. */
  async openStore(): Promise<SqliteTrialStore> {
    fs.mkdirSync(this.dir, { recursive: true });
    return SqliteTrialStore.open(this.storeFile);
  }

  /**
   * The study a reader of the store means: the one named (by the caller, or study.json),
   * else the store's only study (null when it holds none).
   */
  async findStudy(store: TrialStore, name: string | undefined): Promise<StudyRecord | null> {
    const studies = await store.listStudies();
    const names = studies.map((s) => s.name).join(', ') || 'none';
    if (name !== undefined) {
      const found = studies.find((s) => s.name === name);
      if (!found)
        throw new StudyDirError(this.storeFile, `no study "${name}" (it holds: ${names})`);
      return found;
    }
    if (studies.length > 1) {
      throw new StudyDirError(
        this.storeFile,
        `holds ${studies.length} studies (${names}) and ${STUDY_FILES.config} names none`,
      );
    }
    return studies[0] ?? null;
  }

  /**
   * The analysis of the directory's study (`name`, by default `name()`) once it holds at
   * least `trials` complete trials, else null: what `asc run` checks to skip a search.
   */
  async completedAnalysis(trials: number, name = this.name()): Promise<StudyAnalysis | null> {
    if (!this.hasStore()) return null;
    const store = await SqliteTrialStore.open(this.storeFile);
    try {
      if ((await store.getStudy(name)) === null) return null;
      const analysis = analyseTrials(await store.getTrials(name));
      return analysis.counts.complete >= trials ? analysis : null;
    } finally {
      await store.close();
    }
  }

  /** Records in study.json which run each selected candidate was retrained in. */
  recordRetrainRuns(retrain: Record<RetrainRole, RetrainEntry>): void {
    const config = this.readConfig() ?? {};
    if (JSON.stringify(config.retrain) === JSON.stringify(retrain)) return;
    this.writeConfig({ ...config, retrain });
  }
}
