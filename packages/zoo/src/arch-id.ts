import { ArchSpecError, validateArchSpec, type ArchSpec, type Block } from './spec';

/**
 * The authors' identifier: `id_` + three digits per block (module A, module B, pool with
 * 5 = average and 6 = max), `_` + stem filters, `_` + growth with three decimals.
 * Model B is `id_035015215315_64_1.000`. Equal identifiers mean equal architectures.
 */
export function archId(spec: ArchSpec): string {
  const s = validateArchSpec(spec);
  const digits = s.blocks.map(([a, b, p]) => `${a}${b}${p === 'avg' ? 5 : 6}`).join('');
  return `id_${digits}_${s.stemFilters}_${s.growth.toFixed(3)}`;
}

const ID_PATTERN = /^id_(\d+)_(\d+)_(\d+\.\d{3})$/;

/** Inverse of archId; throws ArchSpecError naming what is wrong with the identifier. */
export function parseArchId(id: string): ArchSpec {
  const m = ID_PATTERN.exec(id);
  if (!m) {
    throw new ArchSpecError(
      `"${id}" is not an architecture identifier (expected id_<digits>_<F>_<growth with 3 decimals>, e.g. id_015015_64_1.000)`,
      'id',
      id,
    );
  }
  const [, digits, f, g] = m;
  if (digits.length % 3 !== 0) {
    throw new ArchSpecError(
      `"${id}": the block digits "${digits}" are not a multiple of 3 (module A, module B, pool per block)`,
      'id',
      id,
    );
  }
  const blocks: unknown[] = [];
  for (let i = 0; i < digits.length; i += 3) {
    const pool = digits[i + 2] === '5' ? 'avg' : digits[i + 2] === '6' ? 'max' : digits[i + 2];
    blocks.push([Number(digits[i]), Number(digits[i + 1]), pool] as unknown as Block);
  }
  return validateArchSpec({ stemFilters: Number(f), growth: Number(g), blocks }, `"${id}"`);
}

export function isArchId(s: string): boolean {
  return ID_PATTERN.test(s);
}
