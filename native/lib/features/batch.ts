import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { writeFileAtomic } from '@asc/core';
import type { FeatureConfig } from './config';
import { WavError } from './errors';
import { contentHash } from './hash';
import { computeSegmentsJs } from './scalogram-js';
import { encodeShard, parseShard, shardFileName, type ShardDtype, type ShardHeader } from './shard';
import { decodeWav } from './wav';

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
  encoding?: string;
  /** True when a shard existed for this content but failed its checksum or header. */
  repaired?: boolean;
  errorCode?: string;
  error?: string;
}

export interface BatchOptions {
  config: FeatureConfig;
  shardDir: string;
  dtype: ShardDtype;
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
  if (fs.existsSync(shardPath)) {
    try {
      const { header } = parseShard(fs.readFileSync(shardPath), shardPath, file);
      if (header.dtype === o.dtype && header.segmentFrames === o.config.segmentFrames) {
        return outcomeOf(index, header, {
          ...common,
          status: 'reused',
          seconds: (performance.now() - t0) / 1000,
        });
      }
    } catch {
      // a corrupt shard is recomputed below
    }
    repaired = true;
  }
  try {
    const audio = decodeWav(bytes, file);
    const seg = computeSegmentsJs(audio, o.config, file);
    const { bytes: shard, header } = encodeShard(
      seg.segments,
      seg.shape,
      seg.channels,
      seg.frames,
      o.dtype,
    );
    await writeFileAtomic(shardPath, shard);
    return outcomeOf(index, header, {
      ...common,
      encoding: audio.encoding,
      seconds: (performance.now() - t0) / 1000,
      ...(repaired ? { repaired } : {}),
    });
  } catch (err) {
    return {
      index,
      status: 'failed',
      audioBytes: bytes.length,
      seconds: (performance.now() - t0) / 1000,
      errorCode: err instanceof WavError ? err.code : 'io',
      error: err instanceof WavError ? err.detail : (err as Error).message,
    };
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
