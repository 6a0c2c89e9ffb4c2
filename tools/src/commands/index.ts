import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../cli/command';
import { audioCommand } from './audio';
import { benchCommand } from './bench';
import { datasetCommand } from './dataset';
import { demoCommand } from './demo';
import { featuresCommand } from './features';
import { infoCommand } from './info';
import { runCommand } from './run';
import { reportCommand } from './report';
import { studyCommand } from './study';
import { trainCommand } from './train';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { predictCommand } from './predict';
import { zooCommand } from './zoo';
import { searchCommand } from './search';
import { trialsCommand } from './trials';

// Every top-level command of asc, one module each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalOptions, any>[] = [
  infoCommand,
  benchCommand,
  reportCommand,
  studyCommand,
  datasetCommand,
  audioCommand,
  runCommand,
  featuresCommand,
  trainCommand,
  evalCommand,
  exportCommand,
  predictCommand,
  zooCommand,
  searchCommand,
  trialsCommand,
  demoCommand,
];
