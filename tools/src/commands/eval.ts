import * as path from 'path';
import type { Argv } from 'yargs';
import {
  BACKEND_REQUESTS,
  evaluateRun,
  readRunRecord,
  runDataOptions,
  type BackendRequest,
  type EvaluateSplitOptions,
  type ExportDtype,
  type FinalMetrics,
} from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import {
  checkPositiveIntegers,
  splitFlags,
  splitOptionsFromArgs,
  type SplitArgs,
} from '../cli/flags';
import type { Output } from '../cli/output';
import { evaluateOnnxFile } from '../ops/eval-onnx';

interface EvalArgs extends SplitArgs {
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
  // Per class: its recall, then its row of the confusion matrix (true class x predicted).
  const width = Math.max(...m.classes.map((c) => c.length));
  const cell = Math.max(...m.confusion.flat().map((n) => String(n).length));
  m.classes.forEach((c, k) => {
    const acc = m.perClass[k];
    out.info(
      `  ${c.padEnd(width)}  ${acc === null ? '    n/a' : percent(acc).padStart(7)}  ` +
        m.confusion[k].map((n) => String(n).padStart(cell)).join(' '),
    );
  });
}

/** `asc eval`: a run's tfjs model, or exported ONNX files side by side, on the evaluate split. */
export const evalCommand = defineCommand<EvalArgs>({
  command: 'eval',
  describe:
    "Evaluate a trained run's model, or exported ONNX files (--model-file, side by side), on the evaluate split",
  builder: (y: Argv<GlobalOptions>) =>
    splitFlags(y)
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
    const datasetDir = args.dataset && path.resolve(args.dataset);
    const cacheDir = args.cache && path.resolve(args.cache);
    const split = splitOptionsFromArgs(args);
    let data: Pick<
      EvaluateSplitOptions,
      'datasetDir' | 'cacheDir' | 'split' | 'trainedSplitDigest'
    >;
    if (args.run) {
      const runDir = path.resolve(args.run);
      // The run's data, split and the digest it trained on; classes and features come from each file.
      const r = runDataOptions(runDir, readRunRecord(runDir), { datasetDir, cacheDir, split });
      data = {
        datasetDir: r.datasetDir,
        cacheDir: r.cacheDir,
        split: r.split,
        trainedSplitDigest: r.trainedSplitDigest,
      };
    } else if (datasetDir && cacheDir) {
      data = { datasetDir, cacheDir, split };
    } else {
      throw new UsageError('--model-file needs --dataset and --cache, or a --run naming them');
    }
    const models = [];
    const warnings = new Set<string>();
    for (const file of files) {
      const r = await evaluateOnnxFile(path.resolve(file), {
        ...data,
        batchSize: args['batch-size'],
        threads: args.threads,
      });
      r.warnings.forEach((w) => warnings.add(w));
      out.info(
        `${r.file} (${r.model ?? '?'}, ${r.dtype ?? '?'}, ${r.fileBytes.toLocaleString('en-US')} bytes) on ${r.clips} clips / ${r.segments} segments:`,
      );
      printMetrics(out, r);
      models.push(r);
    }
    for (const warning of warnings) out.warn(`warning: ${warning}`);
    if (models.length > 1) {
      out.info('side by side:');
      for (const m of models) {
        out.info(
          `  ${(m.dtype ?? '?').padEnd(8)} ${percent(m.testAccuracy).padStart(7)}  log loss ${m.testLoss.toFixed(4)}  ` +
            `${(m.fileBytes / 1024).toFixed(1).padStart(8)} KB  ${path.basename(m.file)}`,
        );
      }
    }
    return {
      datasetDir: data.datasetDir,
      cacheDir: data.cacheDir,
      warnings: [...warnings],
      models,
    };
  },
});

async function evaluateTfjsRun(args: EvalArgs & GlobalOptions, out: Output) {
  const r = await evaluateRun({
    runDir: path.resolve(args.run!),
    datasetDir: args.dataset && path.resolve(args.dataset),
    cacheDir: args.cache && path.resolve(args.cache),
    split: splitOptionsFromArgs(args),
    dtype: args.dtype,
    backend: args.backend,
  });
  const m = r.metrics;
  for (const warning of r.warnings) out.warn(`warning: ${warning}`);
  out.info(`${r.model} (${r.dtype}) on ${m.clips} clips / ${m.segments} segments:`);
  printMetrics(out, m);
  return {
    model: r.model,
    dtype: r.dtype,
    backend: r.backend.name,
    warnings: r.warnings,
    ...m,
  };
}
