import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  deriveSeed,
  fmix32,
  foldedSeedRng,
  Rng,
  splitmix32State,
  streamRng,
  type RngState,
} from '../src';

/** Draws `n` raw words. */
function words(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('xoshiro128** against published outputs', () => {
  it('state [1, 2, 3, 4] gives the reference implementation (v1.1) outputs', () => {
    // From rand_xoshiro's `reference` test (rust-random/rngs,
    // rand_xoshiro/src/xoshiro128starstar.rs), produced with Vigna's xoshiro128starstar.c.
    expect(words(Rng.fromState([1, 2, 3, 4]), 10)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597,
      4258142804,
    ]);
  });

  it('fmix32 matches MurmurHash3_x86_32 of the empty input (h = seed, then fmix32)', () => {
    // Published MurmurHash3_x86_32 test vectors: ("", 0) = 0, ("", 1) = 0x514E28B7,
    // ("", 0xFFFFFFFF) = 0x81F16F39.
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
  });

  it('turns words into floats as documented (checked by hand on the reference words)', () => {
    const r32 = Rng.fromState([1, 2, 3, 4], 32);
    expect(r32.next()).toBe(11520 / 2 ** 32);
    expect(r32.next()).toBe(0);
    const r53 = Rng.fromState([1, 2, 3, 4], 53);
    // (11520 >>> 5) * 2^26 + (0 >>> 6), over 2^53; then (5927040 >>> 5) * 2^26 + (70819200 >>> 6).
    expect(r53.next()).toBe((360 * 2 ** 26) / 2 ** 53);
    expect(r53.next()).toBe((185220 * 2 ** 26 + 1106550) / 2 ** 53);
  });
});

describe('xoshiro128** and splitmix32 against a C implementation', () => {
  let bin: string;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-xoshiro-'));
    bin = path.join(dir, 'xoshiro');
    execFileSync('cc', [
      '-O2',
      '-std=c99',
      '-o',
      bin,
      path.join(__dirname, 'fixtures', 'xoshiro128starstar.c'),
    ]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function reference(mode: 'state' | 'splitmix', words4: number[], count: number): number[] {
    const out = execFileSync(bin, [mode, ...words4.map(String), String(count)], {
      encoding: 'utf8',
    });
    return out.trim().split('\n').map(Number);
  }

  it('gives the same 2000 words from states with every bit pattern', () => {
    const states: RngState[] = [
      [1, 2, 3, 4],
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0x80000000, 0, 0, 0],
      [0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98],
    ];
    for (const state of states) {
      const expected = reference('state', state, 2000);
      expect(expected.slice(0, 4)).toEqual(state);
      expect(words(Rng.fromState(state), 2000)).toEqual(expected.slice(4));
    }
  });

  it('seeds through splitmix32 as the C code does, for every scheme', () => {
    for (const x of [0, 1, 42, 0x7fffffff, 0x80000000, 0xffffffff]) {
      expect(splitmix32State(x)).toEqual(reference('splitmix', [x, 0, 0, 0], 0));
    }
    // The trainer's: the seed's integer part mod 2^32.
    expect(Rng.fromSeed(-1).state()).toEqual(reference('splitmix', [0xffffffff, 0, 0, 0], 0));
    expect(Rng.fromSeed(2 ** 32 + 7.9).state()).toEqual(reference('splitmix', [7, 0, 0, 0], 0));
    // The sampler's: the high part folded onto the low word, (2^32 * 3 + 5) -> 5 ^ 3 = 6.
    expect(foldedSeedRng(2 ** 32 * 3 + 5).state()).toEqual(reference('splitmix', [6, 0, 0, 0], 0));
    // The synthetic dataset's: seed and stream hashed apart.
    const x = (fmix32(9) ^ fmix32(2 + 0x632be5ab)) >>> 0;
    expect(streamRng(9, 2).state()).toEqual(reference('splitmix', [x, 0, 0, 0], 0));
    const seeded = reference('splitmix', [x, 0, 0, 0], 50);
    expect(words(streamRng(9, 2), 50)).toEqual(seeded.slice(4));
  });
});

describe('Rng', () => {
  it('is a function of its seed and continues exactly from a saved state', () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    const saved = a.state();
    const tail = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => Rng.fromState(saved).next())[0]).toBe(tail[0]);
    const c = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => c.next())).toEqual(tail);
    expect(Rng.fromSeed(43).nextUint32()).not.toBe(first[0]);
    const s = streamRng(1, 1);
    s.nextUint32();
    const copy = Rng.fromState(s.state(), s.floatBits);
    expect(words(copy, 20)).toEqual(words(s, 20));
  });

  it('gives uniform-looking draws and valid permutations', () => {
    const r = Rng.fromSeed(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 50000; i++) counts[r.int(0, 9)] += 1;
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300);
    const exact = new Array(3).fill(0);
    for (let i = 0; i < 30000; i++) exact[r.below(3)] += 1;
    for (const c of exact) expect(Math.abs(c - 10000)).toBeLessThan(400);
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('draws normal and beta variates with the right first two moments', () => {
    const r = Rng.fromSeed(3);
    const n = 40000;
    const moments = (draw: () => number): [number, number] => {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const v = draw();
        sum += v;
        sq += v * v;
      }
      const mean = sum / n;
      return [mean, sq / n - mean * mean];
    };
    const [nm, nv] = moments(() => r.normal());
    expect(Math.abs(nm)).toBeLessThan(0.03);
    expect(Math.abs(nv - 1)).toBeLessThan(0.03);
    // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); a = 0.4 -> 0.1389 (gamma boost path).
    const [bm, bv] = moments(() => r.beta(0.4, 0.4));
    expect(Math.abs(bm - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(bv - 1 / (4 * 1.8))).toBeLessThan(0.005);
    const noise = r.fillNoise(new Float64Array(n));
    let i = 0;
    const [um, uv] = moments(() => noise[i++]);
    expect(Math.abs(um)).toBeLessThan(0.03);
    expect(Math.abs(uv - 1)).toBeLessThan(0.03);
  });

  it('rejects bad seeds and states', () => {
    expect(() => Rng.fromSeed(NaN)).toThrow(RangeError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/zero/);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/four integers/);
    expect(() => foldedSeedRng(1.5)).toThrow(RangeError);
    expect(() => Rng.fromSeed(1).below(0)).toThrow(RangeError);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, 31-bit and differs across indexes and study seeds', () => {
    expect(deriveSeed(1, 0)).toBe(deriveSeed(1, 0));
    const seeds = new Set(Array.from({ length: 200 }, (_, i) => deriveSeed(1, i)));
    expect(seeds.size).toBe(200);
    for (const s of seeds) expect(s).toBeLessThan(2 ** 31);
    expect(deriveSeed(2, 0)).not.toBe(deriveSeed(1, 0));
  });
});
