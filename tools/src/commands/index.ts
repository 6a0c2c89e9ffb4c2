import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../cli/command';
import { benchCommand } from './bench';
import { infoCommand } from './info';

// Every top-level command of asc, one module each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalOptions, any>[] = [infoCommand, benchCommand];
