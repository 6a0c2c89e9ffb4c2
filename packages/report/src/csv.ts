import { type Table } from './model';

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A table as CSV: a header of column keys, then one line per row with the stored values
 * (unrounded; fractions stay fractions), CRLF line ends as RFC 4180 says.
 */
export function tableToCsv(table: Table): string {
  const lines = [table.columns.map((c) => csvField(c.key)).join(',')];
  for (const row of table.rows) {
    lines.push(table.columns.map((c) => csvField(row[c.key] ?? null)).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** A table as JSON: its title, column descriptions and rows keyed by column key. */
export function tableToJson(table: Table): string {
  return (
    JSON.stringify(
      {
        id: table.id,
        title: table.title,
        caption: table.caption,
        columns: table.columns,
        rows: table.rows,
        notes: table.notes,
      },
      null,
      2,
    ) + '\n'
  );
}
