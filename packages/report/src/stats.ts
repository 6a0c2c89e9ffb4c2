/** Small descriptive statistics for the report's tables (plain loops over a few hundred values). */

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : sum(values) / values.length;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Equal-width bins shared by several histograms: edges[i]..edges[i + 1]. */
export interface Bins {
  start: number;
  width: number;
  count: number;
}

// Widths a reader can count in, for accuracies given as fractions (0.1% .. 10%).
const NICE_WIDTHS = [0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1];

/**
 * Bins covering every value with the narrowest nice width that needs at most `maxBins`
 * bins; the first edge is a multiple of the width.
 */
export function niceBins(values: readonly number[], maxBins = 12): Bins {
  if (values.length === 0)
    return { start: 0, width: NICE_WIDTHS[NICE_WIDTHS.length - 1], count: 1 };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  for (const width of NICE_WIDTHS) {
    const bins = binsOfWidth(lo, hi, width);
    if (bins.count <= maxBins) return bins;
  }
  return binsOfWidth(lo, hi, NICE_WIDTHS[NICE_WIDTHS.length - 1]);
}

// Edges are computed on an integer grid of widths so that 0.93 does not become 0.9299999.
function binsOfWidth(lo: number, hi: number, width: number): Bins {
  const first = Math.floor(lo / width + 1e-9);
  const last = Math.floor(hi / width + 1e-9);
  return { start: first * width, width, count: last - first + 1 };
}

/** Lower and upper edge of bin `i`, rounded to the width's grid. */
export function binEdges(bins: Bins, i: number): [number, number] {
  const grid = (k: number): number => Math.round(k * bins.width * 1e9) / 1e9;
  const first = Math.round(bins.start / bins.width);
  return [grid(first + i), grid(first + i + 1)];
}

/** Counts of `values` per bin (a value on an inner edge goes to the upper bin). */
export function histogram(values: readonly number[], bins: Bins): number[] {
  const counts = new Array<number>(bins.count).fill(0);
  for (const v of values) {
    const i = Math.floor((v - bins.start) / bins.width + 1e-9);
    counts[Math.min(bins.count - 1, Math.max(0, i))] += 1;
  }
  return counts;
}
