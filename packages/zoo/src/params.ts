import { CostCounter, sameSize, validSize, type Cost } from './complexity';
import { DEFAULT_INPUT_SHAPE, PAPER_CLASSES } from './models/tf';
import type { ModuleId, ModuleRow } from './modules';
import { blockWidths, moduleKind, validateArchSpec, type ArchSpec } from './spec';

/** Options shared by the analytic count and the builder. */
export interface ShapeOptions {
  /** Input channels; the paper's mid/side scalogram has 2. */
  inputChannels?: number;
  /** Input height and width (frames, bands); 128 x 128. Only MACs depend on it. */
  inputSize?: [number, number];
  /** Output classes; the paper's task has 3. */
  classes?: number;
}

/** One row of the Table 3 style layer table ("3 × 3 IRwLB (76)", "2 × 2 AvgPool", ...). */
export interface LayerRow extends ModuleRow {
  block: number | null;
}

/** Trainable parameters of one module of Table 1 mapping `inC` to `outC` channels. */
export function moduleParams(id: ModuleId, inC: number, outC: number): number {
  return moduleKind(id).params(inC, outC);
}

const NONE: Cost = { params: 0, batchNormParams: 0, macs: 0 };

/** The layer table of a spec (Table 3's rows), from which paramCount and specCost are summed. */
export function layerTable(spec: ArchSpec, o: ShapeOptions = {}): LayerRow[] {
  const s = validateArchSpec(spec);
  const inputChannels = o.inputChannels ?? 2;
  const classes = o.classes ?? PAPER_CLASSES;
  const widths = blockWidths(s);
  // The stem's stride-2 'same' convolution, then a 2 x 2 'valid' pool per block.
  let [h, w] = (o.inputSize ?? DEFAULT_INPUT_SHAPE.slice(0, 2)).map((n) => sameSize(n, 2));
  const rows: LayerRow[] = [
    {
      layer: `3 × 3 Stem Conv. (${s.stemFilters})`,
      block: null,
      outputChannels: s.stemFilters,
      ...new CostCounter().convBn(3, inputChannels, s.stemFilters, h, w).total(),
    },
  ];
  s.blocks.forEach(([a, b, pool], i) => {
    const c = widths[i];
    const moduleRows = [
      ...moduleKind(a).tableRows(c, c, h, w),
      ...moduleKind(b).tableRows(c, widths[i + 1], h, w),
    ];
    for (const row of moduleRows) rows.push({ ...row, block: i + 1 });
    rows.push({
      layer: pool === 'avg' ? '2 × 2 AvgPool' : '2 × 2 MaxPool',
      block: i + 1,
      outputChannels: widths[i + 1],
      ...NONE,
    });
    [h, w] = [validSize(h, 2, 2), validSize(w, 2, 2)];
  });
  const last = widths[widths.length - 1];
  rows.push({ layer: 'GlobalAvgPool', block: null, outputChannels: last, ...NONE });
  rows.push({
    layer: 'Fully Connected',
    block: null,
    outputChannels: classes,
    ...new CostCounter().dense(last, classes).total(),
  });
  rows.push({ layer: `${classes}-way Sigmoid`, block: null, outputChannels: classes, ...NONE });
  return rows;
}

/** Trainable parameters of the built model (BN gamma/beta included, moving stats excluded). */
export function paramCount(spec: ArchSpec, o: ShapeOptions = {}): number {
  return layerTable(spec, o).reduce((sum, row) => sum + row.params, 0);
}

/** Parameters, batch-norm parameters and MACs of a spec for one input segment. */
export function specCost(spec: ArchSpec, o: ShapeOptions = {}): Cost {
  const c = new CostCounter();
  for (const r of layerTable(spec, o)) c.add(r);
  return c.total();
}

export interface ModelSize {
  bytes: number;
  /** bytes / 1024: the paper's "KB". */
  KiB: number;
  /** bytes / 2^20: Table 4's "MB". */
  MiB: number;
}

/** Size of the parameters at `bytesPerParam` (4 = float32, 2 = float16). */
export function sizeOfParams(params: number, bytesPerParam = 4): ModelSize {
  if (bytesPerParam !== 4 && bytesPerParam !== 2) {
    throw new RangeError(`bytesPerParam must be 4 (float32) or 2 (float16), got ${bytesPerParam}`);
  }
  const bytes = params * bytesPerParam;
  return { bytes, KiB: bytes / 1024, MiB: bytes / 2 ** 20 };
}

export function modelSize(spec: ArchSpec, o: { bytesPerParam?: number } = {}): ModelSize {
  return sizeOfParams(paramCount(spec), o.bytesPerParam ?? 4);
}
