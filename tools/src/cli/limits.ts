import type { Argv } from 'yargs';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '@asc/native';
import { DEFAULT_SIZE_WINDOW, audioTiming, validateSizeWindow, type SizeWindow } from '@asc/zoo';
import { UsageError } from './errors';
import { checkPositiveIntegers } from './flags';

/** The flags of the sampler's window (`asc search`, `asc zoo sample`). */
export interface LimitArgs {
  'min-kb'?: number;
  'max-kb'?: number;
  'param-bytes'?: number;
  'max-params'?: number;
  'max-mmacs'?: number;
}

/** Adds the paper's size window and the DCASE 2022-2025 style limits to a command's flags. */
export function limitOptions<T>(y: Argv<T>, defaults = "the study's, else "): Argv<T & LimitArgs> {
  return y
    .option('min-kb', {
      type: 'number',
      describe: `Lower size bound in KB, strict (default: ${defaults}${DEFAULT_SIZE_WINDOW.minKiB})`,
    })
    .option('max-kb', {
      type: 'number',
      describe: `Upper size bound in KB, strict (default: ${defaults}${DEFAULT_SIZE_WINDOW.maxKiB})`,
    })
    .option('param-bytes', {
      type: 'number',
      choices: [1, 2, 4],
      describe: 'Bytes per parameter the KB bounds count (4 float32, the paper; 2 float16; 1 int8)',
    })
    .option('max-params', {
      type: 'number',
      describe: 'At most this many parameters (all of them, as DCASE 2022-2025 count)',
    })
    .option('max-mmacs', {
      type: 'number',
      describe: 'At most this many million MACs per second of audio (torchinfo rule, as NeSsi)',
    }) as Argv<T & LimitArgs>;
}

/** The window fields the flags ask for (the rest comes from the study, or the defaults). */
export function windowRequest(args: LimitArgs): Partial<SizeWindow> {
  checkPositiveIntegers({ '--max-params': args['max-params'] });
  const mmacs = args['max-mmacs'];
  if (mmacs !== undefined && !(mmacs > 0)) {
    throw new UsageError(`--max-mmacs must be a positive number, got ${mmacs}`);
  }
  const w: Partial<SizeWindow> = {};
  if (args['min-kb'] !== undefined) w.minKiB = args['min-kb'];
  if (args['max-kb'] !== undefined) w.maxKiB = args['max-kb'];
  if (args['param-bytes'] !== undefined) w.bytesPerParam = args['param-bytes'] as 1 | 2 | 4;
  if (args['max-params'] !== undefined) w.maxParams = args['max-params'];
  if (mmacs !== undefined) w.maxMacsPerSecond = mmacs * 1e6;
  return w;
}

/**
 * A complete, checked window: missing bounds from the paper's window, and a MAC limit's
 * segment duration from the feature configuration (1.28 s by default).
 */
export function completeWindow(
  w: Partial<SizeWindow>,
  features: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): SizeWindow {
  const window: SizeWindow = { ...DEFAULT_SIZE_WINDOW, ...w };
  if (window.maxMacsPerSecond !== undefined && window.segmentSeconds === undefined) {
    window.segmentSeconds = audioTiming(features).segmentSeconds;
  }
  try {
    return validateSizeWindow(window);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
