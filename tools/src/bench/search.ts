import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Argv } from 'yargs';
import { buildFeatureCache, openFeatureCache, type FeatureConfig } from '@asc/native';
import { readDataset } from '@asc/datasets';
import { createEvaluator, parseRecipe, trainRun, type Recipe } from '@asc/trainer';
import {
  RandomSampler,
  SqliteTrialStore,
  WEIGHT_INITS,
  rungRankCorrelation,
  runSearch,
  type ArchSpec,
  type EpochMetrics,
  type PrunerConfig,
  type SamplerChoice,
  type SearchSummary,
  type TrialRecord,
} from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import { checkPositiveIntegers, parseEpochs } from '../cli/flags';
import type { Output } from '../cli/output';
import { synthesizeWithProgress } from '../ops/dataset';

interface SearchBenchArgs {
  seeds: string;
  trials: number;
  epochs: number;
  'min-epochs': string;
  'reduction-factor': number;
  population: number;
  tournament: number;
  'final-epochs': number;
  'batch-size': number;
  metric: 'accuracy' | 'loss';
  clips: number;
  seconds: number;
  difficulty: number;
  out?: string;
  threads?: number;
  'compare-init': boolean;
}

/**
 * Scalograms small enough that a few dozen candidate trainings fit in minutes on two
 * cores: 32 frames of 40 ms (1.28 s) by 31 bands (Q 4, J 8) instead of 128 x 128. The
 * architectures and their size window are those of the paper: the input size changes
 * what a candidate costs to train, not its parameters.
 */
export const SEARCH_BENCH_FEATURES: Partial<FeatureConfig> = {
  hopSamples: 1920,
  segmentFrames: 32,
  Q: 4,
  J: 8,
};

/** One strategy's run on one seed: what the issue asks for, and where it came from. */
export interface StrategyResult {
  name: string;
  seed: number;
  trainedSamples: number;
  wallSeconds: number;
  /** Architecture id of the candidate selected (best accuracy at the top rung). */
  selectedId: string | null;
  /** Its clip accuracy after retraining with the final recipe. */
  finalAccuracy: number | null;
  /** Its accuracy at the search's top rung. */
  searchAccuracy: number | null;
  finished: number;
  complete: number;
}

export interface StrategySummary {
  name: string;
  finalAccuracyMean: number | null;
  finalAccuracyStd: number | null;
  trainedSamplesMean: number;
  /** Trained samples over the paper's protocol's, per seed. */
  computeRatios: number[];
  wallSecondsMean: number;
}

/** `asc bench search --json`. */
export interface SearchBenchResult {
  strategies: StrategyResult[];
  /** Per seed, the rank correlation of each low rung's metric with the top rung's. */
  spearman: {
    seed: number;
    rungs: { rung: number; epochs: number | null; trials: number; rho: number | null }[];
  }[];
  seeds: number[];
  summary: StrategySummary[];
  /** Whether each cheaper strategy met the target (see the README). */
  target: { name: string; withinSpread: boolean; computeAtMostQuarter: boolean }[];
  init?: { init: string; epoch1: number; epoch3: number; archs: string[] }[];
  settings: Record<string, unknown>;
  loadAverage: { start: number[]; end: number[] };
  wallSeconds: number;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function std(xs: number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || !seeds.every(Number.isSafeInteger)) {
    throw new UsageError(`--seeds must be integers separated by commas, got ${text}`);
  }
  return seeds;
}

async function trialsOf(storeFile: string, study: string): Promise<TrialRecord[]> {
  const store = await SqliteTrialStore.open(storeFile);
  try {
    return await store.getTrials(study);
  } finally {
    await store.close();
  }
}

interface BenchContext {
  out: Output;
  dir: string;
  dataset: string;
  cache: string;
  threads: number;
  searchRecipe: Recipe;
}

/** One search of one strategy, resumable; returns its summary and wall seconds. */
async function search(
  c: BenchContext,
  o: {
    name: string;
    seed: number;
    trials: number;
    pruner: PrunerConfig;
    sampler: SamplerChoice;
  },
): Promise<{ summary: SearchSummary; wallSeconds: number; storeFile: string }> {
  const dir = path.join(c.dir, `seed-${o.seed}`, o.name);
  fs.mkdirSync(dir, { recursive: true });
  const storeFile = path.join(dir, 'trials.sqlite');
  const started = performance.now();
  const summary = await runSearch({
    storeLocation: storeFile,
    studyName: o.name,
    seed: o.seed,
    trials: o.trials,
    workers: 1,
    pruner: o.pruner,
    sampler: o.sampler,
    checkpointDir: path.join(dir, 'checkpoints'),
    evaluatorOptions: {
      dataset: c.dataset,
      cache: c.cache,
      recipe: c.searchRecipe,
      threads: c.threads,
    },
    handleSignals: true,
  });
  if (summary.end !== 'done') {
    throw new CommandFailed(
      `the ${o.name} search of seed ${o.seed} ended ${summary.end}: ${summary.message}`,
    );
  }
  return { summary, wallSeconds: (performance.now() - started) / 1000, storeFile };
}

/**
 * `asc bench search`: the paper's protocol against ASHA and evolution + ASHA on one
 * synthetic dataset and seed set, each strategy's selection retrained with the final
 * recipe (see the README's Benchmarks section for the figures and their reading).
 */
async function benchSearch(args: SearchBenchArgs, out: Output): Promise<SearchBenchResult> {
  checkPositiveIntegers({
    '--trials': args.trials,
    '--population': args.population,
    '--tournament': args.tournament,
    '--final-epochs': args['final-epochs'],
    '--batch-size': args['batch-size'],
    '--clips': args.clips,
    '--threads': args.threads,
  });
  const seeds = parseSeeds(args.seeds);
  const minEpochs = parseEpochs('--min-epochs', args['min-epochs'])!;
  const started = performance.now();
  const loadStart = os.loadavg();
  const dir = path.resolve(args.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'asc-bench-search-')));
  const threads = args.threads ?? os.availableParallelism();
  out.info(
    `bench search in ${dir}: seeds ${seeds.join(', ')}, ${args.trials} trials x ${args.epochs} epochs, ` +
      `rungs from ${+minEpochs.toFixed(4)} epochs, eta ${args['reduction-factor']}; ` +
      `load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const dataset = path.join(dir, 'dataset');
  await synthesizeWithProgress(
    {
      outDir: dataset,
      clips: args.clips,
      seed: 1,
      seconds: args.seconds,
      difficulty: args.difficulty,
    },
    out,
  );
  const cache = path.join(dir, 'cache');
  const { clips } = await readDataset(dataset);
  await buildFeatureCache({ clips, cacheDir: cache, config: SEARCH_BENCH_FEATURES, threads });
  openFeatureCache(cache).close();

  const searchRecipe = parseRecipe({ base: 'search', batchSize: args['batch-size'] });
  const finalRecipe = parseRecipe({
    base: 'final',
    epochs: args['final-epochs'],
    batchSize: args['batch-size'],
  });
  const c: BenchContext = { out, dir, dataset, cache, threads, searchRecipe };
  const rungs = {
    maxEpochs: args.epochs,
    minEpochs,
    reductionFactor: args['reduction-factor'],
    metric: args.metric,
  };
  const strategies: StrategyResult[] = [];
  const spearman: SearchBenchResult['spearman'] = [];

  for (const seed of seeds) {
    const results: { name: string; summary: SearchSummary; wallSeconds: number }[] = [];
    // (a) The paper's protocol; its rungs only record (every trial trains the full budget).
    const protocol = await search(c, {
      name: 'protocol',
      seed,
      trials: args.trials,
      pruner: { kind: 'none', ...rungs },
      sampler: { kind: 'random' },
    });
    results.push({ name: 'protocol', ...protocol });
    const trials = await trialsOf(protocol.storeFile, 'protocol');
    spearman.push({
      seed,
      rungs: protocol.summary.rungs
        .slice(0, -1)
        .map((r) => rungRankCorrelation(trials, r.rung, args.metric)),
    });
    // (b) ASHA on the same sampled architectures (the same seed: the same random sequence).
    const asha = await search(c, {
      name: 'asha',
      seed,
      trials: args.trials,
      pruner: { kind: 'asha', ...rungs },
      sampler: { kind: 'random' },
    });
    results.push({ name: 'asha', ...asha });
    // (c) Evolution + ASHA, grown until it has trained as much as (b).
    const budget = asha.summary.trainedSamples ?? 0;
    const sampler: SamplerChoice = {
      kind: 'evolution',
      population: args.population,
      tournament: args.tournament,
    };
    let evolution = await search(c, {
      name: 'evolution-asha',
      seed,
      trials: args.trials,
      pruner: { kind: 'asha', ...rungs },
      sampler,
    });
    let wall = evolution.wallSeconds;
    for (let more = args.trials + 1; (evolution.summary.trainedSamples ?? 0) < budget; more++) {
      if (more > 4 * args.trials) break;
      evolution = await search(c, {
        name: 'evolution-asha',
        seed,
        trials: more,
        pruner: { kind: 'asha', ...rungs },
        sampler,
      });
      wall += evolution.wallSeconds;
    }
    results.push({ name: 'evolution-asha', ...evolution, wallSeconds: wall });

    // Each selection retrained with the final recipe (an architecture chosen twice, once).
    const finals = new Map<string, number>();
    for (const r of results) {
      const chosen = r.summary.selection.bestAccuracy;
      if (chosen && !finals.has(chosen.archId)) {
        const record = await trainRun({
          model: chosen.spec as ArchSpec,
          datasetDir: dataset,
          cacheDir: cache,
          runDir: path.join(dir, `seed-${seed}`, 'retrain', chosen.archId),
          recipe: finalRecipe,
          seed,
          threads,
        });
        finals.set(chosen.archId, record.final?.testAccuracy ?? NaN);
      }
      const result: StrategyResult = {
        name: r.name,
        seed,
        trainedSamples: r.summary.trainedSamples ?? 0,
        wallSeconds: r.wallSeconds,
        selectedId: chosen?.archId ?? null,
        finalAccuracy: chosen ? (finals.get(chosen.archId) ?? null) : null,
        searchAccuracy: chosen?.accuracy ?? null,
        finished: r.summary.finished,
        complete: r.summary.complete,
      };
      strategies.push(result);
      out.info(
        `seed ${seed} ${r.name.padEnd(15)} ${result.trainedSamples.toLocaleString('en-US').padStart(9)} samples ` +
          `${result.wallSeconds.toFixed(0).padStart(5)} s  selected ${result.selectedId} ` +
          `(search ${pct(result.searchAccuracy)}, final ${pct(result.finalAccuracy)})`,
      );
    }
    for (const r of spearman[spearman.length - 1].rungs) {
      out.info(
        `seed ${seed} spearman rung ${r.rung} (${r.epochs === null ? '-' : +r.epochs.toFixed(4)} epochs) vs top, ` +
          `${r.trials} trials: ${r.rho === null ? '-' : r.rho.toFixed(3)}`,
      );
    }
  }

  const names = ['protocol', 'asha', 'evolution-asha'];
  const summary = names.map((name): StrategySummary => {
    const rows = strategies.filter((s) => s.name === name);
    const finals = rows.map((r) => r.finalAccuracy).filter((x): x is number => x !== null);
    const protocolSamples = (seed: number) =>
      strategies.find((s) => s.name === 'protocol' && s.seed === seed)!.trainedSamples;
    return {
      name,
      finalAccuracyMean: mean(finals),
      finalAccuracyStd: std(finals),
      trainedSamplesMean: mean(rows.map((r) => r.trainedSamples)) ?? 0,
      computeRatios: rows.map((r) => r.trainedSamples / protocolSamples(r.seed)),
      wallSecondsMean: mean(rows.map((r) => r.wallSeconds)) ?? 0,
    };
  });
  const [paper] = summary;
  const target = summary.slice(1).map((s) => {
    // The seeds' spread: the larger of the two strategies' standard deviations.
    const spread = Math.max(paper.finalAccuracyStd ?? 0, s.finalAccuracyStd ?? 0);
    return {
      name: s.name,
      withinSpread:
        s.finalAccuracyMean !== null &&
        paper.finalAccuracyMean !== null &&
        s.finalAccuracyMean >= paper.finalAccuracyMean - spread,
      computeAtMostQuarter: s.computeRatios.every((r) => r <= 0.25),
    };
  });
  for (const s of summary) {
    out.info(
      `${s.name.padEnd(15)} final accuracy ${pct(s.finalAccuracyMean)} +- ${pct(s.finalAccuracyStd)} over ` +
        `${seeds.length} seeds; samples ${Math.round(s.trainedSamplesMean).toLocaleString('en-US')} ` +
        `(${s.computeRatios.map((r) => (100 * r).toFixed(1) + ' %').join(', ')} of the protocol's)`,
    );
  }
  for (const t of target) {
    out.info(
      `target for ${t.name}: accuracy within the spread ${t.withinSpread ? 'yes' : 'NO'}, ` +
        `at most 1/4 of the samples ${t.computeAtMostQuarter ? 'yes' : 'NO'}`,
    );
  }

  const init = args['compare-init']
    ? await compareInits(c, seeds[0], args.epochs, args['batch-size'])
    : undefined;
  const loadEnd = os.loadavg();
  out.info(`load average at the end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
  return {
    strategies,
    spearman,
    seeds,
    summary,
    target,
    ...(init ? { init } : {}),
    settings: {
      trials: args.trials,
      epochs: args.epochs,
      minEpochs,
      reductionFactor: args['reduction-factor'],
      population: args.population,
      tournament: args.tournament,
      finalEpochs: args['final-epochs'],
      batchSize: args['batch-size'],
      metric: args.metric,
      clips: args.clips,
      seconds: args.seconds,
      difficulty: args.difficulty,
      features: SEARCH_BENCH_FEATURES,
      threads,
      dir,
    },
    loadAverage: { start: loadStart, end: loadEnd },
    wallSeconds: (performance.now() - started) / 1000,
  };
}

function pct(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(1)} %`;
}

/**
 * Accuracy after 1 and 3 epochs of the first four architectures of the seed's random
 * sequence under each initialisation (the search recipe, the candidates' own seeds).
 */
async function compareInits(
  c: BenchContext,
  seed: number,
  epochs: number,
  batchSize: number,
): Promise<NonNullable<SearchBenchResult['init']>> {
  const sampler = new RandomSampler({ seed });
  const archs = [0, 1, 2, 3].map((k) => sampler.at(k));
  const rows: NonNullable<SearchBenchResult['init']> = [];
  for (const init of WEIGHT_INITS) {
    const evaluate = await createEvaluator({
      epochs,
      dataset: c.dataset,
      cache: c.cache,
      workerIndex: 0,
      workers: 1,
      threads: c.threads,
      recipe: { base: 'search', batchSize },
      init,
    });
    const at: EpochMetrics[][] = [];
    for (const [k, a] of archs.entries()) {
      const r = await evaluate(a.spec, {
        trialId: k,
        seed: seed * 1000 + k,
        epochs,
        signal: new AbortController().signal,
        reportEpoch: async () => undefined,
      });
      at.push(r.epochs);
    }
    const row = {
      init,
      epoch1: mean(at.map((e) => e[0].testAccuracy)) as number,
      epoch3: mean(at.map((e) => e[Math.min(2, e.length - 1)].testAccuracy)) as number,
      archs: archs.map((a) => a.archId),
    };
    c.out.info(
      `init ${init}: mean accuracy of ${archs.length} candidates after 1 epoch ${pct(row.epoch1)}, ` +
        `after 3 ${pct(row.epoch3)}`,
    );
    rows.push(row);
  }
  return rows;
}

export const searchBenchCommand = defineCommand<SearchBenchArgs>({
  command: 'search',
  describe:
    "The paper's protocol against ASHA and evolution + ASHA on a synthetic dataset, over seeds: " +
    'trained samples, wall time, the selections retrained, rank correlation of rungs',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('seeds', {
        type: 'string',
        default: '1,2,3',
        describe: 'Study seeds, comma-separated',
      })
      .option('trials', {
        type: 'number',
        default: 16,
        describe: 'Trials of the protocol and of ASHA',
      })
      .option('epochs', { type: 'number', default: 3, describe: "A trial's full budget (epochs)" })
      .option('min-epochs', {
        type: 'string',
        default: '3/16',
        describe: 'The lowest rung (epochs)',
      })
      .option('reduction-factor', { type: 'number', default: 4, describe: 'eta of the pruner' })
      .option('population', { type: 'number', default: 8, describe: 'Evolution: population' })
      .option('tournament', { type: 'number', default: 3, describe: 'Evolution: tournament size' })
      .option('final-epochs', {
        type: 'number',
        default: 6,
        describe: 'Epochs of the final recipe the selections retrain with',
      })
      .option('batch-size', {
        type: 'number',
        default: 8,
        describe: 'Batch of both recipes (8: enough steps in the lowest rung to rank at all)',
      })
      .option('metric', {
        type: 'string',
        choices: ['accuracy', 'loss'],
        default: 'loss',
        describe: 'What ranks trials at a rung (loss: it still orders near-chance accuracies)',
      })
      .option('clips', { type: 'number', default: 120, describe: 'Synthetic clips' })
      .option('seconds', { type: 'number', default: 10, describe: 'Clip length' })
      .option('difficulty', {
        type: 'number',
        default: 0.3,
        describe: 'Synthetic class overlap (0.3: 3-epoch candidates spread over 20 points)',
      })
      .option('out', {
        type: 'string',
        describe: 'Working directory (default: a new temporary one)',
      })
      .option('threads', { type: 'number', describe: 'Kernel threads (default: the cores)' })
      .option('compare-init', {
        type: 'boolean',
        default: false,
        describe: 'Also train 4 candidates 3 epochs under each initialisation (pytorch, glorot)',
      }) as Argv<SearchBenchArgs & GlobalOptions>,
  run: (args, out) => benchSearch(args, out),
});
