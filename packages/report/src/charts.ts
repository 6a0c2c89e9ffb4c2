/**
 * Vega-Lite specifications of the paper's figures, built from the report's own rows
 * (data inline, so a spec renders alone, with no files or network).
 */
import type { SizeWindow } from '@asc/zoo';

/** One candidate of Figure 3. `role` marks the selected candidates. */
export interface ScatterPoint {
  trialId: number;
  archId: string;
  sizeKiB: number;
  /** Clip accuracy as a fraction. */
  accuracy: number;
  role: string;
}

/** One bar of Figure 4: the fraction of a growth ratio's candidates in one accuracy bin. */
export interface HistogramBar {
  growth: number;
  binStart: number;
  binEnd: number;
  count: number;
  fraction: number;
}

/** A vertical reference line of Figure 4 (mean accuracy of one growth ratio). */
export interface MeanMark {
  growth: number;
  accuracy: number;
  source: string;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: '#c8c8c8' },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#ececec' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400 },
};

// Panel titles sort as text; two decimals keep 'g = 2.00' above 'g = 1.75'.
function growthLabel(growth: number): string {
  return `g = ${growth.toFixed(2)}`;
}

export const CANDIDATE_ROLE = 'candidate';

/** Figure 3: accuracy against model size, one point per candidate, selections marked. */
export function accuracyVsSizeSpec(
  points: ScatterPoint[],
  sizeWindow: SizeWindow | null,
): Record<string, unknown> {
  // Legend order: plain candidates, then the marked roles by name.
  const roles = [
    CANDIDATE_ROLE,
    ...[...new Set(points.map((p) => p.role).filter((r) => r !== CANDIDATE_ROLE))].sort(),
  ];
  const palette = ['#7a8ca3', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const shapes = ['circle', 'diamond', 'square', 'triangle-up', 'cross'];
  const x = {
    field: 'sizeKiB',
    type: 'quantitative',
    title: 'model size (KiB, float32)',
    scale: { zero: false, nice: true },
  };
  const y = {
    field: 'accuracy',
    type: 'quantitative',
    title: 'candidate accuracy',
    axis: { format: '.1%' },
    scale: { zero: false, nice: true },
  };
  // One layer, candidates first in the data so the selected ones are drawn on top.
  const ordered = [...points].sort(
    (a, b) => Number(a.role !== CANDIDATE_ROLE) - Number(b.role !== CANDIDATE_ROLE),
  );
  const byRole = (range: unknown[]) => ({ domain: roles, range });
  const layers: Record<string, unknown>[] = [
    {
      data: { values: ordered },
      mark: { type: 'point', filled: true, stroke: '#000000' },
      encoding: {
        x,
        y,
        color: { field: 'role', type: 'nominal', sort: roles, title: null, scale: byRole(palette) },
        shape: { field: 'role', type: 'nominal', sort: roles, title: null, scale: byRole(shapes) },
        size: {
          field: 'role',
          type: 'nominal',
          sort: roles,
          title: null,
          scale: byRole(roles.map((r) => (r === CANDIDATE_ROLE ? 40 : 170))),
        },
        opacity: {
          field: 'role',
          type: 'nominal',
          sort: roles,
          title: null,
          scale: byRole(roles.map((r) => (r === CANDIDATE_ROLE ? 0.6 : 1))),
        },
        strokeWidth: {
          field: 'role',
          type: 'nominal',
          sort: roles,
          title: null,
          scale: byRole(roles.map((r) => (r === CANDIDATE_ROLE ? 0 : 0.8))),
        },
      },
    },
  ];
  if (sizeWindow) {
    layers.unshift({
      data: { values: [{ sizeKiB: sizeWindow.minKiB }, { sizeKiB: sizeWindow.maxKiB }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#999999' },
      encoding: { x: { field: 'sizeKiB', type: 'quantitative' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 340,
    background: '#ffffff',
    config: CONFIG,
    layer: layers,
  };
}

/**
 * Figure 4: normalised histograms of candidate accuracy, one panel per growth ratio
 * (largest on top, as in the paper), with each ratio's mean as a vertical line and the
 * paper's mean as a dashed one.
 */
export function accuracyByGrowthSpec(
  bars: HistogramBar[],
  means: MeanMark[],
  binEdges: number[],
): Record<string, unknown> {
  // Ticks on the bin edges, with as many decimals as the edges need.
  const decimals = [0, 1, 2, 3].find((d) =>
    binEdges.every((e) => Math.abs(Number((e * 100).toFixed(d)) - e * 100) < 1e-7),
  );
  const rows = [
    ...bars.map((b) => ({ ...b, panel: growthLabel(b.growth), kind: 'bar' })),
    ...means.map((m) => ({ ...m, panel: growthLabel(m.growth), kind: 'mean' })),
  ];
  const sources = [...new Set(means.map((m) => m.source))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: '#ffffff',
    config: CONFIG,
    data: { values: rows },
    facet: {
      row: {
        field: 'panel',
        type: 'ordinal',
        sort: 'descending',
        title: 'growth ratio of filter number',
        header: {
          labelAngle: 0,
          labelOrient: 'top',
          labelAnchor: 'start',
          labelFontSize: 12,
          title: null,
        },
      },
    },
    spec: {
      width: 520,
      height: 80,
      layer: [
        {
          transform: [{ filter: { field: 'kind', equal: 'bar' } }],
          mark: { type: 'rect', color: '#4c78a8', opacity: 0.85 },
          encoding: {
            x: {
              field: 'binStart',
              type: 'quantitative',
              title: 'candidate accuracy',
              axis: { format: `.${decimals ?? 3}%`, values: binEdges },
              scale: { zero: false, nice: false },
            },
            x2: { field: 'binEnd' },
            y: { field: 'fraction', type: 'quantitative', title: 'fraction' },
          },
        },
        ...sources.map((source, i) => ({
          transform: [{ filter: { field: 'source', equal: source } }],
          // The first source (this study) solid, references dashed.
          mark: { type: 'rule', strokeWidth: 2, strokeDash: i === 0 ? [1, 0] : [5, 3] },
          encoding: {
            x: { field: 'accuracy', type: 'quantitative' },
            color: {
              field: 'source',
              type: 'nominal',
              title: 'mean accuracy',
              scale: { domain: sources, range: ['#d62728', '#222222'] },
            },
          },
        })),
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}
