/** Exit codes of the asc command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user caused by how they called a command: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A command finished but the outcome is a failure (e.g. a dataset that is unusable):
 * exit code 1, with the command's JSON result still printed.
 */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly result?: unknown,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}
