import * as path from 'path';
import type { Argv } from 'yargs';
import {
  BACKEND_REQUESTS,
  evaluateRun,
  readRunRecord,
  runDataDirs,
  type BackendRequest,
  type ExportDtype,
  type FinalMetrics,
} from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { checkPositiveIntegers } from '../cli/flags';
import type { Output } from '../cli/output';
import { evaluateOnnxFile } from '../ops/eval-onnx';

interface EvalArgs {
  run?: string;
  'model-file'?: string[];
  dataset?: string;
  cache?: string;
  dtype: ExportDtype;
  backend: BackendRequest;
  'batch-size': number;
  threads?: number;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function printMetrics(out: Output, m: FinalMetrics): void {
  out.info(
    `  accuracy ${percent(m.testAccuracy)}, segment accuracy ${percent(m.segmentAccuracy)}, log loss ${m.testLoss.toFixed(4)}`,
  );
  m.classes.forEach((c, k) => {
    const acc = m.perClass[k];
    out.info(
      `  ${c.padEnd(15)} ${acc === null ? '   n/a' : percent(acc)}  ${m.confusion[k].join(' ')}`,
    );
  });
}

/** `asc eval`: a run's tfjs model, or exported ONNX files side by side, on the evaluate split. */
export const evalCommand = defineCommand<EvalArgs>({
  command: 'eval',
  describe:
    "Evaluate a trained run's model, or exported ONNX files (--model-file, side by side), on the evaluate split",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('run', { type: 'string', describe: 'Run directory (asc train)' })
      .option('model-file', {
        type: 'string',
        array: true,
        describe: 'ONNX file(s) from asc export, run through onnxruntime (repeat to compare)',
      })
      .option('dataset', { type: 'string', describe: "Dataset root (default: the run's)" })
      .option('cache', { type: 'string', describe: "Feature cache (default: the run's)" })
      .option('dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as ExportDtype,
        describe: "Which of the run's tfjs exports to evaluate",
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        default: 'auto' as BackendRequest,
        describe: 'tfjs backend',
      })
      .option('batch-size', { type: 'number', default: 64, describe: 'ONNX: segments per run' })
      .option('threads', {
        type: 'number',
        describe: 'ONNX: onnxruntime threads (default: all cores)',
      }) as unknown as Argv<EvalArgs>,
  run: async (args, out) => {
    const files = args['model-file'];
    if (!files?.length) {
      if (!args.run) throw new UsageError('name a run (--run) or ONNX files (--model-file)');
      return evaluateTfjsRun(args, out);
    }
    checkPositiveIntegers({ '--batch-size': args['batch-size'], '--threads': args.threads });
    let dirs: { datasetDir: string; cacheDir: string };
    if (args.dataset && args.cache) {
      dirs = { datasetDir: path.resolve(args.dataset), cacheDir: path.resolve(args.cache) };
    } else if (args.run) {
      const runDir = path.resolve(args.run);
      dirs = runDataDirs(runDir, readRunRecord(runDir), {
        datasetDir: args.dataset && path.resolve(args.dataset),
        cacheDir: args.cache && path.resolve(args.cache),
      });
    } else {
      throw new UsageError('--model-file needs --dataset and --cache, or a --run naming them');
    }
    const models = [];
    for (const file of files) {
      const r = await evaluateOnnxFile(path.resolve(file), {
        ...dirs,
        batchSize: args['batch-size'],
        threads: args.threads,
      });
      out.info(
        `${r.file} (${r.model ?? '?'}, ${r.dtype ?? '?'}, ${r.fileBytes.toLocaleString('en-US')} bytes) on ${r.clips} clips / ${r.segments} segments:`,
      );
      printMetrics(out, r);
      models.push(r);
    }
    if (models.length > 1) {
      out.info('side by side:');
      for (const m of models) {
        out.info(
          `  ${(m.dtype ?? '?').padEnd(8)} ${percent(m.testAccuracy).padStart(7)}  log loss ${m.testLoss.toFixed(4)}  ` +
            `${(m.fileBytes / 1024).toFixed(1).padStart(8)} KB  ${path.basename(m.file)}`,
        );
      }
    }
    return { ...dirs, models };
  },
});

async function evaluateTfjsRun(args: EvalArgs & GlobalOptions, out: Output) {
  const r = await evaluateRun({
    runDir: path.resolve(args.run!),
    datasetDir: args.dataset && path.resolve(args.dataset),
    cacheDir: args.cache && path.resolve(args.cache),
    dtype: args.dtype,
    backend: args.backend,
  });
  const m = r.metrics;
  out.info(`${r.model} (${r.dtype}) on ${m.clips} clips / ${m.segments} segments:`);
  printMetrics(out, m);
  return { model: r.model, dtype: r.dtype, backend: r.backend.name, ...m };
}
