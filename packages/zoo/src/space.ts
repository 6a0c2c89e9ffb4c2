import type { ModuleId } from './modules';
import { moduleParams } from './params';
import type { Block, Pool } from './spec';

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

/** Size window in KiB (the paper's KB); both bounds are strict: min < size < max. */
export interface SizeWindow {
  minKiB: number;
  maxKiB: number;
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
  return { minKiB: w.minKiB, maxKiB: w.maxKiB };
}

/** Whether float32 parameters fit the window (params x 4 bytes / 1024, strict bounds). */
export function paramsInWindow(params: number, w: SizeWindow): boolean {
  const kib = (params * 4) / 1024;
  return kib > w.minKiB && kib < w.maxKiB;
}

/**
 * The exact number of distinct architectures of `space` inside the window, so that the
 * sampler can tell "exhausted" from "unlucky". Parameters are additive over blocks once
 * the stem filters and growth fix the widths, so the last block is counted by binary
 * search over its sorted costs instead of enumerated.
 */
export function countArchitectures(space: SearchSpace, window: SizeWindow, classes = 3): number {
  let total = 0;
  for (const n of space.blockCounts) {
    const poolWays = space.pools.length ** n;
    for (const F of space.stemFilters) {
      for (const g of space.growths) {
        const widths = [F];
        for (let i = 0; i < n; i++) widths.push(Math.floor(g * widths[i] + 1e-9));
        const costs = widths.slice(0, n).map((w, i) => {
          const c: number[] = [];
          for (const a of space.moduleA) {
            for (const b of space.moduleB)
              c.push(moduleParams(a, w, w) + moduleParams(b, w, widths[i + 1]));
          }
          return c.sort((x, y) => x - y);
        });
        // stem (3x3, 2 input channels, BN) + dense head
        const base = 9 * 2 * F + 2 * F + widths[n] * classes + classes;
        total += poolWays * countCombos(costs, 0, base, window);
      }
    }
  }
  return total;
}

function countCombos(costs: number[][], i: number, sum: number, w: SizeWindow): number {
  if (i === costs.length - 1) {
    const last = costs[i];
    // params p is inside when p * 4 / 1024 is strictly between the bounds
    const lo = lowerBound(last, (v) => ((sum + v) * 4) / 1024 > w.minKiB);
    const hi = lowerBound(last, (v) => ((sum + v) * 4) / 1024 >= w.maxKiB);
    return Math.max(0, hi - lo);
  }
  let n = 0;
  for (const c of costs[i]) n += countCombos(costs, i + 1, sum + c, w);
  return n;
}

/** First index whose value satisfies the monotone predicate. */
function lowerBound(sorted: number[], pred: (v: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
