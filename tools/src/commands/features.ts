import type { Argv } from 'yargs';
import {
  RESAMPLE_QUALITIES,
  type FeatureBackend,
  type FeatureConfig,
  type ResampleQuality,
} from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { checkPositiveIntegers } from '../cli/flags';
import { deviceOptions, withDeviceFlags, type DeviceArgs } from '../cli/device-flags';
import { extractFeatures } from '../ops/features';

interface FeaturesArgs extends DeviceArgs {
  dataset: string;
  cache: string;
  threads?: number;
  dtype: 'float32' | 'float16';
  backend?: FeatureBackend;
  prune?: boolean;
  allowTruncated: boolean;
  /** 1-based channels of files with more than two, e.g. '3,4' (default '1,2'). */
  channels?: string;
  resampleQuality?: ResampleQuality;
}

/** `--channels 3,4` as [3, 4]; throws UsageError. */
function parseChannels(value: string): number[] {
  const channels = value.split(',').map((v) => Number(v.trim()));
  if (
    channels.length < 1 ||
    channels.length > 2 ||
    !channels.every((c) => Number.isInteger(c) && c >= 1)
  ) {
    throw new UsageError(
      `--channels takes one or two channel numbers from 1, e.g. 3,4; got '${value}'`,
    );
  }
  return channels;
}

/** The feature config the audio flags ask for (the defaults otherwise). */
function configOf(args: FeaturesArgs): Partial<FeatureConfig> {
  return {
    ...(args.channels !== undefined ? { channels: parseChannels(args.channels) } : {}),
    ...(args.resampleQuality !== undefined ? { resampleQuality: args.resampleQuality } : {}),
  };
}

/**
 * `asc features`: computes the scalogram features of every file of a dataset into a
 * content-addressed cache. Failing files are listed and skipped; the exit code is 0 when
 * at least one file succeeded.
 */
export const featuresCommand = defineCommand<FeaturesArgs>({
  command: 'features',
  describe: 'Compute the scalogram features of a dataset into a cache',
  builder: (y: Argv<GlobalOptions>) =>
    withDeviceFlags(y, 'auto')
      .option('dataset', {
        type: 'string',
        demandOption: true,
        describe: 'Dataset root (DCASE/TAU layout); any audio format libsndfile reads, any rate',
      })
      .option('cache', { type: 'string', demandOption: true, describe: 'Feature cache directory' })
      .option('threads', {
        type: 'number',
        describe: 'Worker threads (default: the number of cores)',
      })
      .option('dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as const,
        describe: 'Storage precision of the cached segments',
      })
      .option('backend', {
        choices: ['native', 'js'] as const,
        describe: 'Compute with the C++ addon or in TypeScript (default: native when built)',
      })
      .option('channels', {
        type: 'string',
        describe: 'Channels taken from files of more than two, as mid/side (or one, as mono)',
        defaultDescription: '1,2',
      })
      .option('resample-quality', {
        choices: RESAMPLE_QUALITIES,
        describe: "libsoxr quality for files at another rate than 48 kHz (librosa's default: hq)",
        defaultDescription: 'hq',
      })
      .option('allow-truncated', {
        type: 'boolean',
        default: false,
        describe:
          'Use what a file whose data ends before its header says holds (recorded) ' +
          'instead of failing it',
      })
      .option('prune', {
        type: 'boolean',
        default: false,
        describe:
          'Then delete the shards no manifest entry names (left when audio changed); ' +
          'not while another process builds the same cache',
      }) as unknown as Argv<FeaturesArgs>,
  run: (args, out) => {
    checkPositiveIntegers({ '--threads': args.threads });
    const { device, cuda } = deviceOptions(args);
    if (args.backend === 'js' && device === 'cuda') {
      throw new UsageError(
        '--device cuda needs the native backend (--backend js computes on the CPU)',
      );
    }
    return extractFeatures(
      {
        datasetDir: args.dataset,
        cacheDir: args.cache,
        threads: args.threads,
        dtype: args.dtype,
        backend: args.backend,
        prune: args.prune,
        config: configOf(args),
        allowTruncated: args.allowTruncated,
        device,
        cuda,
      },
      out,
    );
  },
});
