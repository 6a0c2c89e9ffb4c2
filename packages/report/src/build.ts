import {
  STUDY_FILES,
  StudyDir,
  studySizeWindow,
  type StudyAnalysis,
  type TrialRecord,
} from '@asc/zoo';
import { configurationTables, growthMeansTable } from './analysis';
import { retrainingTable, searchFacts } from './facts';
import { figure3, figure4, scoredTrials, type ScoredTrial } from './figures';
import type { GitRevision } from './fingerprint';
import type { ReportModel, Section, Table } from './model';
import { PAPER_TABLE4 } from './paper';
import { computeFacts, hasRungs, prunerOf, rungsTable } from './pruning';
import type { StudySnapshot } from './studyData';
import { perClassTable, table3, table4 } from './tables';

/** What the manifest records beyond the study's files: the code and the machine now. */
export interface ManifestContext {
  generatedAt: Date;
  /** The commit of the code that wrote the report (null outside a git checkout). */
  git: GitRevision | null;
  /** Package versions (the report's own tools and whatever the caller adds). */
  packages: Record<string, string | null>;
  /** The caller's description of the runtime: native addon build, Node, machine. */
  environment: Record<string, unknown>;
}

function paperTable4(): Table {
  return {
    id: 'paper-table4',
    title: "The paper's Table 4",
    caption: 'As published (Wu & Lee 2020), for reference.',
    columns: [
      { key: 'model', label: 'model', format: { kind: 'text' } },
      { key: 'sizeMB', label: 'MB (fp32)', format: { kind: 'fixed', decimals: 2 } },
      { key: 'sizeMBFp16', label: 'MB (fp16)', format: { kind: 'fixed', decimals: 2 } },
      { key: 'accuracy', label: 'accuracy', format: { kind: 'percent', decimals: 1 } },
    ],
    rows: PAPER_TABLE4.map((r) => ({ ...r })),
    notes: [],
  };
}

function section(title: string, parts: Partial<Omit<Section, 'title'>>): Section {
  return { title, notes: [], facts: [], tables: [], figures: [], ...parts };
}

function seedsOf(trials: readonly TrialRecord[]): Record<string, number> {
  return Object.fromEntries(trials.map((t) => [String(t.trialId), t.seed]));
}

function manifest(snapshot: StudySnapshot, context: ManifestContext): Record<string, unknown> {
  const { study, runs } = snapshot;
  return {
    generatedAt: context.generatedAt.toISOString(),
    code: context.git ?? 'not in a git checkout',
    packages: context.packages,
    environment: context.environment,
    study: {
      dir: snapshot.dir,
      studyJson: snapshot.studyJson,
      store: snapshot.storeLocation,
      name: study?.name ?? null,
      seed: study?.seed ?? null,
      config: study?.config ?? null,
      createdAt: study ? new Date(study.createdAt).toISOString() : null,
    },
    featureConfigHash: study?.featureConfigHash ?? snapshot.studyJson?.featureConfigHash ?? null,
    trialFeatureConfigHashes: [...new Set(snapshot.trials.map((t) => t.featureConfigHash))],
    runFeatureConfigHashes: Object.fromEntries(runs.runs.map((r) => [r.name, r.featureConfigHash])),
    dataset: snapshot.dataset,
    seeds: {
      study: study?.seed ?? null,
      trials: seedsOf(snapshot.trials),
      runs: Object.fromEntries(runs.runs.map((r) => [r.name, r.seed])),
    },
    runs: runs.runs.map((r) => ({
      name: r.name,
      file: r.file,
      model: r.model,
      spec: r.spec,
      recipe: r.recipe,
      backend: r.backend,
    })),
  };
}

/**
 * The study's class names: study.json's labels, else the store's record of the study's,
 * else those of a retrained run; null when none records them (a study of the paper's 3
 * classes from before they were recorded).
 */
export function studyClasses(snapshot: StudySnapshot): string[] | null {
  const stored = snapshot.study?.config.labels;
  return (
    snapshot.studyJson?.labels ??
    (Array.isArray(stored) && stored.every((l) => typeof l === 'string') ? stored : null) ??
    snapshot.runs.runs[0]?.classes ??
    null
  );
}

/** A per-class table for each retrained run (a role linked to another's run only once). */
function perClassTables(snapshot: StudySnapshot): Table[] {
  const seen = new Set<string>();
  const tables: Table[] = [];
  for (const run of snapshot.runs.runs) {
    const key = JSON.stringify([run.model, run.seed, run.recipe, run.final]);
    if (seen.has(key)) continue;
    seen.add(key);
    const table = perClassTable(run);
    if (table) tables.push(table);
  }
  return tables;
}

/** Lines saying what the study lacks for a complete report. */
function missingParts(snapshot: StudySnapshot, scored: readonly ScoredTrial[]): string[] {
  const missing: string[] = [...snapshot.problems];
  const configFile = new StudyDir(snapshot.dir).configFile;
  // An unusable study.json is among the problems already.
  if (snapshot.studyJson === null && !missing.some((p) => p.startsWith(configFile)))
    missing.push(`${configFile}: absent (no study configuration recorded).`);
  if (snapshot.storeLocation === null)
    missing.push(`No trial store (${STUDY_FILES.store}): the search has not run in this study.`);
  else if (snapshot.study === null) missing.push('The trial store holds no study.');
  if (snapshot.storeLocation !== null && scored.length === 0) {
    missing.push('No complete candidates: Table 3 and Figures 3 and 4 are empty.');
  } else if (scored.length === 1) {
    missing.push(
      'Only one complete candidate: the statistics and histograms rest on a single value.',
    );
  }
  missing.push(...snapshot.runs.problems);
  if (snapshot.runs.runs.length === 0)
    missing.push(`No retrained runs under ${STUDY_FILES.retrain}/: Table 4 is empty.`);
  if (snapshot.dataset === null && !snapshot.problems.some((p) => p.startsWith('dataset'))) {
    missing.push(
      'No dataset directory recorded in study.json or a run record: the dataset fingerprint is absent.',
    );
  }
  return missing;
}

/**
 * The report of a study, as plain data. Pure: every number comes from `snapshot` (the
 * study's records) and the paper's published values; `analysis` is the zoo's analysis of
 * the trials, with its choice of the best-accuracy and lowest-loss candidates.
 */
export function buildReport(
  snapshot: StudySnapshot,
  analysis: StudyAnalysis,
  context: ManifestContext,
): ReportModel {
  const { selection } = analysis;
  const classes = studyClasses(snapshot);
  // Without names, the number the study's sampler sized its candidates with.
  const sampler = snapshot.study?.config.sampler as { classes?: unknown } | undefined;
  const heads = classes?.length ?? (typeof sampler?.classes === 'number' ? sampler.classes : 3);
  const scored = scoredTrials(snapshot.trials);
  const stored = snapshot.study && studySizeWindow(snapshot.study);
  // Figure 3 plots float32 KiB; a window counted at other bytes per parameter scales to it.
  const float32 = 4 / (stored?.bytesPerParam ?? 4);
  const window = stored && {
    minKiB: stored.minKiB * float32,
    maxKiB: stored.maxKiB * float32,
  };
  const means = growthMeansTable(analysis);
  const selected = [
    ...(selection.bestAccuracy
      ? [table3('table3-best-accuracy', 'best-accuracy', selection.bestAccuracy, heads)]
      : []),
    ...(selection.lowestLoss
      ? [table3('table3-lowest-loss', 'lowest-loss', selection.lowestLoss, heads)]
      : []),
  ];
  const sameCandidate =
    selection.bestAccuracy !== null &&
    selection.bestAccuracy.trialId === selection.lowestLoss?.trialId;
  const pruner = prunerOf(snapshot.study?.config ?? null);
  const pruned = hasRungs(pruner);
  const compute = computeFacts(snapshot.trials, analysis, pruner);
  // Under a pruner, the figures plot only the trials that reached the top rung.
  const topRung = pruned
    ? [
        `Under the ${pruner!.kind} pruner: the ${scored.length} trials that reached the top rung ` +
          `(${pruner!.maxEpochs} epochs), of ${analysis.counts.complete + analysis.counts.pruned} finished.`,
      ]
    : [];
  const sections: Section[] = [
    section('The search', {
      facts: [
        ...searchFacts(snapshot, analysis),
        {
          label: 'classes',
          value: classes
            ? `${classes.length}: ${classes.join(', ')}`
            : "3 (the paper's; the study records no class names)",
        },
        ...(pruned ? [] : compute),
      ],
      tables: [retrainingTable(snapshot.runs.runs)],
    }),
    ...(pruned
      ? [
          section('Rungs, promotions and compute', {
            facts: compute,
            tables: [rungsTable(analysis)],
          }),
        ]
      : []),
    section('Table 3: the selected architectures', {
      notes: [
        "The candidate with the highest test accuracy (the paper's Model A) and the one with the lowest " +
          "test loss (Model B) after the search recipe, laid out as the paper's Table 3.",
        ...(sameCandidate
          ? ['One candidate has both the highest accuracy and the lowest loss.']
          : []),
        ...(selected.length === 0 ? ['No complete candidate to select.'] : []),
      ],
      tables: selected,
      sideBySide: true,
    }),
    section('Table 4: size and accuracy of the retrained models', {
      tables: [table4(snapshot.runs.runs), paperTable4()],
    }),
    section('Per-class accuracy of the retrained models', {
      notes:
        snapshot.runs.runs.length === 0
          ? ['No retrained runs under retrain/.']
          : ['Recall of each class and the confusion matrix, from each run record.'],
      tables: perClassTables(snapshot),
    }),
    section('Figure 3: accuracy against model size', {
      notes: topRung,
      figures: [
        figure3(
          scored,
          {
            bestAccuracy: selection.bestAccuracy?.trialId ?? null,
            lowestLoss: selection.lowestLoss?.trialId ?? null,
          },
          window,
        ),
      ],
    }),
    section('Figure 4: accuracy per growth ratio', {
      notes: topRung,
      figures: [figure4(scored, means)],
      tables: [means],
    }),
    section('Accuracy against configuration', {
      notes: ["Statistics of the complete candidates by configuration, from the zoo's analysis."],
      tables: configurationTables(analysis),
    }),
  ];
  return {
    title: `Reproducibility report: ${snapshot.study?.name ?? snapshot.dir}`,
    studyDir: snapshot.dir,
    generatedAt: context.generatedAt.toISOString(),
    missing: missingParts(snapshot, scored),
    sections,
    manifest: manifest(snapshot, context),
  };
}
