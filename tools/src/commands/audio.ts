import * as path from 'path';
import type { Argv, CommandModule } from 'yargs';
import { AudioError, readAudioInfo, type AudioSource, type FeatureBackend } from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';

/** One file of `asc audio info --json`: its header, or why it could not be read. */
export type AudioInfoEntry =
  | {
      file: string;
      format: string;
      description: string;
      sampleRateHz: number;
      channels: number;
      frames: number;
      seconds: number;
      truncated?: true;
      truncation?: string;
    }
  | { file: string; error: string; code: string };

/** What `asc audio info --json` prints: one entry per file, in the order given. */
export interface AudioInfoResult {
  files: AudioInfoEntry[];
}

function entryOf(file: string, s: AudioSource): AudioInfoEntry {
  return {
    file,
    format: s.format,
    description: s.description,
    sampleRateHz: s.sampleRateHz,
    channels: s.channels,
    frames: s.frames,
    seconds: s.frames / s.sampleRateHz,
    ...(s.truncated ? { truncated: true as const, truncation: s.truncation } : {}),
  };
}

interface InfoArgs {
  files: string[];
  backend?: FeatureBackend;
}

const infoCommand = defineCommand<InfoArgs>({
  command: 'info <files..>',
  describe: "Print audio files' format, rate, channels, frames and duration (like soxi)",
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'Audio files' })
      .option('backend', {
        choices: ['native', 'js'] as const,
        describe: 'Read with the addon (libsndfile, every format) or in TypeScript (WAV only)',
      }) as unknown as Argv<InfoArgs>,
  run: async (args, out) => {
    if (!args.files || args.files.length === 0)
      throw new UsageError('name at least one audio file');
    const files: AudioInfoEntry[] = [];
    for (const file of args.files) {
      try {
        const s = await readAudioInfo(path.resolve(file), { backend: args.backend });
        files.push(entryOf(file, s));
        out.info(
          `${file}: ${s.format} (${s.description}), ${s.sampleRateHz} Hz, ` +
            `${s.channels} channel${s.channels === 1 ? '' : 's'}, ${s.frames} frames, ` +
            `${(s.frames / s.sampleRateHz).toFixed(3)} s`,
        );
        if (s.truncated) out.warn(`${file}: truncated: ${s.truncation}`);
      } catch (err) {
        if (!(err instanceof AudioError)) throw err;
        files.push({ file, error: err.detail, code: err.code });
        out.warn(`${file}: error (${err.code}): ${err.detail}`);
      }
    }
    const failed = files.filter((f) => 'error' in f).length;
    const result: AudioInfoResult = { files };
    if (failed > 0) {
      throw new CommandFailed(`${failed} of ${files.length} files could not be read`, result);
    }
    return result;
  },
});

/** `asc audio <info>`. */
export const audioCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'audio',
  describe: 'Inspect audio files',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .command(infoCommand as never)
      .demandCommand(1, 'Name an audio subcommand (info).') as Argv<GlobalOptions>,
  handler: () => undefined,
};
