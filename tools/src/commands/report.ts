import type { Argv } from 'yargs';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { reportStudy } from '../ops/report';

interface ReportArgs {
  study: string;
  out?: string;
  dataset?: string;
}

/** `asc report`: the reproducibility report of a study directory. */
export const reportCommand = defineCommand<ReportArgs>({
  command: 'report',
  describe: 'Write the report of a study: Tables 3 and 4, Figures 3 and 4, search facts, manifest',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('study', {
        type: 'string',
        demandOption: true,
        describe: 'Study directory (study.json, trials.sqlite, retrain/)',
      })
      .option('out', { type: 'string', describe: 'Output directory (default: STUDY/report)' })
      .option('dataset', {
        type: 'string',
        describe: "Dataset directory to fingerprint (default: study.json's dataset)",
      }) as Argv<ReportArgs & GlobalOptions>,
  run: (args, out) =>
    reportStudy({ studyDir: args.study, outDir: args.out, datasetDir: args.dataset }, out),
});
