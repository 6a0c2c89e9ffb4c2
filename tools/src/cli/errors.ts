import { AscError } from '@asc/core';

/** Exit codes of the asc command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user caused by how they called a command: exit code 2. */
export class UsageError extends AscError {
  constructor(message: string) {
    super('usage', message);
  }
}

/**
 * A command finished but the outcome is a failure (e.g. a dataset that is unusable):
 * exit code 1, with the command's JSON result still printed.
 */
export class CommandFailed extends AscError {
  constructor(
    message: string,
    readonly result?: unknown,
  ) {
    super('command-failed', message);
  }
}

/**
 * Codes of library errors that mean the command was called with options that cannot work
 * (libraries say what is wrong; deciding that it is a usage error is the CLI's business).
 */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'usage',
  'train-options-invalid',
  'split-options-invalid',
]);

/** Whether `err` ends the command with exit code 2. */
export function isUsageError(err: unknown): boolean {
  return err instanceof AscError && USAGE_CODES.has(err.code);
}
