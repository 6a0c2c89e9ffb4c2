import type { ClipRef, SegmentSource } from './segments';
import { AscError } from '@asc/core';

/**
 * Per plane and band input statistics (docs/scalogram.md step 8), fitted on the training
 * split: x' = (x - mean) / scale, where scale = max(mean - min, max - mean) is what the
 * authors call "std" (the largest deviation from the mean, not a standard deviation).
 */
export interface Normalisation {
  planes: number;
  bands: number;
  /** mean[plane][band] */
  mean: number[][];
  /** scale[plane][band] */
  scale: number[][];
  /** How many segments the statistics were fitted on. */
  segments: number;
}

export class NormalisationError extends AscError {
  constructor(message: string) {
    super('normalisation-invalid', message);
  }
}

/**
 * Streams the clips once, accumulating sums in double precision. The statistics run over
 * every frame of every segment, the padded frames of a clip's last segment included, as
 * the authors computed them on their segment arrays.
 */
export function fitNormalisation(source: SegmentSource, clips: readonly ClipRef[]): Normalisation {
  const [frames, bands, planes] = source.segmentShape;
  const cells = bands * planes;
  const sum = new Float64Array(cells);
  const min = new Float64Array(cells).fill(Infinity);
  const max = new Float64Array(cells).fill(-Infinity);
  let segments = 0;
  for (const clip of clips) {
    const { segments: data, count } = source.read(clip.file);
    const rows = count * frames;
    for (let r = 0; r < rows; r++) {
      const base = r * cells;
      for (let c = 0; c < cells; c++) {
        const x = data[base + c];
        sum[c] += x;
        if (x < min[c]) min[c] = x;
        if (x > max[c]) max[c] = x;
      }
    }
    segments += count;
  }
  if (segments === 0) throw new NormalisationError('no training segments to fit statistics on');
  const n = segments * frames;
  const mean: number[][] = [];
  const scale: number[][] = [];
  for (let p = 0; p < planes; p++) {
    mean.push([]);
    scale.push([]);
    for (let b = 0; b < bands; b++) {
      const c = b * planes + p;
      const m = sum[c] / n;
      const deviation = Math.max(m - min[c], max[c] - m);
      mean[p].push(m);
      // A constant band would divide by zero; leave it centred but unscaled.
      scale[p].push(deviation > 0 ? deviation : 1);
    }
  }
  return { planes, bands, mean, scale, segments };
}

/** The statistics laid out channels-last ([band][plane]), for broadcasting over NHWC. */
export function normalisationVectors(norm: Normalisation): {
  mean: Float32Array;
  scale: Float32Array;
} {
  const mean = new Float32Array(norm.bands * norm.planes);
  const scale = new Float32Array(norm.bands * norm.planes);
  for (let b = 0; b < norm.bands; b++) {
    for (let p = 0; p < norm.planes; p++) {
      mean[b * norm.planes + p] = norm.mean[p][b];
      scale[b * norm.planes + p] = norm.scale[p][b];
    }
  }
  return { mean, scale };
}

/** Checks a normalisation read back from a run record against the input shape. */
export function checkNormalisation(norm: Normalisation, bands: number, planes: number): void {
  if (norm.bands !== bands || norm.planes !== planes) {
    throw new NormalisationError(
      `normalisation is for ${norm.bands} bands x ${norm.planes} planes, inputs have ${bands} x ${planes}`,
    );
  }
}
