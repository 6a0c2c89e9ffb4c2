import * as path from 'path';
import type { Argv } from 'yargs';
import { ONNX_DTYPES, type OnnxDtype } from '@asc/onnx';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { checkPositiveIntegers } from '../cli/flags';
import { exportRun, type ExportFormat } from '../ops/export';
import { describeComplexity } from '../cli/complexity';

interface ExportArgs {
  run: string;
  format: ExportFormat;
  dtype: OnnxDtype;
  out: string;
  calibration: number;
  threads?: number;
  dataset?: string;
  cache?: string;
}

/** `asc export`: a trained run's model as ONNX (float32, float16, int8) or tfjs. */
export const exportCommand = defineCommand<ExportArgs>({
  command: 'export',
  describe:
    "Export a trained run's model as ONNX (float32, float16, int8 QDQ) or tfjs, with its DCASE complexity",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory (asc train)' })
      .option('format', {
        choices: ['onnx', 'tfjs'] as const,
        default: 'onnx' as ExportFormat,
        describe: 'ONNX file (opset 13) or tfjs layers model directory',
      })
      .option('dtype', {
        choices: ONNX_DTYPES,
        default: 'float32' as OnnxDtype,
        describe: 'Weight type; int8 is static QDQ quantisation (ONNX only)',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Output file (.onnx), or directory for tfjs',
      })
      .option('calibration', {
        type: 'number',
        default: 512,
        describe: 'int8: training segments to calibrate activation ranges on (min-max)',
      })
      .option('threads', { type: 'number', describe: 'Compute threads (default: all cores)' })
      .option('dataset', { type: 'string', describe: "Dataset root (default: the run's)" })
      .option('cache', {
        type: 'string',
        describe: "Feature cache (default: the run's)",
      }) as unknown as Argv<ExportArgs>,
  run: async (args, out) => {
    checkPositiveIntegers({ '--calibration': args.calibration, '--threads': args.threads });
    if (args.format === 'tfjs' && args.dtype === 'int8') {
      throw new UsageError(
        '--format tfjs stores float32 or float16 weights; int8 (static QDQ quantisation) is --format onnx',
      );
    }
    const r = await exportRun({
      runDir: path.resolve(args.run),
      format: args.format,
      dtype: args.dtype,
      out: path.resolve(args.out),
      calibrationSegments: args.calibration,
      threads: args.threads,
      datasetDir: args.dataset && path.resolve(args.dataset),
      cacheDir: args.cache && path.resolve(args.cache),
      onProgress: (line) => out.info(line),
    });
    out.info(
      `${r.model} -> ${r.file} (${args.format} ${r.dtype}, ${r.fileBytes.toLocaleString('en-US')} bytes)`,
    );
    for (const line of describeComplexity(r)) out.info(`  ${line}`);
    out.info(
      r.maxAbsDiff === null
        ? '  not checked (no evaluate data)'
        : `  max |probability - tfjs float32| ${r.maxAbsDiff.toExponential(2)} on ${r.checkedSegments} evaluate segments`,
    );
    return r;
  },
});
