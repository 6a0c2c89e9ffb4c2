import { convBnParams, type ModuleId, type ModuleRow } from './modules';
import { blockWidths, moduleKind, validateArchSpec, type ArchSpec } from './spec';

/** Options shared by the analytic count and the builder. */
export interface ShapeOptions {
  /** Input channels; the paper's mid/side scalogram has 2. */
  inputChannels?: number;
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

/** The layer table of a spec (Table 3's rows), from which paramCount is summed. */
export function layerTable(spec: ArchSpec, o: ShapeOptions = {}): LayerRow[] {
  const s = validateArchSpec(spec);
  const inputChannels = o.inputChannels ?? 2;
  const classes = o.classes ?? 3;
  const widths = blockWidths(s);
  const rows: LayerRow[] = [
    {
      layer: `3 × 3 Stem Conv. (${s.stemFilters})`,
      block: null,
      outputChannels: s.stemFilters,
      params: convBnParams(3, inputChannels, s.stemFilters),
    },
  ];
  s.blocks.forEach(([a, b, pool], i) => {
    const w = widths[i];
    const moduleRows = [
      ...moduleKind(a).tableRows(w, w),
      ...moduleKind(b).tableRows(w, widths[i + 1]),
    ];
    for (const { layer, outputChannels, params } of moduleRows) {
      rows.push({ layer, block: i + 1, outputChannels, params });
    }
    rows.push({
      layer: pool === 'avg' ? '2 × 2 AvgPool' : '2 × 2 MaxPool',
      block: i + 1,
      outputChannels: widths[i + 1],
      params: 0,
    });
  });
  const last = widths[widths.length - 1];
  rows.push({ layer: 'GlobalAvgPool', block: null, outputChannels: last, params: 0 });
  rows.push({
    layer: 'Fully Connected',
    block: null,
    outputChannels: classes,
    params: last * classes + classes,
  });
  rows.push({ layer: `${classes}-way Sigmoid`, block: null, outputChannels: classes, params: 0 });
  return rows;
}

/** Trainable parameters of the built model (BN gamma/beta included, moving stats excluded). */
export function paramCount(spec: ArchSpec, o: ShapeOptions = {}): number {
  return layerTable(spec, o).reduce((sum, row) => sum + row.params, 0);
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
