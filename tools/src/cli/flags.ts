import type { Argv } from 'yargs';
import {
  DEFAULT_SPLIT,
  resolveSplitOptions,
  SplitOptionsError,
  type SplitOptions,
} from '@asc/datasets';
import { WEIGHT_INITS, type WeightInit } from '@asc/zoo';
import { UsageError } from './errors';

/**
 * Throws a UsageError (exit code 2) naming the first flag whose value is not a whole
 * number >= 1; an optional flag that was not given (undefined) passes.
 */
export function checkPositiveIntegers(flags: Record<string, number | undefined>): void {
  for (const [flag, value] of Object.entries(flags)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new UsageError(`${flag} must be a positive integer, got ${value}`);
    }
  }
}

/** The flags of the folder layout's seeded split, which every command taking --dataset has. */
export interface SplitArgs {
  'split-seed'?: number;
  'evaluate-fraction'?: number;
}

/** Adds --split-seed and --evaluate-fraction to a command. */
export function splitFlags<T>(y: Argv<T>): Argv<T & SplitArgs> {
  return y
    .option('split-seed', {
      type: 'number',
      describe:
        `Folder layout (audio/<label>/): seed of the train/evaluate split ` +
        `(default: the run's or study's, else ${DEFAULT_SPLIT.seed})`,
    })
    .option('evaluate-fraction', {
      type: 'number',
      describe:
        `Folder layout: share of each class held out for evaluation, in (0, 1) ` +
        `(default: the run's or study's, else ${DEFAULT_SPLIT.evaluateFraction})`,
    }) as Argv<T & SplitArgs>;
}

/** The --init flag: the models' initial weights (WeightInit in @asc/zoo). */
export interface InitArgs {
  init?: WeightInit;
}

/**
 * Adds --init to a command; `whose` says whose weights it sets and `defaultText` what
 * applies without it (the flag has no yargs default, so a recorded choice can win).
 */
export function initFlag<T>(y: Argv<T>, whose: string, defaultText: string): Argv<T & InitArgs> {
  return y.option('init', {
    type: 'string',
    choices: WEIGHT_INITS as string[],
    describe:
      `Initial weights of ${whose}: pytorch (PyTorch's defaults, a padding=1 stem) or ` +
      `glorot (the earlier Keras-style models, a 'same' stem); default: ${defaultText}`,
  }) as Argv<T & InitArgs>;
}

/**
 * The split the flags ask for (undefined when neither was given, so that a recorded one
 * or the default applies); a value out of range is a UsageError.
 */
export function splitOptionsFromArgs(args: SplitArgs): Partial<SplitOptions> | undefined {
  const seed = args['split-seed'];
  const evaluateFraction = args['evaluate-fraction'];
  if (seed === undefined && evaluateFraction === undefined) return undefined;
  try {
    resolveSplitOptions({ seed, evaluateFraction });
  } catch (err) {
    if (!(err instanceof SplitOptionsError)) throw err;
    const flag = err.field === 'seed' ? '--split-seed' : '--evaluate-fraction';
    throw new UsageError(`${flag}: ${err.message}`);
  }
  return {
    ...(seed !== undefined ? { seed } : {}),
    ...(evaluateFraction !== undefined ? { evaluateFraction } : {}),
  };
}

/**
 * A number of epochs as a flag gives it: a decimal ("0.5") or a fraction ("1/3", exact
 * where 0.333 is not). Throws a UsageError naming the flag otherwise.
 */
export function parseEpochs(flag: string, text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?)\s*)?$/.exec(String(text));
  const value = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(
      `${flag} must be a positive number of epochs (e.g. 0.5 or 1/3), got ${text}`,
    );
  }
  return value;
}
