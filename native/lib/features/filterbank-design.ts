// The Morlet filter bank designed in TypeScript (double precision), the twin of
// native/src/features/filterbank.cc for the addon-less path. Pure functions.

// Aliased: under Jest's vm contexts every `Math.x` lookup goes through an interceptor that
// made these hot loops many times slower.
const { ceil, cos, exp, hypot, log, max, min, pow, sin, sqrt } = Math;

const SIGMA0 = 0.1;
const P_MAX = 5;
const EPS = 1e-7;
const R_PSI = sqrt(0.5);

/** A designed bank; weights are float64 here, rows = bands, columns = bins 0..nFft/2. */
export interface MorletBank64 {
  xi: Float64Array;
  sigma: Float64Array;
  weights: Float64Array;
  bands: number;
  bins: number;
}

function sigmaOf(xi: number, Q: number): number {
  const f = 1 / pow(2, 1 / Q);
  return (xi * ((1 - f) / (1 + f))) / sqrt(2 * log(1 / R_PSI));
}

function periods(sigma: number): number {
  return min(ceil(sqrt(-2 * sigma * sigma * log(EPS)) + 1), P_MAX);
}

function periodizedGaussian(n: number, centre: number, sigma: number, p: number): Float64Array {
  const g = new Float64Array(n);
  const denom = 2 * sigma * sigma;
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let l = 1 - p; l <= p - 1; l++) {
      const d = k / n + l - centre;
      sum += exp(-(d * d) / denom);
    }
    g[k] = sum / (2 * p - 1);
  }
  return g;
}

/** sum_n |IDFT(raw)[n]| with the 1/N factor (radix-2 FFT, or a direct sum otherwise). */
function l1TimeNorm(raw: Float64Array): number {
  const n = raw.length;
  const re = Float64Array.from(raw);
  const im = new Float64Array(n);
  if ((n & (n - 1)) === 0) {
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        [re[i], re[j]] = [re[j], re[i]];
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = (2 * Math.PI) / len;
      for (let i = 0; i < n; i += len) {
        for (let k = 0; k < len / 2; k++) {
          const wr = cos(ang * k);
          const wi = sin(ang * k);
          const a = i + k;
          const b = a + len / 2;
          const vr = re[b] * wr - im[b] * wi;
          const vi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - vr;
          im[b] = im[a] - vi;
          re[a] += vr;
          im[a] += vi;
        }
      }
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += hypot(re[i], im[i]);
    return sum / n;
  }
  let sum = 0;
  for (let m = 0; m < n; m++) {
    let sr = 0;
    let si = 0;
    for (let k = 0; k < n; k++) {
      const ang = (2 * Math.PI * ((k * m) % n)) / n;
      sr += raw[k] * cos(ang);
      si += raw[k] * sin(ang);
    }
    sum += hypot(sr, si);
  }
  return sum / n;
}

function normalised(raw: Float64Array): Float64Array {
  const norm = l1TimeNorm(raw);
  for (let k = 0; k < raw.length; k++) raw[k] /= norm;
  return raw;
}

/** Band-pass centres and widths in Kymatio's order (highest first), and the low-pass width. */
export function morletParams(
  J: number,
  Q: number,
): { xi: number[]; sigma: number[]; sigmaLow: number } {
  const sigmaLow = SIGMA0 / pow(2, J);
  let xi = max(1 / (1 + pow(2, 3 / Q)), 0.35);
  let s = sigmaOf(xi, Q);
  const xis: number[] = [];
  const sigmas: number[] = [];
  let lastXi: number;
  if (s <= sigmaLow) {
    lastXi = s;
  } else {
    const step = 1 / pow(2, 1 / Q);
    while (s > sigmaLow) {
      xis.push(xi);
      sigmas.push(s);
      xi *= step;
      s *= step;
    }
    lastXi = xis[xis.length - 1];
  }
  for (let q = 1; q < Q; q++) {
    xis.push(((Q - q) / Q) * lastXi);
    sigmas.push(sigmaLow);
  }
  return { xi: xis, sigma: sigmas, sigmaLow };
}

/** The whole bank on an nFft-point grid (rows: low-pass, then band-pass ascending). */
export function designMorletBank(nFft: number, J: number, Q: number): MorletBank64 {
  const params = morletParams(J, Q);
  const bins = Math.floor(nFft / 2) + 1;
  const bands = params.xi.length + 1;
  const weights = new Float64Array(bands * bins);
  const xi = new Float64Array(bands);
  const sigma = new Float64Array(bands);
  sigma[0] = params.sigmaLow;
  const phi = normalised(periodizedGaussian(nFft, 0, params.sigmaLow, periods(params.sigmaLow)));
  weights.set(phi.subarray(0, bins), 0);
  for (let i = params.xi.length - 1, row = 1; i >= 0; i--, row++) {
    const s = params.sigma[i];
    const p = periods(s);
    const g = periodizedGaussian(nFft, params.xi[i], s, p);
    const low = periodizedGaussian(nFft, 0, s, p);
    const kappa = g[0] / low[0];
    for (let k = 0; k < nFft; k++) g[k] -= kappa * low[k];
    weights.set(normalised(g).subarray(0, bins), row * bins);
    xi[row] = params.xi[i];
    sigma[row] = s;
  }
  return { xi, sigma, weights, bands, bins };
}
