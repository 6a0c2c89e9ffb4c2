import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { writeFileAtomic } from '@asc/core';
import { AudioError } from '../audio/errors';
import { decodeWavAt } from '../audio/read';
import type { AudioSource } from '../audio/types';
import { channelsToUse, readWavSource } from '../audio/wav';
import type { FeatureConfig } from './config';
import { contentHash } from './hash';
import { computeSegmentsJs } from './scalogram-js';
import { encodeShard, parseShard, shardFileName, type ShardDtype, type ShardHeader } from './shard';

/** One file's outcome in a batch (the native batch reports the same fields). */
export interface BatchOutcome {
  index: number;
  status: 'extracted' | 'reused' | 'failed' | 'cancelled';
  audioBytes: number;
  seconds: number;
  audioHash?: string;
  shardFile?: string;
  checksum?: number;
  segments?: number;
  frames?: number;
  channels?: number;
  bands?: number;
  shardBytes?: number;
  /**
   * What the file was (its header). Absent only when the TypeScript batch reuses the
   * shard of a file it cannot read itself (one the addon extracted).
   */
  source?: AudioSource;
  /** The 1-based source channels the features were made from. */
  channelsUsed?: number[];
  /** The features are of what a truncated file held (allowTruncated). */
  truncated?: boolean;
  /** What computed the segments (extracted clips of the native batch). */
  device?: 'cpu' | 'cuda' | 'emulated';
  /** True when a shard existed for this content but failed its checksum or header. */
  repaired?: boolean;
  errorCode?: string;
  error?: string;
}

export interface BatchOptions {
  config: FeatureConfig;
  shardDir: string;
  dtype: ShardDtype;
  /** Keep what truncated files hold instead of failing them. */
  allowTruncated: boolean;
}

function outcomeOf(index: number, header: ShardHeader, extra: Partial<BatchOutcome>): BatchOutcome {
  return {
    index,
    status: 'extracted',
    audioBytes: 0,
    seconds: 0,
    checksum: header.checksum,
    segments: header.segments,
    frames: header.frames,
    channels: header.channels,
    bands: header.bands,
    shardBytes: header.payloadBytes + 64,
    ...extra,
  };
}

/** One file: read, hash, reuse a valid shard or compute and write one. Never throws. */
export async function processOne(
  file: string,
  index: number,
  o: BatchOptions,
): Promise<BatchOutcome> {
  const t0 = performance.now();
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    return {
      index,
      status: 'failed',
      audioBytes: 0,
      seconds: 0,
      errorCode: 'io',
      error: `cannot read: ${(err as Error).message}`,
    };
  }
  const audioHash = contentHash(bytes);
  const shardFile = shardFileName(audioHash, o.dtype);
  const shardPath = path.join(o.shardDir, shardFile);
  const common = { audioHash, shardFile, audioBytes: bytes.length };
  let repaired = false;
  try {
    if (fs.existsSync(shardPath)) {
      const reused = reuse(shardPath, bytes, file, o);
      if (reused) {
        return outcomeOf(index, reused.header, {
          ...common,
          ...reused.extra,
          status: 'reused',
          seconds: (performance.now() - t0) / 1000,
        });
      }
      repaired = true;
    }
    const audio = decodeWavAt(bytes, file, {
      sampleRateHz: o.config.sampleRateHz,
      channels: o.config.channels,
      allowTruncated: o.allowTruncated,
    });
    const seg = computeSegmentsJs(audio, o.config, file);
    const { bytes: shard, header } = encodeShard(
      seg.segments,
      seg.shape,
      seg.channels,
      seg.frames,
      o.dtype,
      audio.truncated,
    );
    await writeFileAtomic(shardPath, shard);
    return outcomeOf(index, header, {
      ...common,
      source: audio.source,
      channelsUsed: audio.channelsUsed,
      ...(audio.truncated ? { truncated: true } : {}),
      seconds: (performance.now() - t0) / 1000,
      ...(repaired ? { repaired } : {}),
    });
  } catch (err) {
    return {
      index,
      status: 'failed',
      audioBytes: bytes.length,
      seconds: (performance.now() - t0) / 1000,
      errorCode: err instanceof AudioError ? err.code : 'io',
      error: err instanceof AudioError ? err.detail : (err as Error).message,
    };
  }
}

/**
 * The header of a valid shard for this file with what the outcome says of the source;
 * undefined when the shard is corrupt or of another layout. Throws AudioError when the
 * shard was made from a truncated file and truncation is not allowed.
 */
function reuse(
  shardPath: string,
  bytes: Uint8Array,
  file: string,
  o: BatchOptions,
): { header: ShardHeader; extra: Partial<BatchOutcome> } | undefined {
  let header: ShardHeader;
  try {
    header = parseShard(fs.readFileSync(shardPath), shardPath, file).header;
  } catch {
    return undefined;
  }
  if (header.dtype !== o.dtype || header.segmentFrames !== o.config.segmentFrames) return undefined;
  if (header.sourceTruncated && !o.allowTruncated) {
    throw new AudioError(
      file,
      'truncated',
      'the data ends before the header says; its cached features are of what is there ' +
        '(--allow-truncated keeps them)',
    );
  }
  const extra: Partial<BatchOutcome> = header.sourceTruncated ? { truncated: true } : {};
  try {
    const source = readWavSource(bytes, file);
    return {
      header,
      extra: {
        ...extra,
        source,
        channelsUsed: channelsToUse(source.channels, o.config.channels, file),
      },
    };
  } catch (err) {
    // A format only the addon reads, extracted by it earlier: the shard is still good.
    if (err instanceof AudioError && err.code === 'needs-addon') return { header, extra };
    throw err;
  }
}

// The worker entry, compiled next to this module (dist/). Under ts-jest only the .ts
// exists and the batch runs on the calling thread instead.
const WORKER_SCRIPT = path.join(__dirname, 'batch-worker.js');

/** How many threads the TypeScript batch really uses when asked for `threads`. */
export function jsBatchThreads(threads: number): number {
  return fs.existsSync(WORKER_SCRIPT) ? threads : 1;
}

/**
 * The TypeScript batch. With the compiled worker available it runs on `threads`
 * worker_threads, each taking the next file as it finishes one, so the event loop stays
 * free; otherwise one file at a time on the calling thread, yielding between files. Same
 * outcomes and shard files as the native batch either way.
 */
export async function runBatchJs(
  paths: string[],
  options: BatchOptions,
  onOutcome: (o: BatchOutcome) => void,
  cancelled: () => boolean,
  threads = 1,
): Promise<void> {
  if (fs.existsSync(WORKER_SCRIPT) && paths.length > 0) {
    await runOnWorkers(paths, options, onOutcome, cancelled, Math.min(threads, paths.length));
    return;
  }
  for (let i = 0; i < paths.length; i++) {
    if (cancelled()) {
      onOutcome({ index: i, status: 'cancelled', audioBytes: 0, seconds: 0 });
      continue;
    }
    onOutcome(await processOne(paths[i], i, options));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

async function runOnWorkers(
  paths: string[],
  options: BatchOptions,
  onOutcome: (o: BatchOutcome) => void,
  cancelled: () => boolean,
  threads: number,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER_SCRIPT, { workerData: options }),
  );
  const feed = (worker: Worker): void => {
    while (next < paths.length && cancelled()) {
      onOutcome({ index: next, status: 'cancelled', audioBytes: 0, seconds: 0 });
      next++;
    }
    if (next < paths.length) {
      worker.postMessage({ index: next, file: paths[next] });
      next++;
    } else {
      void worker.terminate();
    }
  };
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (outcome: BatchOutcome) => {
              onOutcome(outcome);
              feed(worker);
            });
            worker.on('error', reject);
            worker.on('exit', () => resolve());
            feed(worker);
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
