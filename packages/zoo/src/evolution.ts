import { archId } from './arch-id';
import { deriveSeed, foldedSeedRng, type Rng } from '@asc/core';
import { RandomSampler, type Proposal, type Sampler, type SamplerOptions } from './sampler';
import { fitWindow, type SearchSpace } from './space';
import type { ArchSpec, Block } from './spec';
import type { TrialState } from './store/trial-store';

export interface EvolutionOptions extends SamplerOptions {
  /** P: the population is the P youngest trials with a result. */
  population: number;
  /** S: trials drawn (with replacement) for each tournament. */
  tournament: number;
  /** What makes a parent better: higher accuracy or lower loss. */
  metric: 'accuracy' | 'loss';
}

export const DEFAULT_EVOLUTION = { population: 20, tournament: 5 } as const;

/** One mutation: which item of Table 2 changed, from what to what. */
export interface Mutation {
  item: string;
  from: string;
  to: string;
}

/** A child of evolution with where it came from (for the record and the tests). */
export interface EvolvedProposal extends Proposal {
  parent: { number: number; archId: string } | null;
  mutation: Mutation | null;
}

/** Mutations tried on one parent before the tournament is drawn again. */
const TRIES_PER_PARENT = 20;
/** Mutations tried for one proposal before it falls back to a random architecture. */
const MAX_TRIES = 2000;
/** Salts the proposal's random stream apart from the trial's own seed. */
const EVOLUTION_STREAM = 0x45564f4c;

/**
 * A trial's fitness: the highest rung it reached, then its metric there (a trial promoted
 * further beat those stopped below it). Trials without a result have none.
 */
function fitness(t: TrialState, metric: 'accuracy' | 'loss'): [number, number] | null {
  const last = t.rungs[t.rungs.length - 1];
  const value = last
    ? metric === 'accuracy'
      ? last.accuracy
      : last.loss
    : t.status === 'complete'
      ? metric === 'accuracy'
        ? t.accuracy
        : t.loss
      : null;
  if (value === null || !Number.isFinite(value)) return null;
  return [last?.rung ?? 0, metric === 'accuracy' ? value : -value];
}

function better(a: [number, number], b: [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/**
 * Regularised (aging) evolution (Real et al., "Regularized Evolution for Image Classifier
 * Architecture Search", AAAI 2019, Algorithm 1) over the paper's space, asynchronous:
 * - until P trials have a result, proposals are the random sampler's (the initial
 *   population, drawn as the paper's search draws);
 * - then the population is the P youngest trials (by number) with a result: a tournament
 *   draws S of them uniformly with replacement, the fittest is the parent, and the child
 *   is the parent with one item of Table 2 changed to another of its values (the number
 *   of blocks, the stem filters, the growth ratio, or one block's module A, module B or
 *   pooling); a block count that grows appends uniformly drawn blocks, one that shrinks
 *   drops the last ones. Children outside the size window (its DCASE limits included)
 *   or already in the study are drawn again. Older trials leave the population as younger ones arrive: aging.
 * Fitness is the highest rung reached, then the metric there (see `fitness`), so under a
 * pruner promoted trials are preferred.
 *
 * Reproducible: every random draw of proposal k comes from a generator seeded by
 * (study seed, k), and the population from the trials the store passes in, so the same
 * state gives the same child in any process; with one worker a whole study repeats.
 */
export class EvolutionSampler implements Sampler {
  readonly kind = 'evolution';
  readonly seed: number;
  readonly space: SearchSpace;
  readonly window: RandomSampler['window'];
  readonly classes: number;
  readonly population: number;
  readonly tournament: number;
  readonly metric: 'accuracy' | 'loss';
  private readonly random: RandomSampler;

  constructor(o: EvolutionOptions) {
    this.random = new RandomSampler(o);
    this.seed = o.seed;
    this.space = this.random.space;
    this.window = this.random.window;
    this.classes = this.random.classes;
    if (!Number.isInteger(o.population) || o.population < 2) {
      throw new RangeError(`population must be an integer >= 2, got ${o.population}`);
    }
    if (!Number.isInteger(o.tournament) || o.tournament < 1 || o.tournament > o.population) {
      throw new RangeError(
        `tournament must be an integer from 1 to the population (${o.population}), got ${o.tournament}`,
      );
    }
    this.population = o.population;
    this.tournament = o.tournament;
    this.metric = o.metric;
  }

  capacity(): number {
    return this.random.capacity();
  }

  propose(sampleIndex: number, trials: readonly TrialState[]): EvolvedProposal {
    const scored = trials
      .map((t) => ({ t, f: fitness(t, this.metric) }))
      .filter((x): x is { t: TrialState; f: [number, number] } => x.f !== null)
      .sort((a, b) => a.t.number - b.t.number);
    if (scored.length < this.population) return this.randomProposal(sampleIndex);
    const population = scored.slice(-this.population);
    const taken = new Set(trials.map((t) => t.archId));
    const rng = foldedSeedRng(deriveSeed(deriveSeed(this.seed, sampleIndex), EVOLUTION_STREAM));
    const rejectedBySize = trials.reduce((m, t) => Math.max(m, t.rejectedBySize), 0);
    let parent = population[0];
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (tries % TRIES_PER_PARENT === 0) {
        parent = population[rng.below(population.length)];
        for (let i = 1; i < this.tournament; i++) {
          const rival = population[rng.below(population.length)];
          if (better(rival.f, parent.f)) parent = rival;
        }
      }
      const { spec, mutation } = mutate(parent.t.spec, this.space, rng);
      const { params, inside } = fitWindow(spec, this.window, this.classes);
      const id = archId(spec);
      if (!inside || taken.has(id)) continue;
      return {
        sampleIndex,
        spec,
        archId: id,
        params,
        draws: tries + 1,
        rejectedBySize,
        duplicates: 0,
        parent: { number: parent.t.number, archId: parent.t.archId },
        mutation,
      };
    }
    return this.randomProposal(sampleIndex);
  }

  private randomProposal(sampleIndex: number): EvolvedProposal {
    return { ...this.random.at(sampleIndex), parent: null, mutation: null };
  }
}

/** `spec` with one item of Table 2 changed to another of its values, drawn uniformly. */
export function mutate(
  spec: ArchSpec,
  space: SearchSpace,
  rng: Rng,
): { spec: ArchSpec; mutation: Mutation } {
  // Only the items the space offers another value for.
  const items: string[] = [];
  if (space.blockCounts.length > 1) items.push('blocks');
  if (space.stemFilters.length > 1) items.push('stemFilters');
  if (space.growths.length > 1) items.push('growth');
  spec.blocks.forEach((_, i) => {
    if (space.moduleA.length > 1) items.push(`block${i + 1}.A`);
    if (space.moduleB.length > 1) items.push(`block${i + 1}.B`);
    if (space.pools.length > 1) items.push(`block${i + 1}.pool`);
  });
  if (items.length === 0) throw new RangeError('the search space has no item to mutate');
  const item = rng.choice(items);
  const other = <T>(values: readonly T[], current: T): T =>
    rng.choice(values.filter((v) => v !== current));
  const blocks = spec.blocks.map((b) => [...b] as Block);
  const child: ArchSpec = { ...spec, blocks };
  let from: unknown;
  let to: unknown;
  if (item === 'blocks') {
    from = blocks.length;
    const n = other(space.blockCounts, blocks.length);
    while (blocks.length > n) blocks.pop();
    while (blocks.length < n) {
      blocks.push([rng.choice(space.moduleA), rng.choice(space.moduleB), rng.choice(space.pools)]);
    }
    to = n;
  } else if (item === 'stemFilters') {
    from = spec.stemFilters;
    child.stemFilters = to = other(space.stemFilters, spec.stemFilters);
  } else if (item === 'growth') {
    from = spec.growth;
    child.growth = to = other(space.growths, spec.growth);
  } else {
    const [, index, part] = /^block(\d+)\.(A|B|pool)$/.exec(item) as RegExpExecArray;
    const block = blocks[Number(index) - 1];
    const slot = part === 'A' ? 0 : part === 'B' ? 1 : 2;
    const values = part === 'A' ? space.moduleA : part === 'B' ? space.moduleB : space.pools;
    from = block[slot];
    block[slot] = to = other(values as readonly (string | number)[], block[slot]) as never;
  }
  return { spec: child, mutation: { item, from: String(from), to: String(to) } };
}
