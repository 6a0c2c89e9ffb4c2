/**
 * Where a command's words go. Human text goes to stdout, or to stderr under --json so
 * that stdout then holds exactly one JSON object: the command's result, as its last line.
 */
export interface Output {
  readonly json: boolean;
  /** A line for people. */
  info(line: string): void;
  /** A warning for people (always stderr). */
  warn(line: string): void;
  /** The command's machine-readable result; printed as the last line under --json. */
  result(value: unknown): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    info(line) {
      (json ? process.stderr : process.stdout).write(line + '\n');
    },
    warn(line) {
      process.stderr.write(line + '\n');
    },
    result(value) {
      if (json) process.stdout.write(JSON.stringify(value) + '\n');
    },
  };
}
