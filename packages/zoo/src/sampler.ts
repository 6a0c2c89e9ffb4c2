import { archId } from './arch-id';
import { foldedSeedRng, type Rng, AscError } from '@asc/core';
import { PAPER_CLASSES } from './models/tf';
import {
  DEFAULT_SIZE_WINDOW,
  PAPER_SEARCH_SPACE,
  countArchitectures,
  describeWindow,
  fitWindow,
  validateSizeWindow,
  type SearchSpace,
  type SizeWindow,
} from './space';
import type { ArchSpec, Block } from './spec';
import type { TrialState } from './store/trial-store';

/** One architecture proposed by the sampler, with where it sits in the seeded sequence. */
export interface Proposal {
  /** Position in the sampler's sequence of distinct in-window architectures. */
  sampleIndex: number;
  spec: ArchSpec;
  archId: string;
  params: number;
  /** Raw draws made up to and including this proposal (all indexes before it too). */
  draws: number;
  /** Of those draws, how many fell outside the size window (counted, not failures). */
  rejectedBySize: number;
  /** Of those draws, how many repeated an architecture already in the sequence. */
  duplicates: number;
}

export interface SamplerOptions {
  seed: number;
  space?: SearchSpace;
  window?: SizeWindow;
  /** Classes of the model's head, which the size counts (default 3, the paper's). */
  classes?: number;
  /** Raw draws allowed to find one new architecture before giving up. */
  maxTriesPerProposal?: number;
}

export type SamplerKind = 'random' | 'evolution';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['random', 'evolution'];

/**
 * # Sampler: which architecture a new trial trains
 *
 * Contract: `propose(k, trials)` is the architecture of sample index k (the store hands
 * out indexes atomically, one per new trial, skipping those whose architecture the study
 * already holds). It is pure: a function of the study seed, k and the study's trials as
 * the store holds them at the claim, so that every worker, on any machine and after any
 * restart, proposes alike from the same state; no process-local randomness. Every
 * proposal lies in the search space and inside the size window. It is called inside the
 * store's claim transaction, so it must be quick and must not touch the store.
 *
 * - `RandomSampler` (the paper's, the default): every choice of Table 2 uniform, by
 *   rejection to the window; ignores the trials.
 * - `EvolutionSampler` (evolution.ts): regularised (aging) evolution.
 */
export interface Sampler {
  readonly kind: SamplerKind;
  readonly seed: number;
  readonly space: SearchSpace;
  readonly window: SizeWindow;
  /** Classes of the head the candidates are sized with (3 in the paper). */
  readonly classes: number;
  /** Distinct architectures of the space inside the window. */
  capacity(): number;
  propose(sampleIndex: number, trials: readonly TrialState[]): Proposal;
}

/** The sampler cannot produce another architecture; `reason` tells which limit was hit. */
export class SamplerExhaustedError extends AscError {
  constructor(
    message: string,
    readonly reason: 'space' | 'budget',
    readonly proposed: number,
  ) {
    super('sampler-exhausted', message, { context: { reason, proposed } });
  }
}

/**
 * Uniform random sampling of Table 2 with rejection to the size window.
 *
 * The sampler is a pure function of its seed: `at(k)` is the k-th distinct architecture
 * inside the window in the seeded stream of raw draws, so any process (or machine) that
 * knows the study seed and a trial's sample index recomputes the same architecture. The
 * store hands out sample indexes atomically; the sampler never needs to coordinate.
 *
 * Draw order per raw sample: number of blocks, stem filters, growth, then for each block
 * module A, module B, pool.
 */
export class RandomSampler implements Sampler {
  readonly kind = 'random';
  readonly seed: number;
  readonly space: SearchSpace;
  readonly window: SizeWindow;
  readonly classes: number;
  readonly maxTriesPerProposal: number;
  private readonly rng: Rng;
  private readonly sequence: Proposal[] = [];
  private readonly seen = new Set<string>();
  private draws = 0;
  private rejectedBySize = 0;
  private duplicates = 0;
  private spaceSize: number | undefined;

  constructor(o: SamplerOptions) {
    this.seed = o.seed;
    this.space = o.space ?? PAPER_SEARCH_SPACE;
    this.window = validateSizeWindow(o.window ?? DEFAULT_SIZE_WINDOW);
    this.classes = o.classes ?? PAPER_CLASSES;
    if (!Number.isSafeInteger(this.classes) || this.classes < 2) {
      throw new RangeError(`classes must be an integer >= 2, got ${this.classes}`);
    }
    this.maxTriesPerProposal = o.maxTriesPerProposal ?? 200_000;
    this.rng = foldedSeedRng(o.seed);
  }

  /** One raw draw from the space, before any filtering. */
  drawRaw(rng: Rng = this.rng): ArchSpec {
    const s = this.space;
    const n = rng.choice(s.blockCounts);
    const stemFilters = rng.choice(s.stemFilters);
    const growth = rng.choice(s.growths);
    const blocks: Block[] = [];
    for (let i = 0; i < n; i++) {
      blocks.push([rng.choice(s.moduleA), rng.choice(s.moduleB), rng.choice(s.pools)]);
    }
    return { stemFilters, growth, blocks };
  }

  /** Number of distinct architectures in the space under the window (computed once). */
  capacity(): number {
    this.spaceSize ??= countArchitectures(this.space, this.window, this.classes);
    return this.spaceSize;
  }

  /** The proposal at `sampleIndex` (the trials play no part). */
  propose(sampleIndex: number): Proposal {
    return this.at(sampleIndex);
  }

  /** The proposal at `sampleIndex`; throws SamplerExhaustedError when there is none. */
  at(sampleIndex: number): Proposal {
    if (!Number.isInteger(sampleIndex) || sampleIndex < 0) {
      throw new RangeError(`sample index must be a non-negative integer, got ${sampleIndex}`);
    }
    while (this.sequence.length <= sampleIndex) this.extend();
    return this.sequence[sampleIndex];
  }

  private extend(): void {
    const capacity = this.capacity();
    const w = describeWindow(this.window);
    if (this.sequence.length >= capacity) {
      throw new SamplerExhaustedError(
        `the search space is exhausted: all ${capacity} distinct architectures with ${w} have been proposed`,
        'space',
        this.sequence.length,
      );
    }
    for (let tries = 0; tries < this.maxTriesPerProposal; tries++) {
      const spec = this.drawRaw();
      this.draws++;
      const { params, inside } = fitWindow(spec, this.window, this.classes);
      if (!inside) {
        this.rejectedBySize++;
        continue;
      }
      const id = archId(spec);
      if (this.seen.has(id)) {
        this.duplicates++;
        continue;
      }
      this.seen.add(id);
      this.sequence.push({
        sampleIndex: this.sequence.length,
        spec,
        archId: id,
        params,
        draws: this.draws,
        rejectedBySize: this.rejectedBySize,
        duplicates: this.duplicates,
      });
      return;
    }
    throw new SamplerExhaustedError(
      `the sampler's try budget ran out: ${this.maxTriesPerProposal} draws found no new architecture with ${w} ` +
        `(${this.sequence.length} of ${capacity} proposed so far); widen the size window or raise the budget`,
      'budget',
      this.sequence.length,
    );
  }
}
