import yargs from 'yargs';
import { exitState, type GlobalOptions } from './cli/command';
import { ExitCode } from './cli/errors';
import { commands } from './commands';

const { version } = require('../package.json') as { version: string };

/** Runs the asc command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  exitState.code = ExitCode.ok;
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('asc')
    .usage('$0 <command> [options]\n\nFind, train and ship tiny acoustic scene classifiers.')
    .option('json', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'Print one JSON object (the result) as the last line of output',
    })
    .version(version)
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command (asc --help lists them).')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      usageError = msg;
      // Throwing stops yargs here; otherwise it still runs the command's handler.
      throw new Error(msg);
    });
  for (const command of commands) parser.command(command as never);
  try {
    await parser.parseAsync();
  } catch (err) {
    usageError = usageError ?? (err instanceof Error ? err.message : String(err));
  }
  if (usageError !== undefined) {
    const json = argv.includes('--json');
    process.stderr.write(`asc: ${usageError}\n${json ? '' : 'Run "asc --help" for usage.\n'}`);
    if (json)
      process.stdout.write(
        JSON.stringify({ error: usageError, code: 'usage', context: {}, exitCode: 2 }) + '\n',
      );
    return ExitCode.usage;
  }
  return exitState.code;
}

export type { GlobalOptions };
