import type { Argv } from 'yargs';
import type { FeatureBackend } from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { checkPositiveIntegers } from '../cli/flags';
import { extractFeatures } from '../ops/features';

interface FeaturesArgs {
  dataset: string;
  cache: string;
  threads?: number;
  dtype: 'float32' | 'float16';
  backend?: FeatureBackend;
  prune?: boolean;
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
    y
      .option('dataset', {
        type: 'string',
        demandOption: true,
        describe: 'Dataset root (DCASE/TAU layout)',
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
      .option('prune', {
        type: 'boolean',
        default: false,
        describe:
          'Then delete the shards no manifest entry names (left when audio changed); ' +
          'not while another process builds the same cache',
      }) as unknown as Argv<FeaturesArgs>,
  run: (args, out) => {
    checkPositiveIntegers({ '--threads': args.threads });
    return extractFeatures(
      {
        datasetDir: args.dataset,
        cacheDir: args.cache,
        threads: args.threads,
        dtype: args.dtype,
        backend: args.backend,
        prune: args.prune,
      },
      out,
    );
  },
});
