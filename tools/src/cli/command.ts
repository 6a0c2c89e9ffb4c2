import type { Argv, CommandModule } from 'yargs';
import { describeError } from '@asc/core';
import { CommandFailed, ExitCode, isUsageError } from './errors';
import { createOutput, type Output } from './output';

/** Options every command has. */
export interface GlobalOptions {
  json: boolean;
}

/** What a command module provides: yargs' description plus a typed async body. */
export interface AscCommand<A> {
  command: string | string[];
  describe: string;
  builder?: (y: Argv<GlobalOptions>) => Argv<A>;
  /** Runs the command; resolves to its result (printed under --json). */
  run(args: A & GlobalOptions, out: Output): Promise<unknown>;
}

/** Where a finished command leaves its exit code for main() to return. */
export const exitState = { code: ExitCode.ok as number };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Adapts an AscCommand to yargs, mapping its outcome to the exit code and JSON line. */
export function defineCommand<A>(spec: AscCommand<A>): CommandModule<GlobalOptions, A> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (spec.builder ?? ((y: Argv<GlobalOptions>) => y)) as CommandModule<
      GlobalOptions,
      A
    >['builder'],
    handler: async (argv) => {
      const args = argv as unknown as A & GlobalOptions;
      const out = createOutput(Boolean(args.json));
      try {
        const result = await spec.run(args, out);
        out.result(result ?? {});
        exitState.code = ExitCode.ok;
      } catch (err) {
        const { code, context } = describeError(err);
        if (isUsageError(err)) {
          out.warn(`asc: ${errorMessage(err)}`);
          out.result({ error: errorMessage(err), code, context, exitCode: ExitCode.usage });
          exitState.code = ExitCode.usage;
          return;
        }
        out.warn(`asc: error: ${errorMessage(err)}`);
        if (process.env.ASC_DEBUG && err instanceof Error && err.stack) out.warn(err.stack);
        const result = err instanceof CommandFailed ? err.result : undefined;
        out.result({
          ...(result as object | undefined),
          error: errorMessage(err),
          code,
          context,
          exitCode: ExitCode.failure,
        });
        exitState.code = ExitCode.failure;
      }
    },
  };
}
