import * as os from 'os';
import * as path from 'path';
import type { Argv } from 'yargs';
import { addonAvailable, loadAddon } from '@asc/native';
import { generateReport, packageVersion, StudyLoadError } from '@asc/report';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import type { Output } from '../cli/output';

export interface ReportArgs {
  study: string;
  out?: string;
  dataset?: string;
}

/** The machine and runtime writing the report, for the manifest. */
function environment(): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    nativeAddon: addonAvailable() ? loadAddon().buildInfo() : 'not built',
  };
}

/** What `asc report --json` prints. */
export interface ReportResult {
  html: string;
  markdown: string;
  figures: string[];
  tables: string[];
}

/** Writes the report of a study directory; prints where it is and what is missing. */
export async function reportStudy(args: ReportArgs, out: Output): Promise<ReportResult> {
  let report;
  try {
    report = await generateReport({
      studyDir: args.study,
      outDir: args.out,
      datasetDir: args.dataset,
      environment: environment(),
      packages: Object.fromEntries(
        ['@asc/cli', '@asc/trainer', '@asc/native', '@asc/datasets', '@tensorflow/tfjs'].map(
          (n) => [n, packageVersion(n)],
        ),
      ),
    });
  } catch (err) {
    if (err instanceof StudyLoadError) throw new UsageError(err.message);
    throw err;
  }
  for (const line of report.model.missing) out.warn(`asc report: missing: ${line}`);
  out.info(`report: ${report.files.html}`);
  out.info(`markdown: ${report.files.markdown}`);
  out.info(
    `${report.files.figures.length} figure files and ${report.files.tables.length} table files in ` +
      path.relative(process.cwd(), report.outDir || '.'),
  );
  return {
    html: report.files.html,
    markdown: report.files.markdown,
    figures: report.files.figures,
    tables: report.files.tables,
  };
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
  run: (args, out) => reportStudy(args, out),
});
