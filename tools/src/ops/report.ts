// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: writing a study's report.
import * as os from 'os';
import * as path from 'path';
import { addonAvailable, loadAddon } from '@asc/native';
import { generateReport, packageVersion, StudyLoadError } from '@asc/report';
import { StudyDirError } from '@asc/zoo';
import { UsageError } from '../cli/errors';
import type { Output } from '../cli/output';

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

export interface ReportOptions {
  studyDir: string;
  /** Default: the study directory's report folder. */
  outDir?: string;
  /** The dataset to fingerprint (default: study.json's). */
  datasetDir?: string;
}

/** Writes the report of a study directory; prints where it is and what is missing. */
export async function reportStudy(options: ReportOptions, out: Output): Promise<ReportResult> {
  let report;
  try {
    report = await generateReport({
      ...options,
      environment: environment(),
      packages: Object.fromEntries(
        ['@asc/cli', '@asc/trainer', '@asc/native', '@asc/datasets', '@tensorflow/tfjs'].map(
          (n) => [n, packageVersion(n)],
        ),
      ),
    });
  } catch (err) {
    if (err instanceof StudyLoadError || err instanceof StudyDirError) {
      throw new UsageError(err.message);
    }
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
