import { deriveSeed, AscError } from '@asc/core';
import { RandomSampler } from '../sampler';
import {
  DEFAULT_SIZE_WINDOW,
  PAPER_SEARCH_SPACE,
  type SearchSpace,
  type SizeWindow,
} from '../space';
import type {
  ClaimOutcome,
  NewTrial,
  StudyRecord,
  TrialRecord,
  TrialStore,
  WorkerIdentity,
} from '../store/trial-store';

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
  /** Anything else worth recording (recipe, dataset), not checked on reopening. */
  extra?: Record<string, unknown>;
}

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

interface SamplerConfig {
  space: SearchSpace;
  window: SizeWindow;
  /** Absent in studies made before it was recorded: 3. */
  classes?: number;
  maxTriesPerProposal: number;
}

/**
 * The size window a study was created with, as its store records it (in the sampler
 * config `Study.open` writes), or null when the record has none (a study another tool
 * wrote). Readers of a stored study (the report, `asc study export`) take it from here.
 */
export function studySizeWindow(record: Pick<StudyRecord, 'config'>): SizeWindow | null {
  const sampler = record.config.sampler as { window?: Partial<SizeWindow> } | undefined;
  const w = sampler?.window;
  return typeof w?.minKiB === 'number' && typeof w.maxKiB === 'number'
    ? { minKiB: w.minKiB, maxKiB: w.maxKiB }
    : null;
}

/**
 * A study: a named set of trials in a store, sampled from one seeded sequence. Any number
 * of Study objects (in any number of processes) may work on the same study; the store
 * serialises their claims, and the sampler is a pure function of the stored seed.
 */
export class Study {
  private constructor(
    readonly store: TrialStore,
    readonly record: StudyRecord,
    readonly sampler: RandomSampler,
  ) {
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

  /** Creates the study or opens it, refusing to reopen it with different defining settings. */
  static async open(store: TrialStore, o: StudyOptions): Promise<Study> {
    const sampler: SamplerConfig = {
      space: o.space ?? PAPER_SEARCH_SPACE,
      window: o.window ?? DEFAULT_SIZE_WINDOW,
      classes: o.classes ?? 3,
      maxTriesPerProposal: o.maxTriesPerProposal ?? 200_000,
    };
    const record = await store.createStudy({
      name: o.name,
      seed: o.seed,
      config: { sampler, ...(o.extra ?? {}) },
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
        `${where} was created with the size window ${stored.window.minKiB} < KB < ${stored.window.maxKiB}, ` +
          `not ${sampler.window.minKiB} < KB < ${sampler.window.maxKiB}`,
        o.name,
        'window',
      );
    }
    if ((stored.classes ?? 3) !== sampler.classes) {
      throw new StudyMismatchError(
        `${where} was created for ${stored.classes ?? 3} classes, not ${sampler.classes}; ` +
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
    return new Study(store, record, new RandomSampler({ seed: record.seed, ...stored }));
  }

  /** Reopens an existing study as stored (for listing and analysis). */
  static async load(store: TrialStore, name: string): Promise<Study> {
    const record = await store.getStudy(name);
    if (!record)
      throw new StudyMismatchError(`no study "${name}" in ${store.location}`, name, 'name');
    const stored = record.config.sampler as SamplerConfig;
    return new Study(store, record, new RandomSampler({ seed: record.seed, ...stored }));
  }

  /** The new-trial record for a sample index: the sampler's proposal plus its seed and sizes. */
  proposal(sampleIndex: number): NewTrial {
    const p = this.sampler.at(sampleIndex);
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

  claim(identity: WorkerIdentity, targetComplete: number): Promise<ClaimOutcome> {
    return this.store.claimTrial(this.name, {
      targetComplete,
      identity,
      featureConfigHash: this.featureConfigHash,
      propose: (i) => this.proposal(i),
    });
  }

  trials(): Promise<TrialRecord[]> {
    return this.store.getTrials(this.name);
  }
}
