import { sameSize, validSize } from './complexity';
import { DEFAULT_INPUT_SHAPE, PAPER_CLASSES } from './models/tf';
import type { ModuleId } from './modules';
import { layerTable, specCost } from './params';
import { blockWidths, moduleKind, type ArchSpec, type Block, type Pool } from './spec';

/** The choices of Table 2; every choice is drawn uniformly. */
export interface SearchSpace {
  blockCounts: readonly number[];
  moduleA: readonly ModuleId[];
  moduleB: readonly Block[1][];
  pools: readonly Pool[];
  stemFilters: readonly number[];
  growths: readonly number[];
}

export const PAPER_SEARCH_SPACE: SearchSpace = Object.freeze({
  blockCounts: [2, 3, 4],
  moduleA: [0, 1, 2, 3, 4],
  moduleB: [1, 2, 3, 4],
  pools: ['avg', 'max'],
  stemFilters: Array.from({ length: 32 }, (_, i) => 4 * (i + 1)),
  growths: [1.0, 1.25, 1.5, 1.75, 2.0],
} as SearchSpace);

/**
 * Which candidates the sampler keeps: the paper's size window in KiB (its "KB"), both
 * bounds strict (min < size < max), plus optional DCASE 2022-2025 style limits. With
 * none of the optional fields set it is the paper's filter, and stored studies compare
 * equal to it.
 */
export interface SizeWindow {
  minKiB: number;
  maxKiB: number;
  /** Bytes per parameter the window counts (4 = float32, the paper; 2 = float16; 1 = int8). */
  bytesPerParam?: 1 | 2 | 4;
  /** At most this many parameters (all of them, batch norm included, as DCASE 2022 counts). */
  maxParams?: number;
  /** At most this many MACs per second of audio (complexity.ts: torchinfo's rule). */
  maxMacsPerSecond?: number;
  /** Audio seconds one input segment covers; required with maxMacsPerSecond. */
  segmentSeconds?: number;
}

export const DEFAULT_SIZE_WINDOW: SizeWindow = Object.freeze({ minKiB: 250, maxKiB: 500 });

export function validateSizeWindow(w: SizeWindow): SizeWindow {
  if (!Number.isFinite(w.minKiB) || !Number.isFinite(w.maxKiB) || w.minKiB < 0) {
    throw new RangeError(
      `size window bounds must be finite and >= 0, got ${w.minKiB}..${w.maxKiB}`,
    );
  }
  if (w.minKiB >= w.maxKiB) {
    throw new RangeError(
      `size window is empty: min ${w.minKiB} KB must be below max ${w.maxKiB} KB`,
    );
  }
  const out: SizeWindow = { minKiB: w.minKiB, maxKiB: w.maxKiB };
  if (w.bytesPerParam !== undefined) {
    if (![1, 2, 4].includes(w.bytesPerParam)) {
      throw new RangeError(`bytes per parameter must be 1, 2 or 4, got ${w.bytesPerParam}`);
    }
    out.bytesPerParam = w.bytesPerParam;
  }
  if (w.maxParams !== undefined) {
    if (!Number.isInteger(w.maxParams) || w.maxParams < 1) {
      throw new RangeError(`the parameter limit must be a positive integer, got ${w.maxParams}`);
    }
    out.maxParams = w.maxParams;
  }
  if (w.maxMacsPerSecond !== undefined) {
    if (!(w.maxMacsPerSecond > 0) || !(w.segmentSeconds !== undefined && w.segmentSeconds > 0)) {
      throw new RangeError(
        `a MAC limit needs a positive limit and segment duration, got ${w.maxMacsPerSecond} MACs/s over ${w.segmentSeconds} s`,
      );
    }
    out.maxMacsPerSecond = w.maxMacsPerSecond;
    out.segmentSeconds = w.segmentSeconds;
  }
  return out;
}

/** The window in words: "250 < KB < 500, <= 30 MMACs/s", for messages. */
export function describeWindow(w: SizeWindow): string {
  const bytes = w.bytesPerParam ?? 4;
  const parts = [
    `${w.minKiB} < KB < ${w.maxKiB}${bytes === 4 ? '' : ` at ${bytes} byte${bytes === 1 ? '' : 's'} per parameter`}`,
  ];
  if (w.maxParams !== undefined) parts.push(`<= ${w.maxParams} parameters`);
  if (w.maxMacsPerSecond !== undefined) parts.push(`<= ${w.maxMacsPerSecond / 1e6} MMACs/s`);
  return parts.join(', ');
}

/** Whether a parameter count passes the window's size bounds and parameter limit. */
export function paramsInWindow(params: number, w: SizeWindow): boolean {
  const kib = (params * (w.bytesPerParam ?? 4)) / 1024;
  return kib > w.minKiB && kib < w.maxKiB && (w.maxParams === undefined || params <= w.maxParams);
}

/** Whether MACs per input segment pass the window's MAC limit (always, without one). */
export function macsInWindow(macsPerSegment: number, w: SizeWindow): boolean {
  return (
    w.maxMacsPerSecond === undefined || macsPerSegment / w.segmentSeconds! <= w.maxMacsPerSecond
  );
}

/**
 * A spec's parameters (its head sized for `classes`) and whether it passes every bound
 * of the window: the one test both samplers apply to a candidate.
 */
export function fitWindow(
  spec: ArchSpec,
  w: SizeWindow,
  classes = PAPER_CLASSES,
): { params: number; inside: boolean } {
  const { params, macs } = specCost(spec, { classes });
  return { params, inside: paramsInWindow(params, w) && macsInWindow(macs, w) };
}

/**
 * The exact number of distinct architectures of `space` inside the window, so that the
 * sampler can tell "exhausted" from "unlucky". Parameters and MACs are additive over
 * blocks once the stem filters and growth fix the widths (and the block's position fixes
 * its input size), so the last block is counted by binary search over its sorted
 * parameter costs (or, under a MAC limit, by a scan of its few choices) instead of
 * every architecture being enumerated.
 */
export function countArchitectures(
  space: SearchSpace,
  window: SizeWindow,
  classes = PAPER_CLASSES,
): number {
  let total = 0;
  for (const n of space.blockCounts) {
    const poolWays = space.pools.length ** n;
    for (const F of space.stemFilters) {
      for (const g of space.growths) {
        const spec: ArchSpec = { stemFilters: F, growth: g, blocks: [] };
        for (let i = 0; i < n; i++) spec.blocks.push([0, 1, 'avg']);
        const widths = blockWidths(spec);
        // The stem and the head: every row outside the blocks.
        const base = layerTable(spec, { classes })
          .filter((r) => r.block === null)
          .reduce((c, r) => ({ params: c.params + r.params, macs: c.macs + r.macs }), {
            params: 0,
            macs: 0,
          });
        // Blocks run after the stride-2 stem, each at half the size of the one before.
        let side = sameSize(DEFAULT_INPUT_SHAPE[0], 2);
        const costs = widths.slice(0, n).map((w, i) => {
          const c: BlockCost[] = [];
          for (const a of space.moduleA) {
            for (const b of space.moduleB) {
              const ca = moduleKind(a).cost(w, w, side, side);
              const cb = moduleKind(b).cost(w, widths[i + 1], side, side);
              c.push({ params: ca.params + cb.params, macs: ca.macs + cb.macs });
            }
          }
          side = validSize(side, 2, 2);
          return c.sort((x, y) => x.params - y.params);
        });
        total += poolWays * countCombos(costs, 0, base, window);
      }
    }
  }
  return total;
}

interface BlockCost {
  params: number;
  macs: number;
}

function countCombos(costs: BlockCost[][], i: number, sum: BlockCost, w: SizeWindow): number {
  if (i === costs.length - 1) {
    const last = costs[i];
    if (w.maxMacsPerSecond !== undefined) {
      let n = 0;
      for (const c of last) {
        if (paramsInWindow(sum.params + c.params, w) && macsInWindow(sum.macs + c.macs, w)) n++;
      }
      return n;
    }
    // params p is inside when p * bytes / 1024 is strictly between the bounds (and <= maxParams)
    const bytes = w.bytesPerParam ?? 4;
    const lo = lowerBound(last, (v) => ((sum.params + v.params) * bytes) / 1024 > w.minKiB);
    const hi = lowerBound(
      last,
      (v) =>
        ((sum.params + v.params) * bytes) / 1024 >= w.maxKiB ||
        (w.maxParams !== undefined && sum.params + v.params > w.maxParams),
    );
    return Math.max(0, hi - lo);
  }
  let n = 0;
  for (const c of costs[i]) {
    n += countCombos(costs, i + 1, { params: sum.params + c.params, macs: sum.macs + c.macs }, w);
  }
  return n;
}

/** First index whose value satisfies the monotone predicate. */
function lowerBound<T>(sorted: T[], pred: (v: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
