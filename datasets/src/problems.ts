import type { DatasetProblem } from './errors';

/**
 * Collects problems, keeping the first few of each code and counting the rest, so a
 * dataset where every one of 14,400 rows is wrong yields a readable report, not 14,400 lines.
 */
export class ProblemLog {
  private readonly kept: DatasetProblem[] = [];
  private readonly perCode = new Map<
    string,
    { count: number; severity: DatasetProblem['severity'] }
  >();

  constructor(private readonly keepPerCode = 10) {}

  add(problem: DatasetProblem): void {
    const seen = this.perCode.get(problem.code) ?? { count: 0, severity: problem.severity };
    seen.count += 1;
    if (problem.severity === 'error') seen.severity = 'error';
    this.perCode.set(problem.code, seen);
    if (seen.count <= this.keepPerCode) this.kept.push(problem);
  }

  /** The kept problems, plus one line per code that had more than were kept. */
  list(): DatasetProblem[] {
    const summaries: DatasetProblem[] = [];
    for (const [code, { count, severity }] of this.perCode) {
      if (count > this.keepPerCode) {
        summaries.push({
          severity,
          code,
          message: `${count - this.keepPerCode} more '${code}' problems not listed (${count} in all)`,
        });
      }
    }
    return [...this.kept, ...summaries];
  }
}

/** How many example names a problem message lists. */
const EXAMPLES = 5;

/** The first few of `names`, comma-separated, with '...' when there are more. */
export function examples(names: Iterable<string>): string {
  const list = [...names];
  const shown = list.slice(0, EXAMPLES).join(', ');
  return list.length > EXAMPLES ? `${shown}, ...` : shown;
}
