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
