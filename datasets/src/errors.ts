import { AscError } from '@asc/core';

/** One thing wrong (or suspicious) in a dataset, as a value a command can print or return. */
export interface DatasetProblem {
  /** 'error': the dataset cannot be used as it is; 'warning': usable, but look at it. */
  severity: 'error' | 'warning';
  /** Stable machine-readable kind, e.g. 'unknown-label', 'missing-audio'. */
  code: string;
  message: string;
  /** The file the problem is in, relative to the dataset root (or absolute when outside it). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
}

function where(file?: string, line?: number): string {
  if (file === undefined) return '';
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/** Formats a problem as one line: `file:line: message`. */
export function formatProblem(problem: DatasetProblem): string {
  return `${where(problem.file, problem.line)}${problem.message}`;
}

/** The dataset cannot be used: a CSV is missing or malformed, labels are wrong, audio is missing. */
export class DatasetError extends AscError {
  readonly file?: string;
  readonly line?: number;
  constructor(
    readonly root: string,
    readonly problems: DatasetProblem[],
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    const first = errors[0] ?? problems[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : '';
    super(
      'dataset-invalid',
      `dataset ${root}: ${first ? formatProblem(first) : 'unusable'}${more}`,
      { context: { root, file: first?.file, line: first?.line, problem: first?.code } },
    );
    this.file = first?.file;
    this.line = first?.line;
  }
}

/** Options of the synthetic generator that are out of range or contradict what is on disk. */
export class SynthError extends AscError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super('synth-options-invalid', message, { context: { field } });
  }
}
