import * as path from 'path';
import type { Argv } from 'yargs';
import { BACKEND_REQUESTS, evaluateRun, type BackendRequest, type ExportDtype } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { splitFlags, splitOptionsFromArgs, type SplitArgs } from '../cli/flags';

interface EvalArgs extends SplitArgs {
  run: string;
  dataset?: string;
  cache?: string;
  dtype: ExportDtype;
  backend: BackendRequest;
}

/** `asc eval`: re-evaluates a finished run's exported model on the evaluate split. */
export const evalCommand = defineCommand<EvalArgs>({
  command: 'eval',
  describe: "Re-evaluate a trained run's model on its dataset's evaluate split",
  builder: (y: Argv<GlobalOptions>) =>
    splitFlags(y)
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory (asc train)' })
      .option('dataset', { type: 'string', describe: "Dataset root (default: the run's)" })
      .option('cache', { type: 'string', describe: "Feature cache (default: the run's)" })
      .option('dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as ExportDtype,
        describe: 'Which export to evaluate',
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        default: 'auto' as BackendRequest,
        describe: 'tfjs backend',
      }) as unknown as Argv<EvalArgs>,
  run: async (args, out) => {
    const r = await evaluateRun({
      runDir: path.resolve(args.run),
      datasetDir: args.dataset && path.resolve(args.dataset),
      cacheDir: args.cache && path.resolve(args.cache),
      split: splitOptionsFromArgs(args),
      dtype: args.dtype,
      backend: args.backend,
    });
    const m = r.metrics;
    for (const warning of r.warnings) out.warn(`warning: ${warning}`);
    out.info(`${r.model} (${r.dtype}) on ${m.clips} clips / ${m.segments} segments:`);
    out.info(
      `  accuracy ${(100 * m.testAccuracy).toFixed(2)}%, segment accuracy ` +
        `${(100 * m.segmentAccuracy).toFixed(2)}%, log loss ${m.testLoss.toFixed(4)}`,
    );
    // Per class: its recall, then its row of the confusion matrix (true class x predicted).
    const width = Math.max(...m.classes.map((c) => c.length));
    const cell = Math.max(...m.confusion.flat().map((n) => String(n).length));
    m.classes.forEach((c, k) => {
      const acc = m.perClass[k];
      out.info(
        `  ${c.padEnd(width)}  ${acc === null ? '    n/a' : `${(100 * acc).toFixed(2).padStart(6)}%`}  ` +
          m.confusion[k].map((n) => String(n).padStart(cell)).join(' '),
      );
    });
    return {
      model: r.model,
      dtype: r.dtype,
      backend: r.backend.name,
      warnings: r.warnings,
      ...m,
    };
  },
});
