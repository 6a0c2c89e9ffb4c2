/** What an error is about, for programs: the file, the field, the values involved. */
export type ErrorContext = Readonly<Record<string, unknown>>;

export interface AscErrorOptions {
  /** Facts about the failure (file, field, values, ...); `undefined` entries are dropped. */
  context?: Record<string, unknown>;
  /** The lower-level error this one explains. */
  cause?: unknown;
}

/**
 * The root of every typed error in asc. `message` is for people; `code` (stable,
 * kebab-case, e.g. 'run-record-invalid') and `context` are for programs: the CLI prints
 * both under --json, so a script can branch on the code instead of parsing the text.
 * `name` is the subclass's name unless the subclass sets another.
 */
export class AscError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: AscErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze(
      Object.fromEntries(Object.entries(options.context ?? {}).filter(([, v]) => v !== undefined)),
    );
  }

  /** The machine-readable form: what `--json` prints for a failed command. */
  toJSON(): { name: string; code: string; message: string; context: ErrorContext } {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/**
 * The code and context of any thrown value: an AscError's own; a Node system error's
 * `code` (ENOENT, EACCES, ...) with its path; 'unexpected' for anything else.
 */
export function describeError(err: unknown): { code: string; context: ErrorContext } {
  if (err instanceof AscError) return { code: err.code, context: err.context };
  const system = err as { code?: unknown; path?: unknown; syscall?: unknown } | null;
  if (system !== null && typeof system === 'object' && typeof system.code === 'string') {
    const context: Record<string, unknown> = {};
    if (typeof system.path === 'string') context.file = system.path;
    if (typeof system.syscall === 'string') context.syscall = system.syscall;
    return { code: system.code, context };
  }
  return { code: 'unexpected', context: {} };
}
