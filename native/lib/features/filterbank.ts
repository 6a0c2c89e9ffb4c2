import { resolveFeatureBackend, type FeatureBackend } from './backend';
import { nativeFeatures } from './addon-features';
import { FeatureConfigError } from './config';
import { designMorletBank } from './filterbank-design';

/** The Morlet filter bank: xi and sigma per row (cycles/sample), weights bands x bins. */
export interface MorletFilterbank {
  xi: Float64Array;
  sigma: Float64Array;
  /** Row-major bands x bins: row 0 low-pass, rows 1.. band-pass in ascending centre. */
  weights: Float32Array;
  bands: number;
  bins: number;
}

/**
 * The first-order Morlet bank of Kymatio 0.2 for an nFft-point grid (docs/scalogram.md),
 * designed in double precision; weights are returned as float32.
 */
export function morletFilterbank(o: {
  nFft: number;
  J: number;
  Q: number;
  backend?: FeatureBackend;
}): MorletFilterbank {
  const check = (field: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new FeatureConfigError(field, v, `must be an integer in ${min}..${max}`);
    }
  };
  check('nFft', o.nFft, 2, 1 << 20);
  check('J', o.J, 0, 30);
  check('Q', o.Q, 1, 64);
  if (resolveFeatureBackend(o.backend) === 'native') {
    return nativeFeatures().morletFilterbank(o.nFft, o.J, o.Q);
  }
  const bank = designMorletBank(o.nFft, o.J, o.Q);
  return { ...bank, weights: Float32Array.from(bank.weights) };
}
