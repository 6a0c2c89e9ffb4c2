import * as fs from 'fs';
import * as path from 'path';
import type { Argv } from 'yargs';
import { DatasetError, formatProblem, readDataset } from '@asc/datasets';
import { buildFeatureCache, type FeatureBackend } from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';
import { checkPositiveIntegers } from '../cli/flags';

export interface FeaturesArgs {
  dataset: string;
  cache: string;
  threads?: number;
  dtype: 'float32' | 'float16';
  backend?: FeatureBackend;
  prune?: boolean;
}

/** What `asc features --json` prints (the contract: these keys, nothing else). */
export interface FeaturesResult {
  files: number;
  extracted: number;
  reused: number;
  failed: { file: string; error: string }[];
  seconds: number;
  filesPerSec: number;
}

/** Computes the features of every file of a dataset into the cache, with a progress bar. */
export async function extractFeatures(args: FeaturesArgs, out: Output): Promise<FeaturesResult> {
  checkPositiveIntegers({ '--threads': args.threads });
  const root = path.resolve(args.dataset);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new UsageError(`${args.dataset}: no such directory`);
  }
  let clips: { file: string; path: string }[];
  try {
    // Missing audio is reported per file by the extraction, like any other bad file.
    clips = (await readDataset(root, { checkAudio: false })).clips;
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    for (const problem of err.problems) out.warn(`error: ${formatProblem(problem)}`);
    throw new CommandFailed(err.message);
  }
  const progress = createProgress({ label: 'features', total: clips.length, unit: 'files' });
  const report = await buildFeatureCache({
    clips,
    cacheDir: path.resolve(args.cache),
    threads: args.threads,
    dtype: args.dtype,
    backend: args.backend,
    prune: args.prune,
    onProgress: (p) => progress.update(p.done, `${p.failed} failed`),
  });
  progress.finish();
  out.info(
    `${report.files} files: ${report.extracted} extracted, ${report.reused} reused, ` +
      `${report.failed.length} failed in ${report.seconds.toFixed(1)} s ` +
      `(${report.filesPerSec.toFixed(1)} files/s, ${report.backend} backend, ` +
      `${report.threads} thread${report.threads > 1 ? 's' : ''})`,
  );
  out.info(`cache ${report.cacheDir}, config ${report.configHash}, ${report.dtype}`);
  if (report.repaired > 0) out.warn(`${report.repaired} corrupt shards were rebuilt`);
  if (report.mono > 0) out.info(`${report.mono} mono files (side plane = 0)`);
  if (report.pruned) {
    out.info(
      `pruned ${report.pruned.shards} unused shards ` +
        `(${(report.pruned.bytes / 2 ** 20).toFixed(1)} MiB)`,
    );
  }
  // The JSON result lists every failure; people get the first few.
  const shown = 20;
  for (const f of report.failed.slice(0, shown)) out.warn(`failed: ${f.error}`);
  if (report.failed.length > shown) {
    out.warn(`... and ${report.failed.length - shown} more failures (--json lists them all)`);
  }
  const result: FeaturesResult = {
    files: report.files,
    extracted: report.extracted,
    reused: report.reused,
    failed: report.failed.map((f) => ({ file: f.file, error: f.error })),
    seconds: report.seconds,
    filesPerSec: report.filesPerSec,
  };
  if (report.extracted + report.reused === 0) {
    throw new CommandFailed(`no file of ${root} could be processed`, result);
  }
  return result;
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
  run: (args, out) => extractFeatures(args, out),
});
