/** File names inside a report's output directory (one convention for writer and pages). */
export const REPORT_FILES = {
  html: 'index.html',
  markdown: 'report.md',
  model: 'report.json',
  manifest: 'manifest.json',
  figureSvg: (id: string): string => `${id}.svg`,
  figurePng: (id: string): string => `${id}.png`,
  figureSpec: (id: string): string => `${id}.vl.json`,
  tableCsv: (id: string): string => `${id}.csv`,
  tableJson: (id: string): string => `${id}.json`,
} as const;
