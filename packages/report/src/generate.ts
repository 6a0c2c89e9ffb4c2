import * as path from 'path';
import { analyseTrials, StudyDir } from '@asc/zoo';
import { buildReport } from './build';
import { gitRevision } from './fingerprint';
import type { ReportModel } from './model';
import { loadStudy } from './studyData';
import { reportToolVersions } from './versions';
import { writeReport, type ReportFiles } from './write';

export interface GenerateReportOptions {
  studyDir: string;
  /** Default: `<study>/report`. */
  outDir?: string;
  /** The dataset to fingerprint, when study.json does not name it. */
  datasetDir?: string;
  /** Runtime facts for the manifest (addon build, machine); the CLI supplies them. */
  environment?: Record<string, unknown>;
  /** Versions of further packages (the CLI adds its own and the trainer's). */
  packages?: Record<string, string | null>;
  /** Timestamp of the report (default: now). */
  now?: Date;
}

export interface GeneratedReport {
  outDir: string;
  files: ReportFiles;
  model: ReportModel;
}

/** Reads a study directory and writes its report (HTML, Markdown, figures, tables). */
export async function generateReport(options: GenerateReportOptions): Promise<GeneratedReport> {
  const snapshot = await loadStudy(options.studyDir, { datasetDir: options.datasetDir });
  const model = buildReport(snapshot, analyseTrials(snapshot.trials), {
    generatedAt: options.now ?? new Date(),
    git: gitRevision(__dirname),
    packages: { ...reportToolVersions(), ...options.packages },
    environment: options.environment ?? {},
  });
  const outDir = path.resolve(options.outDir ?? new StudyDir(snapshot.dir).reportDir);
  return { outDir, files: await writeReport(model, outDir), model };
}
