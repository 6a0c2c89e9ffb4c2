// What the feature benchmarks feed their runs: synthetic clips and the filter bank the
// Python references apply.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_FEATURE_CONFIG, morletFilterbank } from '@asc/native';

export const SYNTHETIC_SECONDS = 10;

// A stereo scene-like clip: tones, a sweep and noise, different per seed, so the files
// differ (the cache is content-addressed) and the spectra are not trivial.
export function syntheticClip(
  seed: number,
  rateHz = DEFAULT_FEATURE_CONFIG.sampleRateHz,
): Float64Array[] {
  const n = SYNTHETIC_SECONDS * rateHz;
  let state = (seed * 2654435761) >>> 0 || 1;
  const noise = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const f0 = 100 + (seed % 13) * 70;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const tone =
      0.2 * Math.sin(2 * Math.PI * f0 * t) +
      0.05 * Math.sin(2 * Math.PI * (f0 * 7.3 + 300 * t) * t);
    left[i] = tone + 0.05 * noise();
    right[i] = 0.8 * tone + 0.05 * noise();
  }
  return [left, right];
}

/**
 * The default config's filter bank as raw little-endian float32 (bands x bins) in `dir`,
 * for the Python references (features_numpy.py, features_torch.py) to apply the same matrix.
 */
export function writeFilterBank(dir: string): { file: string; bands: number; bins: number } {
  const bank = morletFilterbank({
    nFft: DEFAULT_FEATURE_CONFIG.nFft,
    J: DEFAULT_FEATURE_CONFIG.J,
    Q: DEFAULT_FEATURE_CONFIG.Q,
  });
  const file = path.join(dir, 'bank.f32');
  fs.writeFileSync(
    file,
    Buffer.from(bank.weights.buffer, bank.weights.byteOffset, bank.weights.byteLength),
  );
  return { file, bands: bank.bands, bins: bank.bins };
}
