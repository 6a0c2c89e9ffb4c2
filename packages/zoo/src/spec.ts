/**
 * The architecture spec of the paper's search space (Tables 1 and 2), as plain JSON.
 *
 * A spec is `{ stemFilters, growth, blocks }`; each block is `[moduleA, moduleB, pool]`
 * with module ids 0 = identity, 1 = 3x3 DSC, 2 = 5x5 DSC, 3 = 3x3 IRwLB, 4 = 5x5 IRwLB.
 * Module A keeps its input width, module B maps `in -> floor(growth * in)`.
 */

export type ModuleId = 0 | 1 | 2 | 3 | 4;
export type Pool = 'avg' | 'max';
export type Block = [ModuleId, Exclude<ModuleId, 0>, Pool];
export interface ArchSpec {
  stemFilters: number;
  growth: number;
  blocks: Block[];
}

export const MODULE_IDS: readonly ModuleId[] = [0, 1, 2, 3, 4];
export const POOLS: readonly Pool[] = ['avg', 'max'];

/** Structural limits of a spec; the search space (space.ts) is a subset of these. */
export const SPEC_LIMITS = {
  minBlocks: 1,
  maxBlocks: 8,
  maxStemFilters: 1024,
  minGrowth: 1,
  maxGrowth: 4,
} as const;

/** A spec that is not a valid architecture; `field` names the offending part. */
export class ArchSpecError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
    readonly source?: string,
  ) {
    super(source ? `${source}: ${message}` : message);
    this.name = 'ArchSpecError';
  }
}

export interface ModuleInfo {
  kind: 'identity' | 'dsc' | 'irwlb';
  kernelSize: 0 | 3 | 5;
  /** The name used in Table 3. */
  label: string;
}

export const MODULES: Record<ModuleId, ModuleInfo> = {
  0: { kind: 'identity', kernelSize: 0, label: 'Identity' },
  1: { kind: 'dsc', kernelSize: 3, label: '3 × 3 DSC' },
  2: { kind: 'dsc', kernelSize: 5, label: '5 × 5 DSC' },
  3: { kind: 'irwlb', kernelSize: 3, label: '3 × 3 IRwLB' },
  4: { kind: 'irwlb', kernelSize: 5, label: '5 × 5 IRwLB' },
};

/** Expansion ratio of the inverted residual module (the paper uses 3, not MobileNet V2's 6). */
export const IRWLB_EXPANSION = 3;

/**
 * Checks that `x` is an ArchSpec and returns a fresh, normalised copy.
 * `source` (a file path, a flag) is put in front of the error message.
 */
export function validateArchSpec(x: unknown, source?: string): ArchSpec {
  const fail = (message: string, field: string, value: unknown): never => {
    throw new ArchSpecError(message, field, value, source);
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    return fail(`an architecture spec must be an object, got ${describe(x)}`, '', x);
  }
  const o = x as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['stemFilters', 'growth', 'blocks'].includes(key)) {
      fail(`unknown field "${key}" (expected stemFilters, growth, blocks)`, key, o[key]);
    }
  }
  const F = o.stemFilters;
  if (typeof F !== 'number' || !Number.isInteger(F) || F < 1 || F > SPEC_LIMITS.maxStemFilters) {
    fail(
      `stemFilters must be an integer in 1..${SPEC_LIMITS.maxStemFilters}, got ${describe(F)}`,
      'stemFilters',
      F,
    );
  }
  const g = o.growth;
  if (
    typeof g !== 'number' ||
    !Number.isFinite(g) ||
    g < SPEC_LIMITS.minGrowth ||
    g > SPEC_LIMITS.maxGrowth
  ) {
    fail(
      `growth must be a number in ${SPEC_LIMITS.minGrowth}..${SPEC_LIMITS.maxGrowth}, got ${describe(g)}`,
      'growth',
      g,
    );
  }
  const blocks = o.blocks;
  if (!Array.isArray(blocks))
    return fail(`blocks must be an array, got ${describe(blocks)}`, 'blocks', blocks);
  if (blocks.length < SPEC_LIMITS.minBlocks || blocks.length > SPEC_LIMITS.maxBlocks) {
    fail(
      `blocks must hold ${SPEC_LIMITS.minBlocks}..${SPEC_LIMITS.maxBlocks} blocks, got ${blocks.length}`,
      'blocks',
      blocks,
    );
  }
  const out: Block[] = blocks.map((b: unknown, i: number): Block => {
    const field = `blocks[${i}]`;
    if (!Array.isArray(b) || b.length !== 3) {
      return fail(`${field} must be [moduleA, moduleB, pool], got ${describe(b)}`, field, b);
    }
    const [a, m, p] = b as unknown[];
    if (!MODULE_IDS.includes(a as ModuleId)) {
      fail(`${field}[0] (module A) must be one of 0..4, got ${describe(a)}`, `${field}[0]`, a);
    }
    if (!MODULE_IDS.includes(m as ModuleId) || m === 0) {
      fail(`${field}[1] (module B) must be one of 1..4, got ${describe(m)}`, `${field}[1]`, m);
    }
    if (!POOLS.includes(p as Pool)) {
      fail(`${field}[2] (pool) must be "avg" or "max", got ${describe(p)}`, `${field}[2]`, p);
    }
    return [a as ModuleId, m as Exclude<ModuleId, 0>, p as Pool];
  });
  return { stemFilters: F as number, growth: g as number, blocks: out };
}

/**
 * Channel widths: `widths[0]` is the stem's output, `widths[i + 1]` the output of block i.
 * The small epsilon keeps growth values like 1.15 from flooring one channel short.
 */
export function blockWidths(spec: ArchSpec): number[] {
  const widths = [spec.stemFilters];
  for (let i = 0; i < spec.blocks.length; i++) {
    widths.push(Math.floor(spec.growth * widths[i] + 1e-9));
  }
  return widths;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}
