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

/** File names inside a study directory (the layout asc search, asc run and asc report share). */
export const STUDY_FILES = {
  config: 'study.json',
  store: 'trials.sqlite',
  retrain: 'retrain',
  runRecord: 'run.json',
} as const;
