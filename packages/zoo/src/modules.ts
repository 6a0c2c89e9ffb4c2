import type { SymbolicTensor } from './models/tf';

/**
 * The module kinds of the search space (Table 1), one registry entry each: the digit that
 * names it in architecture ids (the registry key), its Table 3 label, its parameter count,
 * its layer table rows and its tfjs builder. Adding a kind is one entry here (plus the
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
  /** Trainable parameters of the module mapping `inC` to `outC` channels. */
  params(inC: number, outC: number): number;
  /** Its rows of the layer table (none for the identity). */
  tableRows(inC: number, outC: number): ModuleRow[];
  /** Applies the module to `x` (its channels are the input width), giving `outC` channels. */
  build(layers: ModuleLayers, x: SymbolicTensor, outC: number, name: string): SymbolicTensor;
}

/** Expansion ratio of the inverted residual module (the paper uses 3, not MobileNet V2's 6). */
export const IRWLB_EXPANSION = 3;

/** Trainable parameters of a k x k conv without bias followed by BatchNorm (gamma, beta). */
export function convBnParams(k: number, inChannels: number, outChannels: number): number {
  return k * k * inChannels * outChannels + 2 * outChannels;
}

/** Depthwise k x k without bias followed by BatchNorm. */
function depthwiseBnParams(k: number, channels: number): number {
  return k * k * channels + 2 * channels;
}

function channelsOf(x: SymbolicTensor): number {
  return x.shape[x.shape.length - 1] as number;
}

/** A module that is one Table 3 row. */
function oneRow(
  label: string,
  params: (inC: number, outC: number) => number,
  build: ModuleKind['build'],
): ModuleKind {
  return {
    label,
    params,
    tableRows: (inC, outC) => [
      { layer: `${label} (${outC})`, outputChannels: outC, params: params(inC, outC) },
    ],
    build,
  };
}

/** Module A's "no module": the block is module B and the pool alone. */
const IDENTITY: ModuleKind = {
  label: 'Identity',
  params(inC, outC) {
    if (inC !== outC) throw new RangeError(`the identity cannot map ${inC} to ${outC} channels`);
    return 0;
  },
  tableRows: () => [],
  build: (_layers, x) => x,
};

/** Depthwise-separable convolution: k x k depthwise + BN + Swish, 1x1 + BN + Swish. */
function depthwiseSeparable(k: 3 | 5): ModuleKind {
  return oneRow(
    `${k} × ${k} DSC`,
    (inC, outC) => depthwiseBnParams(k, inC) + convBnParams(1, inC, outC),
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
    (inC, outC) => {
      const e = IRWLB_EXPANSION * inC;
      return convBnParams(1, inC, e) + depthwiseBnParams(k, e) + convBnParams(1, e, outC);
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
