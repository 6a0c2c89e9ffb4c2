import { CostCounter, type Cost } from './complexity';
import type { SymbolicTensor } from './models/tf';

/**
 * The module kinds of the search space (Table 1), one registry entry each: the digit that
 * names it in architecture ids (the registry key), its Table 3 label, its cost (parameters
 * and MACs, complexity.ts), its layer table rows and its tfjs builder. Adding a kind is one entry here (plus the
 * PyTorch bench model's table in tools/bench/torch_model.py); parameter counts, layer
 * tables, models, ids and the search analysis all read it, and an id without an entry is
 * an error everywhere (`moduleKind` in spec.ts), never a silent fallback to another kind.
 */

/** One row of a module in the Table 3 style layer table. */
export interface ModuleRow {
  /** Table 3's wording, e.g. "3 × 3 IRwLB (76)". */
  layer: string;
  outputChannels: number;
  /** Trainable parameters (BN gamma and beta counted, moving statistics not). */
  params: number;
  /** Of `params`, the batch norms' scales and shifts. */
  batchNormParams: number;
  /** Multiply-accumulates for one input (complexity.ts: torchinfo's rule). */
  macs: number;
}

/**
 * The layers a module is built from, supplied by the model builder so that every kind
 * shares its initialisers (in call order: the seeded weights depend on it), BatchNorm
 * settings and fused BatchNorm + activation layers.
 */
export interface ModuleLayers {
  /** 1x1 convolution without bias. */
  pointwise(x: SymbolicTensor, filters: number, name: string): SymbolicTensor;
  /** k x k depthwise convolution without bias, 'same' padding. */
  depthwise(x: SymbolicTensor, kernelSize: number, name: string): SymbolicTensor;
  batchNorm(x: SymbolicTensor, name: string): SymbolicTensor;
  batchNormSwish(x: SymbolicTensor, name: string): SymbolicTensor;
  add(xs: SymbolicTensor[], name: string): SymbolicTensor;
}

export interface ModuleKind {
  /** The name used in Table 3 and in the search analysis' groups. */
  readonly label: string;
  /**
   * Parameters, batch-norm parameters and MACs of the module mapping `inC` to `outC`
   * channels on an h x w input (every module keeps the size).
   */
  cost(inC: number, outC: number, h: number, w: number): Cost;
  /** Trainable parameters of the module mapping `inC` to `outC` channels. */
  params(inC: number, outC: number): number;
  /** Its rows of the layer table (none for the identity) on an h x w input. */
  tableRows(inC: number, outC: number, h: number, w: number): ModuleRow[];
  /** Applies the module to `x` (its channels are the input width), giving `outC` channels. */
  build(layers: ModuleLayers, x: SymbolicTensor, outC: number, name: string): SymbolicTensor;
}

/** Expansion ratio of the inverted residual module (the paper uses 3, not MobileNet V2's 6). */
export const IRWLB_EXPANSION = 3;

function channelsOf(x: SymbolicTensor): number {
  return x.shape[x.shape.length - 1] as number;
}

/** A module that is one Table 3 row, its layers counted by `count`. */
function oneRow(
  label: string,
  count: (c: CostCounter, inC: number, outC: number, h: number, w: number) => void,
  build: ModuleKind['build'],
): ModuleKind {
  const cost = (inC: number, outC: number, h: number, w: number) => {
    const c = new CostCounter();
    count(c, inC, outC, h, w);
    return c.total();
  };
  return {
    label,
    cost,
    params: (inC, outC) => cost(inC, outC, 1, 1).params,
    tableRows: (inC, outC, h, w) => [
      { layer: `${label} (${outC})`, outputChannels: outC, ...cost(inC, outC, h, w) },
    ],
    build,
  };
}

/** Module A's "no module": the block is module B and the pool alone. */
const IDENTITY: ModuleKind = {
  label: 'Identity',
  cost(inC, outC) {
    if (inC !== outC) throw new RangeError(`the identity cannot map ${inC} to ${outC} channels`);
    return { params: 0, batchNormParams: 0, macs: 0 };
  },
  params(inC, outC) {
    return IDENTITY.cost(inC, outC, 1, 1).params;
  },
  tableRows: () => [],
  build: (_layers, x) => x,
};

/** Depthwise-separable convolution: k x k depthwise + BN + Swish, 1x1 + BN + Swish. */
function depthwiseSeparable(k: 3 | 5): ModuleKind {
  return oneRow(
    `${k} × ${k} DSC`,
    (c, inC, outC, h, w) => c.convBn(k, inC, inC, h, w, inC).convBn(1, inC, outC, h, w),
    (l, x, outC, name) => {
      const y = l.batchNormSwish(l.depthwise(x, k, `${name}_dw`), `${name}_dw_bn`);
      return l.batchNormSwish(l.pointwise(y, outC, `${name}_pw`), `${name}_pw_bn`);
    },
  );
}

/**
 * Inverted residual with linear bottleneck: 1x1 expansion + BN + Swish, k x k depthwise +
 * BN + Swish, 1x1 projection + BN (linear); the residual when the width is kept.
 */
function invertedResidual(k: 3 | 5): ModuleKind {
  return oneRow(
    `${k} × ${k} IRwLB`,
    (c, inC, outC, h, w) => {
      const e = IRWLB_EXPANSION * inC;
      c.convBn(1, inC, e, h, w).convBn(k, e, e, h, w, e).convBn(1, e, outC, h, w);
    },
    (l, x, outC, name) => {
      const inC = channelsOf(x);
      let y = l.pointwise(x, IRWLB_EXPANSION * inC, `${name}_expand`);
      y = l.batchNormSwish(y, `${name}_expand_bn`);
      y = l.batchNormSwish(l.depthwise(y, k, `${name}_dw`), `${name}_dw_bn`);
      y = l.batchNorm(l.pointwise(y, outC, `${name}_project`), `${name}_project_bn`);
      return inC === outC ? l.add([x, y], `${name}_residual`) : y;
    },
  );
}

/**
 * The registry, keyed by the id digit (one decimal digit: ids are written digit by digit).
 * 0 is the identity, which only module A may be (module B changes the width).
 */
export const MODULE_KINDS = {
  0: IDENTITY,
  1: depthwiseSeparable(3),
  2: depthwiseSeparable(5),
  3: invertedResidual(3),
  4: invertedResidual(5),
} as const satisfies Readonly<Record<number, ModuleKind>>;

export type ModuleId = keyof typeof MODULE_KINDS;

/** The id of the identity module (module A only). */
export const IDENTITY_MODULE = 0 satisfies ModuleId;
