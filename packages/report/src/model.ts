/**
 * The report as plain typed data: tables, figure data and facts. Renderers (Markdown,
 * HTML, CSV, JSON, charts) only format this value; every number in it was computed from
 * the study's own records by `buildReport`.
 */

/** How a column's numbers are shown (the stored value is never rounded). */
export type CellFormat =
  | { kind: 'text' }
  | { kind: 'integer' }
  | { kind: 'fixed'; decimals: number }
  /** A fraction in [0, 1] shown as a percentage. */
  | { kind: 'percent'; decimals: number };

export type Cell = string | number | null;

export interface Column {
  /** Key of the value in each row (also the CSV header and the JSON field). */
  key: string;
  /** Header shown to people. */
  label: string;
  format: CellFormat;
}

export interface Table {
  /** File stem of the table's CSV and JSON ('table4', 'growth-ratio-means', ...). */
  id: string;
  title: string;
  caption: string;
  columns: Column[];
  rows: Record<string, Cell>[];
  /** Remarks shown under the table (e.g. what is missing and why). */
  notes: string[];
}

/** A figure: its Vega-Lite spec (data inline) and the table of numbers it plots. */
export interface Figure {
  /** File stem of the figure's SVG and PNG. */
  id: string;
  title: string;
  caption: string;
  /** Vega-Lite specification with its data inline (a JSON value). */
  vegaLite: Record<string, unknown>;
  /** The plotted values; the figure is drawn from exactly these rows. */
  data: Table;
  notes: string[];
}

/** One line of the search's facts: a label and a value with its unit in the label. */
export interface Fact {
  label: string;
  value: string;
}

export interface Section {
  title: string;
  /** Paragraph-level remarks before the section's content. */
  notes: string[];
  facts: Fact[];
  tables: Table[];
  figures: Figure[];
  /** Lay the section's tables out side by side (the two halves of Table 3). */
  sideBySide?: boolean;
}

export interface ReportModel {
  title: string;
  studyDir: string;
  generatedAt: string;
  /** What the study lacks for a complete report, in plain words (empty when complete). */
  missing: string[];
  sections: Section[];
  /** The manifest as a JSON value (also written as manifest.json). */
  manifest: Record<string, unknown>;
}

/** Every table of the report, figure data included, in reading order. */
export function allTables(model: ReportModel): Table[] {
  return model.sections.flatMap((s) => [...s.tables, ...s.figures.map((f) => f.data)]);
}

/** Every figure of the report, in reading order. */
export function allFigures(model: ReportModel): Figure[] {
  return model.sections.flatMap((s) => s.figures);
}

/** Formats one cell for people ('' for a missing value). */
export function formatCell(value: Cell, format: CellFormat): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (format.kind) {
    case 'text':
      return String(value);
    case 'integer':
      return Math.round(value).toLocaleString('en-US');
    case 'fixed':
      return value.toFixed(format.decimals);
    case 'percent':
      return `${(value * 100).toFixed(format.decimals)}%`;
  }
}
