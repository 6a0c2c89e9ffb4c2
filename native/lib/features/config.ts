import { AscError } from '@asc/core';
import {
  DEFAULT_RESAMPLE_QUALITY,
  RESAMPLE_QUALITIES,
  type ResampleQuality,
} from '../audio/resample';
import { DEFAULT_CHANNELS } from '../audio/types';

/**
 * Every parameter of the scalogram pipeline (docs/scalogram.md). The defaults are the
 * paper's values as the authors' code ran them; the cache is keyed by the config's hash
 * (config-hash.ts). Pure: the browser page imports it too.
 */
export interface FeatureConfig {
  /** Sample rate of the features, Hz: files at another rate are resampled to it. */
  sampleRateHz: number;
  /** FFT length in samples; also the filter-bank grid (bins 0..nFft/2). */
  nFft: number;
  /** Window length in samples, centred in the nFft frame (zeros around it). */
  windowSamples: number;
  /** Hop between frames in samples. Frames = 1 + floor(samples / hop) (centred framing). */
  hopSamples: number;
  /** Periodic window shape. */
  window: 'hamming' | 'hann';
  /** Morlet bank: largest scale 2^J (low-pass width sigma0 / 2^J). */
  J: number;
  /** Morlet bank: filters per octave. */
  Q: number;
  /** 'power-db': clip dB values from below at max - topDb (per channel and clip); padding frames hold -topDb. */
  topDb: number;
  /** Frames per segment (the CNN's input height). */
  segmentFrames: number;
  /**
   * 'power-db': 10 log10(F @ |X|^2), clipped (the authors' code, default).
   * 'log-magnitude': F @ 20 log10(max(|X|, 1e-5)), not clipped (the paper's literal sentence).
   */
  scale: 'power-db' | 'log-magnitude';
  /**
   * libsoxr's quality for files at another rate than sampleRateHz ('hq': librosa's
   * default since 0.10); files at sampleRateHz are not touched.
   */
  resampleQuality: ResampleQuality;
  /**
   * The 1-based channels (one or two) taken from files with more than two, as mid/side
   * (two) or mono (one). Mono and stereo files are used as they are.
   */
  channels: number[];
}

export const DEFAULT_FEATURE_CONFIG: Readonly<FeatureConfig> = Object.freeze({
  sampleRateHz: 48000,
  nFft: 2048,
  windowSamples: 1200,
  hopSamples: 480,
  window: 'hamming',
  J: 10,
  Q: 16,
  topDb: 80,
  segmentFrames: 128,
  scale: 'power-db',
  resampleQuality: DEFAULT_RESAMPLE_QUALITY,
  channels: [...DEFAULT_CHANNELS],
});

/**
 * Bumped when the pipeline's arithmetic changes in a way that changes the features, so
 * caches written by older code are not reused.
 */
export const FEATURE_PIPELINE_VERSION = 1;

/** A config field with a value the pipeline cannot use. */
export class FeatureConfigError extends AscError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    why: string,
  ) {
    super('feature-config-invalid', `feature config: ${field} = ${JSON.stringify(value)}: ${why}`, {
      context: { field, value },
    });
  }
}

/** Every field, in the order the config hash lists them. */
export const FEATURE_CONFIG_FIELDS: readonly (keyof FeatureConfig)[] = [
  'sampleRateHz',
  'nFft',
  'windowSamples',
  'hopSamples',
  'window',
  'J',
  'Q',
  'topDb',
  'segmentFrames',
  'scale',
  'resampleQuality',
  'channels',
];

/**
 * Fields added after caches were first written. They enter the hash only at values other
 * than their defaults, so a config that leaves them at their defaults (the default config
 * among them) keeps the hash, and the cache, it had before they existed.
 */
export const LATER_FEATURE_CONFIG_FIELDS: readonly (keyof FeatureConfig)[] = [
  'resampleQuality',
  'channels',
];

function integerIn(c: FeatureConfig, field: keyof FeatureConfig, min: number, max: number): void {
  const v = c[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FeatureConfigError(field, v, `must be an integer in ${min}..${max}`);
  }
}

/** The defaults overridden by `partial`, checked; throws FeatureConfigError. */
export function resolveFeatureConfig(partial: Partial<FeatureConfig> = {}): FeatureConfig {
  for (const key of Object.keys(partial)) {
    if (!FEATURE_CONFIG_FIELDS.includes(key as keyof FeatureConfig)) {
      throw new FeatureConfigError(key, (partial as Record<string, unknown>)[key], 'unknown field');
    }
  }
  const c: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, channels: [...DEFAULT_CHANNELS] };
  for (const key of FEATURE_CONFIG_FIELDS) {
    const v = partial[key];
    if (v !== undefined)
      (c as unknown as Record<string, unknown>)[key] = Array.isArray(v) ? [...v] : v;
  }
  integerIn(c, 'sampleRateHz', 1, 1_000_000);
  integerIn(c, 'nFft', 2, 1 << 20);
  integerIn(c, 'windowSamples', 1, c.nFft);
  integerIn(c, 'hopSamples', 1, 1 << 24);
  integerIn(c, 'J', 0, 30);
  integerIn(c, 'Q', 1, 64);
  integerIn(c, 'segmentFrames', 1, 1 << 20);
  if (typeof c.topDb !== 'number' || !(c.topDb > 0) || !Number.isFinite(c.topDb)) {
    throw new FeatureConfigError('topDb', c.topDb, 'must be a positive number');
  }
  if (c.window !== 'hamming' && c.window !== 'hann') {
    throw new FeatureConfigError('window', c.window, "must be 'hamming' or 'hann'");
  }
  if (c.scale !== 'power-db' && c.scale !== 'log-magnitude') {
    throw new FeatureConfigError('scale', c.scale, "must be 'power-db' or 'log-magnitude'");
  }
  if (!RESAMPLE_QUALITIES.includes(c.resampleQuality)) {
    throw new FeatureConfigError(
      'resampleQuality',
      c.resampleQuality,
      `must be one of ${RESAMPLE_QUALITIES.join(', ')}`,
    );
  }
  if (
    !Array.isArray(c.channels) ||
    c.channels.length < 1 ||
    c.channels.length > 2 ||
    !c.channels.every((ch) => Number.isInteger(ch) && ch >= 1 && ch <= 65535)
  ) {
    throw new FeatureConfigError(
      'channels',
      c.channels,
      'must be one or two channel numbers from 1',
    );
  }
  return c;
}
