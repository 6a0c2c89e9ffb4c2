// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them and `asc run`'s steps call them.
// Here: feature extraction into a cache.
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError, formatProblem, readDataset } from '@asc/datasets';
import {
  buildFeatureCache,
  CudaUnavailableError,
  resolveFeatureBackend,
  resolveFeatureDevice,
  type BuildFeatureCacheOptions,
} from '@asc/native';
import { CommandFailed, UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import { createProgress } from '../cli/progress';

/** A dataset, its feature cache, and how the cache is built (the native package's options). */
export interface ExtractFeaturesOptions extends Pick<
  BuildFeatureCacheOptions,
  'threads' | 'dtype' | 'backend' | 'prune' | 'config' | 'allowTruncated' | 'device' | 'cuda'
> {
  datasetDir: string;
  cacheDir: string;
}

/** What `asc features --json` prints (the contract: these keys, nothing else). */
export interface FeaturesResult {
  files: number;
  extracted: number;
  reused: number;
  failed: { file: string; error: string }[];
  seconds: number;
  filesPerSec: number;
  /** Where this run computed: 'cpu' or 'cuda' (issue 12: --device). */
  device: string;
  /** Why: the CUDA device used, or why not CUDA. */
  deviceReason: string;
}

/** Computes the features of every file of a dataset into the cache, with a progress bar. */
export async function extractFeatures(
  options: ExtractFeaturesOptions,
  out: Output,
): Promise<FeaturesResult> {
  const root = path.resolve(options.datasetDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new UsageError(`${options.datasetDir}: no such directory`);
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
  // --device cuda on a machine where CUDA cannot run: the reason is the whole answer,
  // given before the progress bar.
  const unusable = (err: unknown): never => {
    if (err instanceof CudaUnavailableError)
      throw new CommandFailed(`--device cuda: ${err.reason}`);
    throw err;
  };
  if (options.device === 'cuda') {
    try {
      resolveFeatureDevice('cuda', resolveFeatureBackend(options.backend));
    } catch (err) {
      unusable(err);
    }
  }
  const progress = createProgress({ label: 'features', total: clips.length, unit: 'files' });
  const report = await buildFeatureCache({
    clips,
    cacheDir: path.resolve(options.cacheDir),
    config: options.config,
    allowTruncated: options.allowTruncated,
    threads: options.threads,
    dtype: options.dtype,
    backend: options.backend,
    device: options.device,
    cuda: options.cuda,
    prune: options.prune,
    onProgress: (p) => progress.update(p.done, `${p.failed} failed`),
  })
    .catch(unusable)
    .finally(() => progress.finish());
  out.info(
    `${report.files} files: ${report.extracted} extracted, ${report.reused} reused, ` +
      `${report.failed.length} failed in ${report.seconds.toFixed(1)} s ` +
      `(${report.filesPerSec.toFixed(1)} files/s, ${report.backend} backend, ` +
      `${report.threads} thread${report.threads > 1 ? 's' : ''})`,
  );
  out.info(`cache ${report.cacheDir}, config ${report.configHash}, ${report.dtype}`);
  out.info(
    report.deviceRun
      ? `device: ${report.deviceRun.description}` +
          (report.deviceRun.cpuFallbacks > 0
            ? ` (${report.deviceRun.cpuFallbacks} clips too long for its slots computed on the CPU)`
            : '')
      : `device: cpu (${report.deviceReason})`,
  );
  if (report.repaired > 0) out.warn(`${report.repaired} corrupt shards were rebuilt`);
  if (report.mono > 0) out.info(`${report.mono} mono files (side plane = 0)`);
  if (report.resampled > 0) out.info(`${report.resampled} files resampled to the config's rate`);
  if (report.multichannel > 0) {
    out.info(
      `${report.multichannel} files of more than two channels (channels used: see the manifest)`,
    );
  }
  if (report.truncated > 0) {
    out.warn(`${report.truncated} truncated files: features of what they hold`);
  }
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
    device: report.device,
    deviceReason: report.deviceRun?.description ?? report.deviceReason,
  };
  if (report.extracted + report.reused === 0) {
    throw new CommandFailed(`no file of ${root} could be processed`, result);
  }
  return result;
}
