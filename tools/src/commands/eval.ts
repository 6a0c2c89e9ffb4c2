import * as path from 'path';
import type { Argv } from 'yargs';
import { BACKEND_REQUESTS, evaluateRun, type BackendRequest, type ExportDtype } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';

interface EvalArgs {
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
    y
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
      dtype: args.dtype,
      backend: args.backend,
    });
    const m = r.metrics;
    out.info(`${r.model} (${r.dtype}) on ${m.clips} clips / ${m.segments} segments:`);
    out.info(
      `  accuracy ${(100 * m.testAccuracy).toFixed(2)}%, segment accuracy ` +
        `${(100 * m.segmentAccuracy).toFixed(2)}%, log loss ${m.testLoss.toFixed(4)}`,
    );
    m.classes.forEach((c, k) => {
      const acc = m.perClass[k];
      out.info(
        `  ${c.padEnd(15)} ${acc === null ? '   n/a' : (100 * acc).toFixed(2) + '%'}  ${m.confusion[k].join(' ')}`,
      );
    });
    return { model: r.model, dtype: r.dtype, backend: r.backend.name, ...m };
  },
});
