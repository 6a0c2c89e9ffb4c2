import { archId, isArchId, parseArchId } from '../src/arch-id';
import { RandomSampler } from '../src/sampler';
import { ArchSpecError, blockWidths, validateArchSpec, type ArchSpec } from '../src/spec';

const B: ArchSpec = {
  stemFilters: 64,
  growth: 1,
  blocks: [
    [0, 3, 'avg'],
    [0, 1, 'avg'],
    [2, 1, 'avg'],
    [3, 1, 'avg'],
  ],
};

describe('architecture identifiers', () => {
  it("writes the authors' format: A, B, pool digits 5/6, stem filters, growth with 3 decimals", () => {
    expect(archId(B)).toBe('id_035015215315_64_1.000');
    expect(
      archId({
        stemFilters: 76,
        growth: 1.75,
        blocks: [
          [4, 1, 'avg'],
          [2, 2, 'max'],
        ],
      }),
    ).toBe('id_415226_76_1.750');
    expect(parseArchId('id_015015_64_1.000')).toEqual({
      stemFilters: 64,
      growth: 1,
      blocks: [
        [0, 1, 'avg'],
        [0, 1, 'avg'],
      ],
    });
  });

  it('round-trips 500 sampled architectures', () => {
    const sampler = new RandomSampler({ seed: 3 });
    for (let i = 0; i < 500; i++) {
      const spec = sampler.drawRaw();
      const id = archId(spec);
      expect(isArchId(id)).toBe(true);
      expect(parseArchId(id)).toEqual(spec);
      expect(archId(parseArchId(id))).toBe(id);
    }
  });

  it.each([
    ['id_01501_64_1.000', /multiple of 3/],
    ['id_015017_64_1.000', /pool.*"7"/],
    ['id_005015_64_1.000', /module B.*0/],
    ['id_015015_64_1.0', /not an architecture identifier/],
    ['B', /not an architecture identifier/],
    ['id_015015_0_1.000', /stemFilters/],
  ])('rejects %s with a readable error', (id, message) => {
    expect(() => parseArchId(id)).toThrow(ArchSpecError);
    expect(() => parseArchId(id)).toThrow(message);
  });
});

describe('validateArchSpec', () => {
  it('accepts a valid spec and returns a copy', () => {
    const copy = validateArchSpec(B);
    expect(copy).toEqual(B);
    expect(copy.blocks[0]).not.toBe(B.blocks[0]);
  });

  it.each([
    [null, '', /must be an object/],
    [{ ...B, stemFilters: 2.5 }, 'stemFilters', /stemFilters must be an integer/],
    [{ ...B, growth: '1' }, 'growth', /growth must be a number/],
    [{ ...B, growth: 0.5 }, 'growth', /growth must be a number in 1\.\.4/],
    [{ ...B, blocks: [] }, 'blocks', /1\.\.8 blocks, got 0/],
    [{ ...B, blocks: [[0, 1]] }, 'blocks[0]', /blocks\[0\] must be \[moduleA, moduleB, pool\]/],
    [{ ...B, blocks: [[5, 1, 'avg']] }, 'blocks[0][0]', /module A\) must be one of 0\.\.4, got 5/],
    [{ ...B, blocks: [[0, 1, 'mean']] }, 'blocks[0][2]', /"avg" or "max", got "mean"/],
    [{ ...B, extra: 1 }, 'extra', /unknown field "extra"/],
  ])('rejects %j naming the field', (value, field, message) => {
    try {
      validateArchSpec(value, 'spec.json');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ArchSpecError);
      expect((err as ArchSpecError).field).toBe(field);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith('spec.json: ')).toBe(true);
    }
  });

  it('computes widths with module B mapping in -> floor(g * in) (Model A: 76 -> 133 -> 232)', () => {
    expect(
      blockWidths({
        stemFilters: 76,
        growth: 1.75,
        blocks: [
          [4, 1, 'avg'],
          [2, 2, 'max'],
        ],
      }),
    ).toEqual([76, 133, 232]);
    expect(blockWidths({ stemFilters: 100, growth: 1.15, blocks: [[0, 1, 'avg']] })).toEqual([
      100, 115,
    ]);
  });
});
