import { archId } from '../src/arch-id';
import { paramCount } from '../src/params';
import { deriveSeed } from '@asc/core';
import { RandomSampler, SamplerExhaustedError } from '../src/sampler';
import { PAPER_SEARCH_SPACE, countArchitectures, type SearchSpace } from '../src/space';
import type { ArchSpec, Block } from '../src/spec';
import { everyTwoBlockSpec } from './two-block-space';

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/** Upper 0.1% points of the chi-square distribution (standard tables), by degrees of freedom. */
const CHI2_999: Record<number, number> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 31: 61.098 };

function tally<T>(values: T[], choices: readonly T[]): number[] {
  return choices.map((c) => values.filter((v) => v === c).length);
}

describe('RandomSampler: uniform choices (Table 2)', () => {
  const sampler = new RandomSampler({ seed: 42 });
  const draws: ArchSpec[] = Array.from({ length: 20_000 }, () => sampler.drawRaw());
  const blocks: Block[] = draws.flatMap((d) => d.blocks);
  const s = PAPER_SEARCH_SPACE;

  it.each([
    [
      'number of blocks',
      () =>
        tally(
          draws.map((d) => d.blocks.length),
          s.blockCounts,
        ),
    ],
    [
      'stem filters',
      () =>
        tally(
          draws.map((d) => d.stemFilters),
          s.stemFilters,
        ),
    ],
    [
      'growth',
      () =>
        tally(
          draws.map((d) => d.growth),
          s.growths,
        ),
    ],
    [
      'module A',
      () =>
        tally(
          blocks.map((b) => b[0]),
          s.moduleA,
        ),
    ],
    [
      'module B',
      () =>
        tally(
          blocks.map((b) => b[1]),
          s.moduleB,
        ),
    ],
    [
      'pool',
      () =>
        tally(
          blocks.map((b) => b[2]),
          s.pools,
        ),
    ],
  ])('%s passes a chi-square test at p = 0.001', (_name, counts) => {
    const c = counts();
    expect(c.every((n) => n > 0)).toBe(true);
    expect(chiSquare(c)).toBeLessThan(CHI2_999[c.length - 1]);
  });

  it('the chi-square check does reject a biased choice', () => {
    const biased = [...Array(5200).fill(0), ...Array(4800).fill(1)];
    expect(chiSquare(tally(biased, [0, 1]))).toBeGreaterThan(CHI2_999[1]);
  });
});

describe('RandomSampler: sequence, window and exhaustion', () => {
  it('reproduces the same sequence from the same seed, in any access order', () => {
    const a = new RandomSampler({ seed: 5 });
    const b = new RandomSampler({ seed: 5 });
    const seqA = Array.from({ length: 30 }, (_, i) => a.at(i));
    expect(b.at(29)).toEqual(seqA[29]);
    expect(Array.from({ length: 30 }, (_, i) => b.at(i).archId)).toEqual(seqA.map((p) => p.archId));
    const c = new RandomSampler({ seed: 6 });
    expect(Array.from({ length: 30 }, (_, i) => c.at(i).archId)).not.toEqual(
      seqA.map((p) => p.archId),
    );
  });

  it('proposes distinct architectures strictly inside 250 < KB < 500 and counts the rejects', () => {
    const sampler = new RandomSampler({ seed: 9 });
    const props = Array.from({ length: 100 }, (_, i) => sampler.at(i));
    expect(new Set(props.map((p) => p.archId)).size).toBe(100);
    for (const p of props) {
      const kib = (paramCount(p.spec) * 4) / 1024;
      expect(kib).toBeGreaterThan(250);
      expect(kib).toBeLessThan(500);
      expect(p.archId).toBe(archId(p.spec));
      expect(p.draws).toBe(p.sampleIndex + 1 + p.rejectedBySize + p.duplicates);
    }
    expect(props[99].rejectedBySize).toBeGreaterThan(0);
  });

  it('honours configurable bounds', () => {
    const sampler = new RandomSampler({ seed: 9, window: { minKiB: 100, maxKiB: 150 } });
    for (let i = 0; i < 30; i++) {
      const kib = (sampler.at(i).params * 4) / 1024;
      expect(kib > 100 && kib < 150).toBe(true);
    }
    expect(() => new RandomSampler({ seed: 1, window: { minKiB: 500, maxKiB: 250 } })).toThrow(
      /empty/,
    );
  });

  const tiny: SearchSpace = {
    blockCounts: [2],
    moduleA: [0, 1],
    moduleB: [1, 3],
    pools: ['avg', 'max'],
    stemFilters: [4, 8],
    growths: [1, 2],
  };

  function bruteForce(
    space: SearchSpace,
    minKiB: number,
    maxKiB: number,
    classes = 3,
  ): Set<string> {
    const inside = everyTwoBlockSpec(space).filter((spec) => {
      const kib = (paramCount(spec, { classes }) * 4) / 1024;
      return kib > minKiB && kib < maxKiB;
    });
    return new Set(inside.map(archId));
  }

  it('counts the space under the window exactly (against brute force)', () => {
    for (const [lo, hi] of [
      [0, 2],
      [1, 3],
      [2.5, 10],
    ]) {
      expect(countArchitectures(tiny, { minKiB: lo, maxKiB: hi })).toBe(
        bruteForce(tiny, lo, hi).size,
      );
    }
  });

  it('counts the head of another number of classes in the size (against brute force)', () => {
    for (const [lo, hi] of [
      [0, 2],
      [1, 3],
    ]) {
      const ten = countArchitectures(tiny, { minKiB: lo, maxKiB: hi }, 10);
      expect(ten).toBe(bruteForce(tiny, lo, hi, 10).size);
      expect(ten).not.toBe(countArchitectures(tiny, { minKiB: lo, maxKiB: hi }));
    }
    const window = { minKiB: 0, maxKiB: 2 };
    const expected = bruteForce(tiny, 0, 2, 10);
    const sampler = new RandomSampler({ seed: 1, space: tiny, window, classes: 10 });
    const proposals = Array.from({ length: expected.size }, (_, i) => sampler.at(i));
    expect(new Set(proposals.map((p) => p.archId))).toEqual(expected);
    for (const p of proposals) expect(p.params).toBe(paramCount(p.spec, { classes: 10 }));
    expect(() => new RandomSampler({ seed: 1, classes: 1 })).toThrow(
      'classes must be an integer >= 2, got 1',
    );
  });

  it('proposes every architecture of an exhausted space once, then says so', () => {
    const window = { minKiB: 0, maxKiB: 2 };
    const expected = bruteForce(tiny, 0, 2);
    expect(expected.size).toBeGreaterThan(5);
    expect(expected.size).toBeLessThan(64);
    const sampler = new RandomSampler({ seed: 1, space: tiny, window });
    const ids = Array.from({ length: expected.size }, (_, i) => sampler.at(i).archId);
    expect(new Set(ids)).toEqual(expected);
    expect(() => sampler.at(expected.size)).toThrow(SamplerExhaustedError);
    expect(() => sampler.at(expected.size)).toThrow(
      `the search space is exhausted: all ${expected.size} distinct architectures with 0 < KB < 2 have been proposed`,
    );
  });

  it('stops with a clear message when the try budget runs out', () => {
    const window = { minKiB: 499.9, maxKiB: 500 };
    const sampler = new RandomSampler({ seed: 1, window, maxTriesPerProposal: 50 });
    expect(sampler.capacity()).toBeGreaterThan(0);
    try {
      sampler.at(0);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(SamplerExhaustedError);
      expect((err as SamplerExhaustedError).reason).toBe('budget');
      expect((err as Error).message).toMatch(
        /try budget ran out: 50 draws found no new architecture/,
      );
    }
  });

  it('derives stable, distinct per-trial seeds', () => {
    expect(deriveSeed(1, 0)).toBe(deriveSeed(1, 0));
    const seeds = new Set(Array.from({ length: 200 }, (_, i) => deriveSeed(1, i)));
    expect(seeds.size).toBe(200);
    expect(deriveSeed(2, 0)).not.toBe(deriveSeed(1, 0));
  });
});
