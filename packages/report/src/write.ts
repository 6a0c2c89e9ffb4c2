import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicSync, AscError } from '@asc/core';
import { tableToCsv, tableToJson } from './csv';
import { REPORT_FILES } from './files';
import { reportToHtml } from './html';
import { reportToMarkdown } from './markdown';
import { allFigures, allTables, type ReportModel } from './model';
import { renderVegaLiteSvgs, svgToPng } from './render';

/** The files a report consists of (absolute paths). */
export interface ReportFiles {
  html: string;
  markdown: string;
  /** Each figure's SVG and PNG. */
  figures: string[];
  /** Each table's CSV and JSON. */
  tables: string[];
  manifest: string;
}

/** A report file could not be written; names the file. */
export class ReportWriteError extends AscError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('report-write-failed', `${file}: ${message}`, { context: { file } });
  }
}

// An earlier report's file stays intact if writing fails.
function writeAtomic(file: string, data: string | Buffer): void {
  try {
    writeFileAtomicSync(file, data);
  } catch (err) {
    throw new ReportWriteError(file, (err as Error).message);
  }
}

/** Renders the report's figures and writes every output file into `outDir`. */
export async function writeReport(model: ReportModel, outDir: string): Promise<ReportFiles> {
  const dir = path.resolve(outDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ReportWriteError(
      dir,
      `cannot create the output directory: ${(err as Error).message}`,
    );
  }
  const at = (name: string): string => path.join(dir, name);
  const written: ReportFiles = {
    html: at(REPORT_FILES.html),
    markdown: at(REPORT_FILES.markdown),
    figures: [],
    tables: [],
    manifest: at(REPORT_FILES.manifest),
  };

  const figures = allFigures(model);
  const svgs = await renderVegaLiteSvgs(figures.map((f) => ({ id: f.id, spec: f.vegaLite })));
  for (const figure of figures) {
    const svg = svgs.get(figure.id) as string;
    const svgFile = at(REPORT_FILES.figureSvg(figure.id));
    const pngFile = at(REPORT_FILES.figurePng(figure.id));
    writeAtomic(svgFile, svg);
    writeAtomic(pngFile, svgToPng(figure.id, svg));
    writeAtomic(
      at(REPORT_FILES.figureSpec(figure.id)),
      JSON.stringify(figure.vegaLite, null, 2) + '\n',
    );
    written.figures.push(svgFile, pngFile);
  }
  for (const table of allTables(model)) {
    const csvFile = at(REPORT_FILES.tableCsv(table.id));
    const jsonFile = at(REPORT_FILES.tableJson(table.id));
    writeAtomic(csvFile, tableToCsv(table));
    writeAtomic(jsonFile, tableToJson(table));
    written.tables.push(csvFile, jsonFile);
  }
  writeAtomic(written.manifest, JSON.stringify(model.manifest, null, 2) + '\n');
  writeAtomic(at(REPORT_FILES.model), JSON.stringify(model, null, 2) + '\n');
  writeAtomic(written.markdown, reportToMarkdown(model));
  writeAtomic(written.html, reportToHtml(model, svgs));
  return written;
}
