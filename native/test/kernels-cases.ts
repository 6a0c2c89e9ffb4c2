import { randInt, rng } from './kernels-helpers';

// The randomised shapes of the kernel tests, shared by the CPU kernels' tests (against
// tfjs's JS kernels) and the CUDA backend's (against the CPU kernels).

export type Pad = 'same' | 'valid';

export interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inC: number;
  outC: number;
  k: number;
  stride: 1 | 2;
  pad: Pad;
}

// The zoo's combinations first (stem 3x3/2 same, 1x1 pointwise, depthwise 3x3 and 5x5),
// then random ones with kernel sizes 1..11 and odd sizes.
export const ZOO_CASES: ConvCase[] = [
  { batch: 2, height: 16, width: 16, inC: 2, outC: 8, k: 3, stride: 2, pad: 'same' },
  { batch: 2, height: 9, width: 9, inC: 12, outC: 36, k: 1, stride: 1, pad: 'same' },
  { batch: 3, height: 8, width: 8, inC: 24, outC: 8, k: 1, stride: 1, pad: 'valid' },
  { batch: 2, height: 10, width: 10, inC: 16, outC: 16, k: 3, stride: 1, pad: 'same' },
  { batch: 2, height: 9, width: 9, inC: 16, outC: 16, k: 5, stride: 1, pad: 'same' },
];

export function randomCases(seed: number, count: number, maxWork: number): ConvCase[] {
  const r = rng(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const c: ConvCase = {
      batch: randInt(r, 1, 4),
      height: randInt(r, 1, 33),
      width: randInt(r, 1, 33),
      inC: randInt(r, 1, 70),
      outC: randInt(r, 1, 70),
      k: randInt(r, 1, 11),
      stride: r() < 0.5 ? 1 : 2,
      pad: r() < 0.5 ? 'same' : 'valid',
    };
    if (c.pad === 'valid' && (c.k > c.height || c.k > c.width)) continue;
    const work = c.batch * c.height * c.width * c.inC * c.outC * c.k * c.k;
    if (work > maxWork) continue;
    cases.push(c);
  }
  return cases;
}

export function describeCase(c: ConvCase): string {
  return `${c.batch}x${c.height}x${c.width}x${c.inC}->${c.outC} k${c.k} s${c.stride} ${c.pad}`;
}

/** Dense convolutions: the zoo's, then 14 random ones. */
export const CONV_CASES: ConvCase[] = [...ZOO_CASES, ...randomCases(7, 14, 3e6)];

/** Depthwise convolutions (channel multiplier 1): the zoo's, then 14 random ones. */
export const DEPTHWISE_CASES: ConvCase[] = [...ZOO_CASES, ...randomCases(11, 14, 2e7)].map((c) => ({
  ...c,
  outC: c.inC,
}));

const poolRng = rng(3);
/** Pooling cases: the zoo's 2x2/2, odd sizes with 'same' padding, then random ones. */
export const POOL_CASES: ConvCase[] = [
  { batch: 2, height: 16, width: 16, inC: 8, outC: 8, k: 2, stride: 2, pad: 'valid' },
  { batch: 1, height: 7, width: 9, inC: 5, outC: 5, k: 2, stride: 2, pad: 'same' },
  { batch: 2, height: 3, width: 3, inC: 70, outC: 70, k: 2, stride: 2, pad: 'valid' },
];
while (POOL_CASES.length < 12) {
  const c: ConvCase = {
    batch: randInt(poolRng, 1, 4),
    height: randInt(poolRng, 1, 33),
    width: randInt(poolRng, 1, 33),
    inC: randInt(poolRng, 1, 70),
    outC: 0,
    k: randInt(poolRng, 1, 5),
    stride: poolRng() < 0.5 ? 1 : 2,
    pad: poolRng() < 0.5 ? 'same' : 'valid',
  };
  if (c.pad === 'valid' && (c.k > c.height || c.k > c.width)) continue;
  POOL_CASES.push({ ...c, outC: c.inC });
}

export interface MatMulCase {
  batch: number;
  m: number;
  k: number;
  n: number;
  ta: boolean;
  tb: boolean;
}

const matMulRng = rng(5);
/** Products: one tall-skinny case, then random shapes and transposes. */
export const MATMUL_CASES: MatMulCase[] = [{ batch: 1, m: 64, k: 64, n: 3, ta: false, tb: false }];
for (let i = 0; i < 10; ++i) {
  MATMUL_CASES.push({
    batch: randInt(matMulRng, 1, 4),
    m: randInt(matMulRng, 1, 70),
    k: randInt(matMulRng, 1, 70),
    n: randInt(matMulRng, 1, 70),
    ta: matMulRng() < 0.5,
    tb: matMulRng() < 0.5,
  });
}
