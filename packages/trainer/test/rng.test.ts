import { Rng } from '../src';

describe('Rng', () => {
  it('is a function of its seed and continues exactly from a saved state', () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    const saved = a.state();
    const tail = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => Rng.fromState(saved).uniform())[0]).toBe(tail[0]);
    const c = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => c.uniform())).toEqual(tail);
    expect(Rng.fromSeed(43).nextUint32()).not.toBe(first[0]);
  });

  it('gives uniform-looking draws and valid permutations', () => {
    const r = Rng.fromSeed(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 50000; i++) counts[r.int(10)] += 1;
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300);
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('rejects bad seeds and states', () => {
    expect(() => Rng.fromSeed(NaN)).toThrow(RangeError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/zero/);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/four integers/);
  });
});
