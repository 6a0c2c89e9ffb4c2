import * as fs from 'fs';
import * as path from 'path';
import {
  splitOptionsOf,
  type DatasetSummary,
  type SplitOptions,
  type SynthReport,
} from '@asc/datasets';
import {
  readRunRecord,
  RunMismatchError,
  runPaths,
  type Recipe,
  type RunRecord,
} from '@asc/trainer';
import {
  archId,
  RETRAIN_ROLES,
  resolveStudySettings,
  retrainCandidates,
  StudyDir,
  validateArchSpec,
  type Candidate,
  type RetrainEntry,
  type RetrainRole,
  type Selection,
} from '@asc/zoo';
import { REPORT_FILES } from '@asc/report';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { checkDataset, synthesizeWithProgress } from '../ops/dataset';
import { extractFeatures, type FeaturesResult } from '../ops/features';
import { reportStudy, type ReportResult } from '../ops/report';
import { readStudyConfig, searchStudy } from '../ops/search';
import { trainWithProgress } from '../ops/train';
import type { PipelineStep } from './pipeline';
import type { RunSettings } from './settings';

/** What the steps share: the settings, the output, and what earlier steps found. */
export interface RunContext {
  settings: RunSettings;
  out: Output;
  /** The search's choice; set by the search step for the retrain step. */
  selection: Selection | null;
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
            classes: s.classes,
            threads: s.threads,
          },
          out,
        )
      : null;
    const check = await checkDataset(s.datasetDir, out, { checkHeaders: true, split: s.split });
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
      { datasetDir: s.datasetDir, cacheDir: s.cacheDir, threads: s.threads, dtype: 'float32' },
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
    const studyDir = new StudyDir(s.studyDir);
    const done = await studyDir.completedAnalysis(
      s.trials,
      studyDir.name(readStudyConfig(studyDir)),
    );
    let skipped = true;
    let complete: number;
    let selection: Selection;
    if (done) {
      complete = done.counts.complete;
      selection = done.selection;
      out.info(`study ${s.studyDir} already holds ${complete} complete trials`);
    } else {
      skipped = false;
      // The trial's epochs override the recipe's.
      const searchRecipe = { base: 'search', batchSize: s.batchSize };
      const summary = await searchStudy(
        {
          study: { dir: s.studyDir },
          trials: s.trials,
          workers: s.workers,
          seed: s.seed,
          epochs: s.searchEpochs,
          init: s.init,
          dataset: s.datasetDir,
          cache: s.cacheDir,
          split: s.split,
          evaluatorOptions: {
            recipe: searchRecipe,
            ...(s.threads !== undefined ? { threads: s.threads } : {}),
            ...(s.backend !== undefined ? { backend: s.backend } : {}),
          },
          extra: { run: { searchRecipe, scale: s.scale } },
        },
        out,
      );
      ({ selection, complete } = summary);
    }
    if (retrainCandidates(selection) === null) {
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

/**
 * Retrains the best-accuracy and the lowest-loss candidates from scratch with the final
 * recipe (at the run's epochs and batch size) into `<study>/retrain/<role>`. When both
 * roles chose the same architecture it is trained once and the second name links to it.
 */
export const retrainStep: PipelineStep<RunContext, RetrainedRun[]> = {
  name: 'retrain',
  title: 'retrain the selected candidates',
  async run({ settings: s, out, selection }) {
    const chosen = selection && retrainCandidates(selection);
    if (!chosen) throw new Error('the retrain step needs the search step’s selection');
    const studyDir = new StudyDir(s.studyDir);
    const retrainDir = studyDir.retrainDir;
    // Without split flags, the candidates retrain on the split the search drew.
    const studySplit = s.split ?? splitOptionsOf(readStudyConfig(studyDir)?.split);
    fs.mkdirSync(retrainDir, { recursive: true });
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
      const runDir = studyDir.runDir(role);
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
        record = await trainCandidate(s, candidate, runDir, out, studySplit);
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
    studyDir.recordRetrainRuns(
      Object.fromEntries(
        runs.map((r): [RetrainRole, RetrainEntry] => [
          r.role,
          {
            trial: r.candidate.number,
            archId: r.candidate.archId,
            run: path.relative(studyDir.dir, r.run),
            ...(r.sameAs ? { sameAs: r.sameAs } : {}),
          },
        ]),
      ) as Record<RetrainRole, RetrainEntry>,
    );
    return { skipped, result: runs };
  },
};

/** One final-recipe run; Ctrl-C stops it after the current batch, keeping the last epoch. */
async function trainCandidate(
  s: RunSettings,
  candidate: Candidate,
  runDir: string,
  out: Output,
  split: Partial<SplitOptions> | undefined,
): Promise<RunRecord> {
  try {
    return await trainWithProgress(
      {
        model: validateArchSpec(candidate.spec),
        datasetDir: s.datasetDir,
        cacheDir: s.cacheDir,
        split,
        runDir,
        recipe: s.finalRecipe,
        seed: s.seed,
        // As the candidates were searched with (study.json's, after the search step).
        init: resolveStudySettings({ init: s.init }, readStudyConfig(new StudyDir(s.studyDir)))
          .init,
        threads: s.threads,
        ...(s.backend !== undefined ? { backend: s.backend } : {}),
      },
      out,
    );
  } catch (err) {
    if (err instanceof RunMismatchError) throw new UsageError(err.message);
    throw err;
  }
}

/** The newest modification time among the files the report reads. */
function newestReportInput(studyDir: StudyDir): number {
  const files = [studyDir.configFile, studyDir.storeFile];
  if (fs.existsSync(studyDir.retrainDir)) {
    for (const name of fs.readdirSync(studyDir.retrainDir)) {
      files.push(runPaths(studyDir.runDir(name)).record);
    }
  }
  return Math.max(...files.map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

/** Writes `<study>/report`, unless its index.html is newer than everything it reads. */
export const reportStep: PipelineStep<RunContext, ReportResult | { html: string }> = {
  name: 'report',
  title: 'report',
  async run({ settings: s, out }) {
    const studyDir = new StudyDir(s.studyDir);
    const html = path.join(studyDir.reportDir, REPORT_FILES.html);
    const written = fs.statSync(html, { throwIfNoEntry: false })?.mtimeMs;
    if (written !== undefined && written >= newestReportInput(studyDir)) {
      out.info(`report ${html} is newer than the study and its runs; kept`);
      return { skipped: true, result: { html } };
    }
    return { skipped: false, result: await reportStudy({ studyDir: studyDir.dir }, out) };
  },
};

/** The pipeline of `asc run`, in order. */
export const RUN_STEPS = [datasetStep, featuresStep, searchStep, retrainStep, reportStep];
