import { deriveSeed, AscError } from '@asc/core';
import { DEFAULT_EVOLUTION, EvolutionSampler } from '../evolution';
import { DEFAULT_WEIGHT_INIT, PAPER_CLASSES, type WeightInit } from '../models/tf';
import { RandomSampler, type Sampler, type SamplerKind } from '../sampler';
import {
  DEFAULT_SIZE_WINDOW,
  PAPER_SEARCH_SPACE,
  describeWindow,
  type SearchSpace,
  type SizeWindow,
} from '../space';
import type {
  ClaimOutcome,
  NewTrial,
  StudyRecord,
  TrialRecord,
  TrialState,
  TrialStore,
  WorkerIdentity,
} from '../store/trial-store';
import { createPruner, paperProtocol, type Pruner, type PrunerConfig } from './pruner';

/** What defines a study; stored with it and checked when the study is reopened. */
export interface StudyOptions {
  name: string;
  seed: number;
  space?: SearchSpace;
  window?: SizeWindow;
  /** Classes of the models' head (default 3): part of each candidate's size. */
  classes?: number;
  maxTriesPerProposal?: number;
  featureConfigHash?: string | null;
  /** The sampler: random (the paper's, the default) or evolution. */
  sampler?: SamplerChoice;
  /** Rungs and promotions; the paper's protocol of `pruner.maxEpochs` when 'none'. */
  pruner?: PrunerConfig;
  /** How the candidates' weights start (PyTorch's by default). */
  init?: WeightInit;
  /** Anything else worth recording (recipe, dataset), not checked on reopening. */
  extra?: Record<string, unknown>;
}

/** Which sampler a study uses, with evolution's settings. */
export type SamplerChoice =
  { kind: 'random' } | { kind: 'evolution'; population?: number; tournament?: number };

/** The study exists with different defining settings than those asked for. */
export class StudyMismatchError extends AscError {
  constructor(
    message: string,
    readonly study: string,
    readonly field: string,
  ) {
    super('study-mismatch', message, { context: { study, field } });
  }
}

/** The sampler as recorded with the study (`kind` absent: random, as before evolution). */
interface SamplerConfig {
  space: SearchSpace;
  window: SizeWindow;
  /** Absent in studies made before it was recorded: 3. */
  classes?: number;
  maxTriesPerProposal: number;
  kind?: SamplerKind;
  population?: number;
  tournament?: number;
}

function samplerOf(seed: number, c: SamplerConfig, pruner: PrunerConfig): Sampler {
  const options = {
    seed,
    space: c.space,
    window: c.window,
    classes: c.classes,
    maxTriesPerProposal: c.maxTriesPerProposal,
  };
  if (c.kind !== 'evolution') return new RandomSampler(options);
  return new EvolutionSampler({
    ...options,
    population: c.population ?? DEFAULT_EVOLUTION.population,
    tournament: c.tournament ?? DEFAULT_EVOLUTION.tournament,
    metric: pruner.metric,
  });
}

/**
 * The pruner recorded with a study; a study stored before pruners existed ran the paper's
 * protocol (its epochs were not recorded with it: `fallbackEpochs`).
 */
function storedPruner(record: StudyRecord, fallbackEpochs: number): PrunerConfig {
  return (record.config.pruner as PrunerConfig | undefined) ?? paperProtocol(fallbackEpochs);
}

/** The fields of a pruner that define a study (none's metric and eta play no part). */
function prunerKey(c: PrunerConfig): string {
  const rungs = c.kind !== 'none' || c.minEpochs < c.maxEpochs;
  return JSON.stringify([
    c.kind,
    c.maxEpochs,
    rungs ? c.minEpochs : null,
    rungs ? c.reductionFactor : null,
    c.kind !== 'none' ? c.metric : null,
  ]);
}

function describePruner(c: PrunerConfig): string {
  if (c.kind === 'none' && c.minEpochs === c.maxEpochs)
    return `the paper's protocol (${c.maxEpochs} epochs)`;
  return (
    `pruner ${c.kind} (epochs ${c.maxEpochs}, min-epochs ${c.minEpochs}, ` +
    `reduction factor ${c.reductionFactor}, metric ${c.metric})`
  );
}

/**
 * The size window (and limits) a study was created with, as its store records it (in the sampler
 * config `Study.open` writes), or null when the record has none (a study another tool
 * wrote). Readers of a stored study (the report, `asc study export`) take it from here.
 */
export function studySizeWindow(record: Pick<StudyRecord, 'config'>): SizeWindow | null {
  const sampler = record.config.sampler as { window?: Partial<SizeWindow> } | undefined;
  const w = sampler?.window;
  if (typeof w?.minKiB !== 'number' || typeof w.maxKiB !== 'number') return null;
  const window: SizeWindow = { minKiB: w.minKiB, maxKiB: w.maxKiB };
  // The DCASE-style limits a study may add (space.ts), when it has them.
  if (w.bytesPerParam === 1 || w.bytesPerParam === 2 || w.bytesPerParam === 4) {
    window.bytesPerParam = w.bytesPerParam;
  }
  if (typeof w.maxParams === 'number') window.maxParams = w.maxParams;
  if (typeof w.maxMacsPerSecond === 'number' && typeof w.segmentSeconds === 'number') {
    window.maxMacsPerSecond = w.maxMacsPerSecond;
    window.segmentSeconds = w.segmentSeconds;
  }
  return window;
}

/**
 * A study: a named set of trials in a store, sampled from one seeded sequence. Any number
 * of Study objects (in any number of processes) may work on the same study; the store
 * serialises their claims, and the sampler is a pure function of the stored seed.
 */
export class Study {
  readonly pruner: Pruner;

  private constructor(
    readonly store: TrialStore,
    readonly record: StudyRecord,
    readonly sampler: Sampler,
    pruner: PrunerConfig,
  ) {
    this.pruner = createPruner(pruner);
    // Count the space now, not inside the first claim's write transaction.
    sampler.capacity();
  }

  get name(): string {
    return this.record.name;
  }
  get seed(): number {
    return this.record.seed;
  }
  get featureConfigHash(): string | null {
    return this.record.featureConfigHash;
  }
  /** How the study's candidates start (Glorot for studies stored before the option). */
  get init(): WeightInit {
    return (this.record.config.init as WeightInit | undefined) ?? 'glorot';
  }

  /** Creates the study or opens it, refusing to reopen it with different defining settings. */
  static async open(store: TrialStore, o: StudyOptions): Promise<Study> {
    const choice = o.sampler ?? { kind: 'random' };
    const sampler: SamplerConfig = {
      space: o.space ?? PAPER_SEARCH_SPACE,
      window: o.window ?? DEFAULT_SIZE_WINDOW,
      classes: o.classes ?? PAPER_CLASSES,
      maxTriesPerProposal: o.maxTriesPerProposal ?? 200_000,
      ...(choice.kind === 'evolution'
        ? {
            kind: 'evolution',
            population: choice.population ?? DEFAULT_EVOLUTION.population,
            tournament: choice.tournament ?? DEFAULT_EVOLUTION.tournament,
          }
        : {}),
    };
    const pruner = createPruner(o.pruner ?? paperProtocol(3)).config;
    const init = o.init ?? DEFAULT_WEIGHT_INIT;
    const record = await store.createStudy({
      name: o.name,
      seed: o.seed,
      config: { sampler, pruner, init, ...(o.extra ?? {}) },
      featureConfigHash: o.featureConfigHash ?? null,
    });
    const stored = record.config.sampler as SamplerConfig;
    const where = `study "${o.name}" in ${store.location}`;
    if (record.seed !== o.seed) {
      throw new StudyMismatchError(
        `${where} was created with seed ${record.seed}, not ${o.seed}; pass --seed ${record.seed} to resume it`,
        o.name,
        'seed',
      );
    }
    if (JSON.stringify(stored.window) !== JSON.stringify(sampler.window)) {
      throw new StudyMismatchError(
        `${where} was created with the size window ${describeWindow(stored.window)}, ` +
          `not ${describeWindow(sampler.window)}`,
        o.name,
        'window',
      );
    }
    // Studies stored before labels were configurable were the paper's.
    const storedClasses = stored.classes ?? PAPER_CLASSES;
    if (storedClasses !== sampler.classes) {
      throw new StudyMismatchError(
        `${where} was created for ${storedClasses} classes, not ${sampler.classes}; ` +
          'use a dataset with its classes or a new study',
        o.name,
        'classes',
      );
    }
    if (JSON.stringify(stored.space) !== JSON.stringify(sampler.space)) {
      throw new StudyMismatchError(
        `${where} was created with a different search space`,
        o.name,
        'space',
      );
    }
    const storedKind = stored.kind ?? 'random';
    if (
      storedKind !== (sampler.kind ?? 'random') ||
      stored.population !== sampler.population ||
      stored.tournament !== sampler.tournament
    ) {
      const describe = (c: SamplerConfig) =>
        c.kind === 'evolution'
          ? `evolution (population ${c.population}, tournament ${c.tournament})`
          : 'random';
      throw new StudyMismatchError(
        `${where} was created with the ${describe(stored)} sampler, not ${describe(sampler)}`,
        o.name,
        'sampler',
      );
    }
    // Studies stored before the option trained Glorot-initialised models.
    const storedInit = (record.config.init as WeightInit | undefined) ?? 'glorot';
    if (storedInit !== init) {
      throw new StudyMismatchError(
        `${where} was created with the ${storedInit} initialisation, not ${init}; pass --init ${storedInit} to resume it`,
        o.name,
        'init',
      );
    }
    const storedPrunerConfig = storedPruner(record, pruner.maxEpochs);
    if (prunerKey(storedPrunerConfig) !== prunerKey(pruner)) {
      throw new StudyMismatchError(
        `${where} was created with ${describePruner(storedPrunerConfig)}, not ${describePruner(pruner)}`,
        o.name,
        'pruner',
      );
    }
    if (
      (o.featureConfigHash ?? null) !== null &&
      record.featureConfigHash !== o.featureConfigHash
    ) {
      throw new StudyMismatchError(
        `${where} holds trials on feature config ${record.featureConfigHash ?? '(none)'}, not ${o.featureConfigHash}; ` +
          'use the same feature cache settings or a new study',
        o.name,
        'featureConfigHash',
      );
    }
    const config = storedPruner(record, pruner.maxEpochs);
    return new Study(store, record, samplerOf(record.seed, stored, config), config);
  }

  /**
   * Reopens an existing study as stored (for workers, listing and analysis); a study stored
   * before pruners ran the paper's protocol of `epochs`.
   */
  static async load(store: TrialStore, name: string, epochs = 3): Promise<Study> {
    const record = await store.getStudy(name);
    if (!record)
      throw new StudyMismatchError(`no study "${name}" in ${store.location}`, name, 'name');
    const stored = record.config.sampler as SamplerConfig;
    const pruner = storedPruner(record, epochs);
    return new Study(store, record, samplerOf(record.seed, stored, pruner), pruner);
  }

  /** The new-trial record for a sample index: the sampler's proposal plus its seed and sizes. */
  proposal(sampleIndex: number, trials: readonly TrialState[] = []): NewTrial {
    const p = this.sampler.propose(sampleIndex, trials);
    return {
      sampleIndex,
      archId: p.archId,
      spec: p.spec,
      seed: deriveSeed(this.seed, sampleIndex),
      params: p.params,
      sizeKiB: (p.params * 4) / 1024,
      sizeKiBFp16: (p.params * 2) / 1024,
      rejectedBySize: p.rejectedBySize,
    };
  }

  /** Claims what the calling worker does next, until `target` trials are finished. */
  claim(identity: WorkerIdentity, target: number): Promise<ClaimOutcome> {
    return this.store.claimTrial(this.name, {
      targetFinished: target,
      pruner: this.pruner,
      identity,
      featureConfigHash: this.featureConfigHash,
      propose: (i, trials) => this.proposal(i, trials),
    });
  }

  trials(): Promise<TrialRecord[]> {
    return this.store.getTrials(this.name);
  }
}
