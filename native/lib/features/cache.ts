import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nativeFeatures } from './addon-features';
import { resolveFeatureBackend, type FeatureBackend } from './backend';
import { atomicTempPid, isAtomicTemp, writeFileAtomic } from '@asc/core';
import { jsBatchThreads, runBatchJs, type BatchOutcome } from './batch';
import { resolveFeatureConfig, type FeatureConfig } from './config';
import { featureConfigHash } from './config-hash';
import { cudaErrorFromAddon, CudaUnavailableError } from '../cuda';
import {
  resolveFeatureDevice,
  type CudaFeatureOptions,
  type DeviceChoice,
  type FeatureDevice,
} from './device';
import { FeatureBuildAborted, FeatureCacheError } from './errors';
import {
  configDir,
  listConfigHashes,
  manifestPath,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  manifestText,
  readManifest,
  type Manifest,
  type ManifestEntry,
  type ManifestSource,
} from './manifest';
import { decodePayload, parseShard, type ShardDtype } from './shard';

/** Progress of a cache build, reported after every file. */
export interface FeatureCacheProgress {
  done: number;
  total: number;
  extracted: number;
  reused: number;
  failed: number;
  /** Audio bytes read so far. */
  bytes: number;
  filesPerSec: number;
  /** The file just finished (relative path). */
  file: string;
}

export interface FeatureCacheReport {
  files: number;
  extracted: number;
  reused: number;
  /** Shards that existed but failed their checksum and were rebuilt (counted in extracted). */
  repaired: number;
  failed: { file: string; error: string; code: string }[];
  seconds: number;
  filesPerSec: number;
  cacheDir: string;
  configHash: string;
  dtype: ShardDtype;
  backend: FeatureBackend;
  /** What computed the clips of this run (reused ones keep what computed them before). */
  device: DeviceChoice['device'];
  /** Why that device: the CUDA device used, or why not CUDA. */
  deviceReason: string;
  /** The CUDA path's account of the run (device, FFT, memory, launches). */
  deviceRun?: DeviceRun;
  threads: number;
  /** Clips whose audio is mono (their side plane is 0). */
  mono: number;
  /** Clips whose audio was at another rate than the config's, resampled. */
  resampled: number;
  /** Clips of more than two channels, of which the config's `channels` were taken. */
  multichannel: number;
  /** Truncated files whose features are of what they held (allowTruncated). */
  truncated: number;
  /** With `prune`: the shards no manifest entry names any more, deleted. */
  pruned?: { shards: number; bytes: number };
}

export interface BuildFeatureCacheOptions {
  /** `file`: relative path as in the dataset's CSVs (the cache key); `path`: absolute. */
  clips: { file: string; path: string }[];
  cacheDir: string;
  config?: Partial<FeatureConfig>;
  /** Worker threads of the native backend; default: the number of cores. */
  threads?: number;
  dtype?: ShardDtype;
  backend?: FeatureBackend;
  /**
   * Keep what a file whose data ends before its header says holds, and record that it
   * did; by default such a file fails.
   */
  allowTruncated?: boolean;
  /** 'auto' (default): CUDA when usable, else the CPU (see resolveFeatureDevice). */
  device?: FeatureDevice;
  cuda?: CudaFeatureOptions;
  onProgress?: (p: FeatureCacheProgress) => void;
  signal?: AbortSignal;
  /**
   * After a complete build, delete the shards of this config that no manifest entry names
   * (left behind when a file's audio changed). Not while another process builds the same
   * cache: its newest shards are not in this process's manifest yet.
   */
  prune?: boolean;
}

/** What the CUDA path reports about a run. */
export interface DeviceRun {
  device: 'cuda' | 'emulated';
  /** The device, the FFT and why, the slots and the device memory. */
  description: string;
  fft: 'cufft' | 'builtin';
  deviceBytes: number;
  /** Clips too long for a slot, computed on the CPU instead. */
  cpuFallbacks: number;
  launches: number;
}

// Manifest rewrites are throttled: a few per second is enough for resuming, and the
// shards themselves are self-checking, so a lost manifest update costs only a re-hash.
const MANIFEST_FLUSH_MS = 2000;

function sourceOf(
  o: BatchOutcome,
  previous: ManifestEntry | undefined,
): ManifestSource | undefined {
  if (!o.source)
    return previous && previous.audioHash === o.audioHash ? previous.source : undefined;
  return {
    format: o.source.format,
    sampleRateHz: o.source.sampleRateHz,
    channels: o.source.channels,
    ...(o.source.channels > 2 ? { channelsUsed: o.channelsUsed } : {}),
    ...(o.truncated ? { truncated: true as const } : {}),
  };
}

function entryOf(
  o: BatchOutcome,
  config: FeatureConfig,
  dtype: ShardDtype,
  previous: ManifestEntry | undefined,
): ManifestEntry {
  const source = sourceOf(o, previous);
  // A reused shard keeps the device recorded when it was computed (unknown when an older
  // manifest did not record it, or when the manifest was lost).
  const device =
    o.status === 'reused'
      ? previous && previous.audioHash === o.audioHash
        ? previous.device
        : undefined
      : (o.device ?? 'cpu');
  return {
    audioHash: o.audioHash as string,
    audioBytes: o.audioBytes,
    shard: `shards/${o.shardFile}`,
    dtype,
    checksum: o.checksum as number,
    segments: o.segments as number,
    segmentFrames: config.segmentFrames,
    bands: o.bands as number,
    frames: o.frames as number,
    channels: o.channels as number,
    shardBytes: o.shardBytes as number,
    ...(source ? { source } : {}),
    ...(device ? { device } : {}),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Deletes the shard files in `shardDir` that no manifest entry names; temporaries are
// left to removeStaleTemporaries.
async function pruneShards(
  shardDir: string,
  manifest: Manifest,
): Promise<{ shards: number; bytes: number }> {
  const named = new Set(Object.values(manifest.entries).map((e) => path.basename(e.shard)));
  const pruned = { shards: 0, bytes: 0 };
  for (const name of await fs.promises.readdir(shardDir)) {
    if (named.has(name) || isAtomicTemp(name)) continue;
    const file = path.join(shardDir, name);
    const { size } = await fs.promises.stat(file);
    await fs.promises.rm(file, { force: true });
    pruned.shards += 1;
    pruned.bytes += size;
  }
  return pruned;
}

// Temporary files (shards, manifest) of a build that was killed before its rename; those
// of a build still running in another process are left alone.
async function removeStaleTemporaries(directory: string): Promise<void> {
  for (const name of await fs.promises.readdir(directory)) {
    const pid = atomicTempPid(name);
    if (pid !== undefined && pid !== process.pid && !processAlive(pid)) {
      await fs.promises.rm(path.join(directory, name), { force: true });
    }
  }
}

/**
 * Computes the features of every clip into the cache, reusing what is there: a clip whose
 * audio content and config already have a valid shard is not recomputed; a corrupt shard
 * is rebuilt; a failing file is reported and skipped. Resolves to the report; rejects
 * with FeatureBuildAborted (carrying the report) when `signal` aborts.
 */
export async function buildFeatureCache(o: BuildFeatureCacheOptions): Promise<FeatureCacheReport> {
  const config = resolveFeatureConfig(o.config);
  const configHash = featureConfigHash(config);
  const backend = resolveFeatureBackend(o.backend);
  const requestedDevice = o.device ?? 'auto';
  let choice = resolveFeatureDevice(requestedDevice, backend);
  const dtype: ShardDtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16') {
    throw new FeatureCacheError(o.cacheDir, `unknown dtype '${String(dtype)}'`);
  }
  const threads = Math.max(1, Math.floor(o.threads ?? os.availableParallelism()));
  const dir = configDir(o.cacheDir, configHash);
  const shardDir = path.join(dir, 'shards');
  await fs.promises.mkdir(shardDir, { recursive: true });
  await removeStaleTemporaries(shardDir);
  await removeStaleTemporaries(dir);
  const mPath = manifestPath(o.cacheDir, configHash);
  let manifest: Manifest;
  try {
    manifest = readManifest(mPath);
  } catch {
    // Missing or unreadable: start afresh; the shards on disk are still found by content.
    manifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      configHash,
      config,
      updatedAt: '',
      entries: {},
    };
  }

  const byFile = new Map<string, string>();
  for (const c of o.clips) byFile.set(c.file, c.path);
  const files = [...byFile.keys()];
  const paths = files.map((f) => byFile.get(f) as string);

  const report: FeatureCacheReport = {
    files: files.length,
    extracted: 0,
    reused: 0,
    repaired: 0,
    failed: [],
    seconds: 0,
    filesPerSec: 0,
    cacheDir: o.cacheDir,
    configHash,
    dtype,
    backend,
    device: choice.device,
    deviceReason: choice.reason,
    threads: backend === 'native' ? threads : jsBatchThreads(threads),
    mono: 0,
    resampled: 0,
    multichannel: 0,
    truncated: 0,
  };
  const t0 = performance.now();
  let done = 0;
  let bytes = 0;
  let cancelled = false;
  let lastFlush = Date.now();
  let flushing: Promise<void> = Promise.resolve();
  let flushError: Error | undefined;
  const flush = (): Promise<void> => {
    lastFlush = Date.now();
    const text = manifestText(manifest);
    flushing = flushing
      .then(() => writeFileAtomic(mPath, text))
      .catch((err: Error) => {
        flushError ??= err;
      });
    return flushing;
  };

  const onOutcome = (out: BatchOutcome): void => {
    const file = files[out.index];
    if (out.status === 'cancelled') {
      cancelled = true;
      return;
    }
    done++;
    bytes += out.audioBytes;
    if (out.status === 'failed') {
      report.failed.push({ file, error: `${file}: ${out.error}`, code: out.errorCode ?? 'io' });
      delete manifest.entries[file];
    } else {
      if (out.status === 'reused') report.reused++;
      else report.extracted++;
      if (out.repaired) report.repaired++;
      if (out.channels === 1) report.mono++;
      if (out.truncated) report.truncated++;
      const entry = entryOf(out, config, dtype, manifest.entries[file]);
      if (entry.source && entry.source.sampleRateHz !== config.sampleRateHz) report.resampled++;
      if (entry.source && entry.source.channels > 2) report.multichannel++;
      manifest.entries[file] = entry;
    }
    if (Date.now() - lastFlush > MANIFEST_FLUSH_MS) void flush();
    const seconds = (performance.now() - t0) / 1000;
    o.onProgress?.({
      done,
      total: files.length,
      extracted: report.extracted,
      reused: report.reused,
      failed: report.failed.length,
      bytes,
      filesPerSec: seconds > 0 ? done / seconds : 0,
      file,
    });
  };

  // An error thrown by onProgress (or by the bookkeeping) must not escape into the addon's
  // callback; it stops the batch and is rethrown once the batch has ended.
  let callbackError: unknown;
  let cancelBatch = (): void => undefined;
  const guardedOnOutcome = (out: BatchOutcome): void => {
    if (callbackError !== undefined) return;
    try {
      onOutcome(out);
    } catch (err) {
      callbackError = err;
      cancelBatch();
    }
  };

  const options = { config, shardDir, dtype, allowTruncated: Boolean(o.allowTruncated) };
  let delivered = 0;
  const runNative = async (device: DeviceChoice['device']): Promise<void> => {
    const handle = nativeFeatures().runBatch(
      paths,
      {
        ...options,
        threads,
        device,
        cudaDevice: o.cuda?.device ?? 0,
        deviceMemoryBytes: o.cuda?.memoryBytes ?? (device === 'emulated' ? 64 * 2 ** 20 : 2 ** 31),
        fft: o.cuda?.fft ?? 'auto',
      },
      (out) => {
        delivered++;
        guardedOnOutcome(out);
      },
    );
    cancelBatch = handle.cancel;
    const abort = (): void => handle.cancel();
    o.signal?.addEventListener('abort', abort);
    if (o.signal?.aborted) handle.cancel();
    try {
      // (An addon from before the CUDA path, loaded through ASC_NATIVE_ADDON for an A/B
      // comparison, resolves nothing.)
      const run = (await handle.promise) as DeviceRun | { device: 'cpu' } | undefined;
      if (run && run.device !== 'cpu') report.deviceRun = run;
    } catch (err) {
      throw cudaErrorFromAddon(err) ?? err;
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  };
  try {
    if (backend === 'native') {
      try {
        await runNative(choice.device);
      } catch (err) {
        // 'auto' falls back to the CPU when the device turns out unusable before any file
        // (too little free memory, a config the kernels do not compute).
        if (!(err instanceof CudaUnavailableError) || requestedDevice !== 'auto' || delivered > 0) {
          throw err;
        }
        choice = { device: 'cpu', reason: `the CUDA path cannot run: ${err.reason}` };
        report.device = choice.device;
        report.deviceReason = choice.reason;
        await runNative('cpu');
      }
    } else {
      await runBatchJs(
        paths,
        options,
        guardedOnOutcome,
        () => callbackError !== undefined || Boolean(o.signal?.aborted),
        threads,
      );
    }
  } finally {
    // Whatever happened, what finished stays recorded (a rerun resumes from it).
    await flush();
  }
  if (callbackError !== undefined) throw callbackError;
  if (flushError) {
    throw new FeatureCacheError(mPath, `cannot write the manifest: ${flushError.message}`);
  }
  report.seconds = (performance.now() - t0) / 1000;
  report.filesPerSec = report.seconds > 0 ? done / report.seconds : 0;
  if (cancelled || o.signal?.aborted) throw new FeatureBuildAborted(report);
  if (o.prune) report.pruned = await pruneShards(shardDir, manifest);
  return report;
}

/** The segments of one cached clip. */
export interface CachedClip {
  /** NHWC: shape[0] segments x frames x bands x 2 (plane 0 mid, 1 side), not normalised. */
  segments: Float32Array;
  shape: [number, number, number, 2];
}

/** A read-only view of one config's features in a cache. */
export interface FeatureCache {
  readonly config: FeatureConfig;
  readonly configHash: string;
  /** The directory holding this config's manifest and shards. */
  readonly dir: string;
  /** Relative paths of the cached clips, sorted. */
  files(): string[];
  has(file: string): boolean;
  /** The manifest entry of a clip (audio hash, channels, frames, ...). */
  entry(file: string): ManifestEntry;
  /** Reads and checks one clip's shard; throws CorruptShardError or FeatureCacheError. */
  read(file: string): CachedClip;
  close(): void;
}

/**
 * Opens the features of one config in `cacheDir` (only the manifest is read; shards are
 * read per clip). Without `config`: the only config in the cache, or the default config
 * when there are several.
 */
export function openFeatureCache(cacheDir: string, config?: Partial<FeatureConfig>): FeatureCache {
  let configHash: string;
  if (config) {
    configHash = featureConfigHash(config);
  } else {
    const present = listConfigHashes(cacheDir);
    configHash = present.length === 1 ? present[0] : featureConfigHash({});
  }
  const mPath = manifestPath(cacheDir, configHash);
  if (!fs.existsSync(mPath)) {
    const present = listConfigHashes(cacheDir);
    throw new FeatureCacheError(
      cacheDir,
      `no features for config ${configHash} (present: ${present.join(', ') || 'none'}); run asc features`,
    );
  }
  const manifest = readManifest(mPath);
  const dir = configDir(cacheDir, configHash);
  const files = Object.keys(manifest.entries).sort();
  let closed = false;
  const entry = (file: string): ManifestEntry => {
    const e = manifest.entries[file];
    if (!e) throw new FeatureCacheError(mPath, `no entry for ${file}`);
    return e;
  };
  return {
    config: manifest.config,
    configHash,
    dir,
    files: () => [...files],
    has: (file) => Object.prototype.hasOwnProperty.call(manifest.entries, file),
    entry,
    read(file) {
      if (closed) throw new FeatureCacheError(dir, 'the cache was closed');
      const e = entry(file);
      const shardPath = path.join(dir, e.shard);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(shardPath);
      } catch (err) {
        throw new FeatureCacheError(
          shardPath,
          `cannot read the shard of ${file}: ${(err as Error).message}`,
        );
      }
      const { header, payload } = parseShard(bytes, shardPath, file);
      if (
        header.checksum !== e.checksum ||
        header.segments !== e.segments ||
        header.bands !== e.bands
      ) {
        throw new FeatureCacheError(
          shardPath,
          `shard of ${file} does not match its manifest entry`,
        );
      }
      return {
        segments: decodePayload(header, payload),
        shape: [header.segments, header.segmentFrames, header.bands, 2],
      };
    },
    close() {
      closed = true;
    },
  };
}
