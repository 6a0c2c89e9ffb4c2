import * as fs from 'fs';
import * as path from 'path';
import type { DatasetSummary, SynthReport } from '@asc/datasets';
import {
  readRunRecord,
  RunMismatchError,
  runPaths,
  trainRun,
  writeJsonAtomic,
  type Recipe,
  type RunRecord,
} from '@asc/trainer';
import {
  analyseTrials,
  archId,
  DEFAULT_HEARTBEAT,
  SqliteTrialStore,
  validateArchSpec,
  type Candidate,
  type Selection,
} from '@asc/zoo';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { checkDataset, synthesizeWithProgress } from '../commands/dataset';
import { extractFeatures, type FeaturesResult } from '../commands/features';
import { reportStudy, type ReportResult } from '../commands/report';
import {
  readStudyConfig,
  searchStudy,
  STUDY_CONFIG_FILE,
  STUDY_STORE_FILE,
} from '../commands/search';
import { progressPrinter } from '../commands/train';
import type { PipelineStep } from './pipeline';
import type { RunSettings } from './settings';

/** What the steps share: the settings, the output, and what earlier steps found. */
export interface RunContext {
  settings: RunSettings;
  out: Output;
  /** The search's choice; set by the search step for the retrain step. */
  selection: Selection | null;
}

/** The two final-recipe runs the report expects under `<study>/retrain/`. */
export const RETRAIN_ROLES = ['best-accuracy', 'lowest-loss'] as const;
export type RetrainRole = (typeof RETRAIN_ROLES)[number];

/** The study's name in its store: study.json's, else the directory's (as `asc search` names it). */
function studyName(studyDir: string): string {
  const config = readStudyConfig(path.join(studyDir, STUDY_CONFIG_FILE));
  return typeof config?.name === 'string' ? config.name : path.basename(studyDir);
}

export interface DatasetStepResult {
  dir: string;
  /** The generator's report; null for a dataset given with --dataset. */
  synthetic: SynthReport | null;
  check: DatasetSummary;
}

/** Generates the synthetic dataset (or takes the one given) and checks it, WAV headers included. */
export const datasetStep: PipelineStep<RunContext, DatasetStepResult> = {
  name: 'dataset',
  title: 'dataset',
  async run({ settings: s, out }) {
    const synthetic = s.synthetic
      ? await synthesizeWithProgress(
          {
            outDir: s.datasetDir,
            clips: s.clips,
            seed: s.seed,
            seconds: s.clipSeconds,
            difficulty: s.difficulty,
            threads: s.threads,
          },
          out,
        )
      : null;
    const check = await checkDataset(s.datasetDir, out, { checkHeaders: true });
    return {
      skipped: synthetic === null || synthetic.upToDate,
      result: { dir: s.datasetDir, synthetic, check },
    };
  },
};

/** Extracts the scalograms of every clip into the cache; cached clips are reused. */
export const featuresStep: PipelineStep<RunContext, FeaturesResult> = {
  name: 'features',
  title: 'features',
  async run({ settings: s, out }) {
    const result = await extractFeatures(
      { dataset: s.datasetDir, cache: s.cacheDir, threads: s.threads, dtype: 'float32' },
      out,
    );
    if (result.failed.length > 0) {
      // Training reads every clip of both splits from the cache.
      throw new CommandFailed(
        `${result.failed.length} files have no features (first: ${result.failed[0].error}); ` +
          'fix or remove them from the dataset, then run again',
        result,
      );
    }
    return { skipped: result.extracted === 0, result };
  },
};

/** The selection of a study that already holds `trials` complete trials, else null. */
async function completedSelection(
  studyDir: string,
  trials: number,
): Promise<{ selection: Selection; complete: number } | null> {
  const storeFile = path.join(studyDir, STUDY_STORE_FILE);
  if (!fs.existsSync(storeFile)) return null;
  const store = await SqliteTrialStore.open(storeFile);
  try {
    const name = studyName(studyDir);
    if ((await store.getStudy(name)) === null) return null;
    const analysis = analyseTrials(await store.getTrials(name));
    return analysis.counts.complete >= trials
      ? { selection: analysis.selection, complete: analysis.counts.complete }
      : null;
  } finally {
    await store.close();
  }
}

export interface SearchStepResult {
  study: string;
  complete: number;
  selection: Selection;
}

/**
 * Runs (or resumes) the random search until the study holds `trials` complete trials;
 * candidates train with the search recipe at the run's batch size and `searchEpochs`.
 */
export const searchStep: PipelineStep<RunContext, SearchStepResult> = {
  name: 'search',
  title: 'search',
  async run(context) {
    const { settings: s, out } = context;
    const done = await completedSelection(s.studyDir, s.trials);
    let skipped = true;
    let complete: number;
    let selection: Selection;
    if (done) {
      out.info(`study ${s.studyDir} already holds ${done.complete} complete trials`);
      ({ selection, complete } = done);
    } else {
      skipped = false;
      // The evaluator reads its recipe from a file; the trial's epochs override the file's.
      const recipeFile = path.join(s.studyDir, 'search-recipe.json');
      writeJsonAtomic(recipeFile, { base: 'search', batchSize: s.batchSize });
      const summary = await searchStudy(
        {
          study: s.studyDir,
          trials: s.trials,
          workers: s.workers,
          seed: s.seed,
          epochs: s.searchEpochs,
          dataset: s.datasetDir,
          cache: s.cacheDir,
          'evaluator-options': JSON.stringify({
            recipe: recipeFile,
            ...(s.threads !== undefined ? { threads: s.threads } : {}),
          }),
          'heartbeat-timeout': DEFAULT_HEARTBEAT.timeoutMs / 1000,
        },
        out,
        { run: { searchRecipe: { base: 'search', batchSize: s.batchSize }, scale: s.scale } },
      );
      ({ selection, complete } = summary);
    }
    if (!selection.bestAccuracy || !selection.lowestLoss) {
      throw new CommandFailed(`the study in ${s.studyDir} has no complete trial to select`);
    }
    context.selection = selection;
    return { skipped, result: { study: s.studyDir, complete, selection } };
  },
};

export interface RetrainedRun {
  role: RetrainRole;
  /** The run directory (for a role that shares the other's architecture, the other's). */
  run: string;
  candidate: Candidate;
  /** Set when this role's candidate is the other role's architecture, trained once. */
  sameAs: RetrainRole | null;
  accuracy: number | null;
  loss: number | null;
}

function isCompleteRun(runDir: string, candidate: Candidate, recipe: Recipe): RunRecord | null {
  if (!fs.existsSync(runPaths(runDir).record)) return null;
  const record = readRunRecord(runDir);
  if (record.status !== 'complete' || record.spec === null) return null;
  const sameArch = archId(validateArchSpec(record.spec)) === candidate.archId;
  const sameRecipe = JSON.stringify(record.recipe) === JSON.stringify(recipe);
  return sameArch && sameRecipe ? record : null;
}

/** Points `<retrain>/<role>` at the run of `target` (a relative symbolic link). */
function linkRole(retrainDir: string, role: RetrainRole, target: RetrainRole): boolean {
  const link = path.join(retrainDir, role);
  const existing = fs.lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink() && fs.readlinkSync(link) === target) return false;
  if (existing) {
    throw new UsageError(
      `${link} holds another run, but the search now selects the same architecture for ` +
        `${role} and ${target}; remove ${link} and run again`,
    );
  }
  fs.symlinkSync(target, link);
  return true;
}

/** Records in study.json which run each selected candidate was retrained in. */
function recordRetrainRuns(studyDir: string, runs: RetrainedRun[]): void {
  const file = path.join(studyDir, STUDY_CONFIG_FILE);
  const config = readStudyConfig(file) ?? {};
  const retrain = Object.fromEntries(
    runs.map((r) => [
      r.role,
      {
        trial: r.candidate.number,
        archId: r.candidate.archId,
        run: path.relative(studyDir, r.run),
        ...(r.sameAs ? { sameAs: r.sameAs } : {}),
      },
    ]),
  );
  if (JSON.stringify(config.retrain) === JSON.stringify(retrain)) return;
  writeJsonAtomic(file, { ...config, retrain });
}

/**
 * Retrains the best-accuracy and the lowest-loss candidates from scratch with the final
 * recipe (at the run's epochs and batch size) into `<study>/retrain/<role>`. When both
 * roles chose the same architecture it is trained once and the second name links to it.
 */
export const retrainStep: PipelineStep<RunContext, RetrainedRun[]> = {
  name: 'retrain',
  title: 'retrain the selected candidates',
  async run({ settings: s, out, selection }) {
    if (!selection?.bestAccuracy || !selection.lowestLoss) {
      throw new Error('the retrain step needs the search step’s selection');
    }
    const retrainDir = path.join(s.studyDir, 'retrain');
    fs.mkdirSync(retrainDir, { recursive: true });
    const chosen: Record<RetrainRole, Candidate> = {
      'best-accuracy': selection.bestAccuracy,
      'lowest-loss': selection.lowestLoss,
    };
    const runs: RetrainedRun[] = [];
    let skipped = true;
    for (const role of RETRAIN_ROLES) {
      const candidate = chosen[role];
      const earlier = runs.find((r) => r.candidate.archId === candidate.archId);
      if (earlier) {
        out.info(
          `${role}: trial ${candidate.number} is ${candidate.archId}, the same architecture as ` +
            `${earlier.role}; trained once, ${path.join(retrainDir, role)} links to ${earlier.run}`,
        );
        if (linkRole(retrainDir, role, earlier.role)) skipped = false;
        runs.push({ ...earlier, role, candidate, sameAs: earlier.role });
        continue;
      }
      const runDir = path.join(retrainDir, role);
      let record = isCompleteRun(runDir, candidate, s.finalRecipe);
      if (record) {
        out.info(`${role}: ${candidate.archId} already retrained in ${runDir}`);
      } else {
        skipped = false;
        out.info(
          `${role}: trial ${candidate.number} ${candidate.archId} (search accuracy ` +
            `${(100 * candidate.accuracy).toFixed(2)}%, loss ${candidate.loss.toFixed(4)}), ` +
            `${s.finalRecipe.epochs} epochs into ${runDir}`,
        );
        record = await trainCandidate(s, candidate, runDir, out);
      }
      runs.push({
        role,
        run: runDir,
        candidate,
        sameAs: null,
        accuracy: record.final?.testAccuracy ?? null,
        loss: record.final?.testLoss ?? null,
      });
    }
    recordRetrainRuns(s.studyDir, runs);
    return { skipped, result: runs };
  },
};

/** One final-recipe run; Ctrl-C stops it after the current batch, keeping the last epoch. */
async function trainCandidate(
  s: RunSettings,
  candidate: Candidate,
  runDir: string,
  out: Output,
): Promise<RunRecord> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    return await trainRun({
      model: validateArchSpec(candidate.spec),
      datasetDir: s.datasetDir,
      cacheDir: s.cacheDir,
      runDir,
      recipe: s.finalRecipe,
      seed: s.seed,
      threads: s.threads,
      onInfo: (line) => out.info(line),
      onProgress: progressPrinter(out),
      signal: controller.signal,
    });
  } catch (err) {
    if (err instanceof RunMismatchError) throw new UsageError(err.message);
    if (controller.signal.aborted) {
      throw new CommandFailed(
        `interrupted; ${runDir} keeps its last finished epoch: run the same command again to resume`,
      );
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

/** The newest modification time among the files the report reads. */
function newestReportInput(studyDir: string): number {
  const files = [STUDY_CONFIG_FILE, STUDY_STORE_FILE].map((f) => path.join(studyDir, f));
  const retrainDir = path.join(studyDir, 'retrain');
  if (fs.existsSync(retrainDir)) {
    for (const role of fs.readdirSync(retrainDir)) {
      files.push(runPaths(path.join(retrainDir, role)).record);
    }
  }
  return Math.max(...files.map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

/** Writes `<study>/report`, unless its index.html is newer than everything it reads. */
export const reportStep: PipelineStep<RunContext, ReportResult | { html: string }> = {
  name: 'report',
  title: 'report',
  async run({ settings: s, out }) {
    const html = path.join(s.studyDir, 'report', 'index.html');
    const written = fs.statSync(html, { throwIfNoEntry: false })?.mtimeMs;
    if (written !== undefined && written >= newestReportInput(s.studyDir)) {
      out.info(`report ${html} is newer than the study and its runs; kept`);
      return { skipped: true, result: { html } };
    }
    return { skipped: false, result: await reportStudy({ study: s.studyDir }, out) };
  },
};

/** The pipeline of `asc run`, in order. */
export const RUN_STEPS = [datasetStep, featuresStep, searchStep, retrainStep, reportStep];
