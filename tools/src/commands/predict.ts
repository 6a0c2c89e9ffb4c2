import * as path from 'path';
import type { Argv } from 'yargs';
import {
  BACKEND_REQUESTS,
  predictFiles,
  type BackendRequest,
  type ExportDtype,
} from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';

interface PredictArgs {
  run: string;
  files: string[];
  dtype: ExportDtype;
  backend: BackendRequest;
}

/** `asc predict`: class probabilities of audio files (any format the addon reads) with a trained run's model. */
export const predictCommand = defineCommand<PredictArgs>({
  command: 'predict <files..>',
  describe: 'Print class probabilities of audio files with a trained model',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'Audio files' })
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory (asc train)' })
      .option('dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as ExportDtype,
        describe: 'Which export to use',
      })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        default: 'auto' as BackendRequest,
        describe: 'tfjs backend',
      }) as unknown as Argv<PredictArgs>,
  run: async (args, out) => {
    if (!args.files || args.files.length === 0)
      throw new UsageError('name at least one audio file');
    const r = await predictFiles({
      runDir: path.resolve(args.run),
      files: args.files.map((f) => path.resolve(f)),
      dtype: args.dtype,
      backend: args.backend,
    });
    for (const p of r.predictions) {
      const probs = Object.entries(p.probabilities)
        .map(([c, v]) => `${c} ${v.toFixed(4)}`)
        .join('  ');
      out.info(`${p.file}: ${p.predicted}  (${probs})`);
    }
    return { model: r.model, backend: r.backend.name, predictions: r.predictions };
  },
});
