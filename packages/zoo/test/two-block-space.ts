import type { SearchSpace } from '../src/space';
import type { ArchSpec, Block } from '../src/spec';

/**
 * Every architecture of a two-block space, enumerated one by one: the brute-force
 * reference the exact counts (countArchitectures) and the sampler are checked against.
 */
export function everyTwoBlockSpec(space: SearchSpace): ArchSpec[] {
  if (space.blockCounts.length !== 1 || space.blockCounts[0] !== 2) {
    throw new RangeError('the enumeration is written for two-block spaces');
  }
  const choices: Block[] = [];
  for (const a of space.moduleA)
    for (const b of space.moduleB) for (const p of space.pools) choices.push([a, b, p]);
  const specs: ArchSpec[] = [];
  for (const F of space.stemFilters) {
    for (const g of space.growths) {
      for (const b1 of choices) {
        for (const b2 of choices) specs.push({ stemFilters: F, growth: g, blocks: [b1, b2] });
      }
    }
  }
  return specs;
}
