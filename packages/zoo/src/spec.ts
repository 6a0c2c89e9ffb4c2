import { AscError } from '@asc/core';

/**
 * The architecture spec of the paper's search space (Tables 1 and 2), as plain JSON.
 *
 * A spec is `{ stemFilters, growth, blocks }`; each block is `[moduleA, moduleB, pool]`
 * with the module ids of the registry (modules.ts): 0 = identity, 1 = 3x3 DSC,
 * 2 = 5x5 DSC, 3 = 3x3 IRwLB, 4 = 5x5 IRwLB. Module A keeps its input width, module B
 * maps `in -> floor(growth * in)`.
 */
import { IDENTITY_MODULE, MODULE_KINDS, type ModuleId, type ModuleKind } from './modules';

export type Pool = 'avg' | 'max';
export type Block = [ModuleId, Exclude<ModuleId, typeof IDENTITY_MODULE>, Pool];
export interface ArchSpec {
  stemFilters: number;
  growth: number;
  blocks: Block[];
}

/** Every registered module id, ascending. */
export const MODULE_IDS: readonly ModuleId[] = Object.keys(MODULE_KINDS)
  .map(Number)
  .sort((a, b) => a - b) as ModuleId[];

/** The ids module B may take: every kind but the identity. */
export const MODULE_B_IDS = MODULE_IDS.filter((id) => id !== IDENTITY_MODULE) as Block[1][];
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
export class ArchSpecError extends AscError {
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
    readonly source?: string,
  ) {
    super('arch-spec-invalid', source ? `${source}: ${message}` : message, {
      context: { field, value, file: source },
    });
  }
}

/** A module id with no entry in the registry (modules.ts). */
export class UnknownModuleError extends ArchSpecError {
  constructor(readonly id: unknown) {
    super(`unknown module kind ${describe(id)} (known: ${describeIds(MODULE_IDS)})`, 'module', id);
    this.name = 'UnknownModuleError';
  }
}

function isModuleId(id: unknown): id is ModuleId {
  return typeof id === 'number' && Object.prototype.hasOwnProperty.call(MODULE_KINDS, id);
}

/** The registry's entry for `id`; an id without one is an UnknownModuleError. */
export function moduleKind(id: number): ModuleKind {
  if (!isModuleId(id)) throw new UnknownModuleError(id);
  return MODULE_KINDS[id];
}

/** "0..4" for consecutive ids, else the list. */
function describeIds(ids: readonly number[]): string {
  const consecutive = ids.every((id, i) => i === 0 || id === ids[i - 1] + 1);
  return consecutive && ids.length > 2 ? `${ids[0]}..${ids[ids.length - 1]}` : ids.join(', ');
}

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
    if (!isModuleId(a)) {
      fail(
        `${field}[0] (module A) must be one of ${describeIds(MODULE_IDS)}, got ${describe(a)}`,
        `${field}[0]`,
        a,
      );
    }
    if (!isModuleId(m) || m === IDENTITY_MODULE) {
      fail(
        `${field}[1] (module B) must be one of ${describeIds(MODULE_B_IDS)}, got ${describe(m)}`,
        `${field}[1]`,
        m,
      );
    }
    if (!POOLS.includes(p as Pool)) {
      fail(`${field}[2] (pool) must be "avg" or "max", got ${describe(p)}`, `${field}[2]`, p);
    }
    return [a as ModuleId, m as Block[1], p as Pool];
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
