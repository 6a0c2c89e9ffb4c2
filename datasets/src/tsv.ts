import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from './errors';

/** One data row of a tab-separated file, with the line it came from. */
export interface TsvRow {
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
}

export interface TsvTable {
  /** Path relative to the dataset root, as problems name it. */
  file: string;
  header: string[];
  rows: TsvRow[];
}

/**
 * Reads a DCASE-style CSV: tab-separated, one header row. Tolerates CRLF line ends, a
 * UTF-8 byte-order mark, trailing whitespace and blank lines, because hand-edited and
 * Windows-unpacked copies of the set have them.
 */
export function readTsv(root: string, relativeFile: string): TsvTable {
  const absolute = path.join(root, relativeFile);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(root, [
      {
        severity: 'error',
        code: 'missing-csv',
        message: code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`,
        file: relativeFile,
      },
    ]);
  }
  return parseTsv(root, relativeFile, text);
}

export function parseTsv(root: string, relativeFile: string, text: string): TsvTable {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let header: string[] | undefined;
  const rows: TsvRow[] = [];
  lines.forEach((raw, index) => {
    const content = raw.replace(/\s+$/, '');
    if (content === '') return;
    const fields = content.split('\t').map((f) => f.trim());
    if (header === undefined) header = fields;
    else rows.push({ line: index + 1, fields });
  });
  if (header === undefined) {
    throw new DatasetError(root, [
      { severity: 'error', code: 'empty-csv', message: 'file is empty', file: relativeFile },
    ]);
  }
  return { file: relativeFile, header, rows };
}

/** Column indexes of `required` (and of `optional` when present) in a table's header. */
export function columnsOf<R extends string, O extends string>(
  root: string,
  table: TsvTable,
  required: readonly R[],
  optional: readonly O[] = [],
): Record<R, number> & Partial<Record<O, number>> {
  const columns: Record<string, number> = {};
  const missing = required.filter((name) => !table.header.includes(name));
  if (missing.length > 0) {
    throw new DatasetError(root, [
      {
        severity: 'error',
        code: 'bad-header',
        message:
          `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
          `(found: ${table.header.join(', ')}; the file must be tab-separated)`,
        file: table.file,
        line: 1,
      },
    ]);
  }
  for (const name of [...required, ...optional]) {
    const index = table.header.indexOf(name);
    if (index >= 0) columns[name] = index;
  }
  return columns as Record<R, number> & Partial<Record<O, number>>;
}
