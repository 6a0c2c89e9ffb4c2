import type { Output } from '../cli/output';

/** What a step reports: whether it found its result already complete, and its details. */
export interface StepOutcome<R> {
  /** True when the step found its result complete and did no work. */
  skipped: boolean;
  result: R;
}

/** One named stage of `asc run`. */
export interface PipelineStep<C, R> {
  name: string;
  title: string;
  /**
   * Does the step's work, or finds it complete and says so. Every step resumes what an
   * interrupted earlier run left (datasets, caches, stores and runs are all resumable).
   */
  run(context: C): Promise<StepOutcome<R>>;
}

/** What `asc run --json` lists per step. */
export interface StepSummary {
  name: string;
  skipped: boolean;
  seconds: number;
}

/**
 * Runs the steps in order, printing `[i/n] title` before each and its time after; a step
 * that throws stops the pipeline (later steps depend on it).
 */
export async function runPipeline<C>(
  steps: readonly PipelineStep<C, unknown>[],
  context: C,
  out: Output,
): Promise<{ summaries: StepSummary[]; results: Record<string, unknown> }> {
  const summaries: StepSummary[] = [];
  const results: Record<string, unknown> = {};
  for (const [index, step] of steps.entries()) {
    out.info(`[${index + 1}/${steps.length}] ${step.title}`);
    const started = performance.now();
    const outcome = await step.run(context);
    const seconds = (performance.now() - started) / 1000;
    out.info(
      `[${index + 1}/${steps.length}] ${step.title}: ` +
        (outcome.skipped ? 'already complete, skipped' : 'done') +
        ` (${seconds.toFixed(1)} s)`,
    );
    summaries.push({ name: step.name, skipped: outcome.skipped, seconds });
    results[step.name] = outcome.result;
  }
  return { summaries, results };
}
