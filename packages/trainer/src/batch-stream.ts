import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { FeatureConfig } from '@asc/native';
import { epochBatches, type Batch, type EpochBatchOptions } from './batches';
import { Rng, type RngState, AscError } from '@asc/core';
import type { ClipRef, SegmentSource } from './segments';

/**
 * One epoch's batches, delivered asynchronously so that a producer can prepare the next
 * batch while the trainer computes on the current one. The shuffle generator's state
 * after the epoch is what the checkpoint records.
 */
export interface EpochStream {
  next(): Promise<Batch | null>;
  /** The shuffle state after the last batch (valid once next() returned null). */
  shuffleState(): RngState;
  close(): void;
}

/**
 * An epoch's stream from the shuffle state at the epoch's start; `skipBatches` resumes it
 * after that many batches (see epochBatches).
 */
export type EpochStreamFactory = (shuffle: RngState, skipBatches?: number) => EpochStream;

/** Batches assembled on the calling thread, on demand (tests, in-memory sources). */
export function inThreadStreams(
  source: SegmentSource,
  clips: readonly ClipRef[],
  options: EpochBatchOptions,
): EpochStreamFactory {
  return (shuffle, skipBatches = 0) => {
    const rng = Rng.fromState(shuffle);
    const batches = epochBatches(source, clips, rng, options, { skipBatches });
    return {
      next: async () => batches.next().value ?? null,
      shuffleState: () => rng.state(),
      close: () => batches.return(undefined),
    };
  };
}

/** What the loader worker needs to open the cache itself. */
export interface CacheLoaderSpec {
  cacheDir: string;
  config: FeatureConfig;
  configHash: string;
  clips: ClipRef[];
  options: EpochBatchOptions;
  /** Batches the worker may prepare ahead of the trainer. */
  prefetch: number;
}

/** Messages of the loader protocol (batch-worker.ts). */
export type LoaderRequest =
  { type: 'epoch'; shuffle: RngState; skipBatches: number } | { type: 'credit' };
export type LoaderReply =
  | { type: 'batch'; size: number; x: Float32Array; y: Float32Array }
  | { type: 'end'; shuffle: RngState }
  | { type: 'error'; message: string };

const WORKER_SCRIPT = path.join(__dirname, 'batch-worker.js');

/** True when the compiled loader worker is present (not under ts-jest, which has no .js). */
export function loaderWorkerAvailable(): boolean {
  return fs.existsSync(WORKER_SCRIPT);
}

export class LoaderWorkerError extends AscError {
  constructor(message: string) {
    super('loader-worker-failed', `batch loader: ${message}`);
  }
}

/**
 * Batches read from the feature cache and assembled by a worker thread, `prefetch`
 * batches ahead, while the main thread trains: reading shards, checking their checksums
 * and copying segments into batches then costs no training time. The worker shuffles
 * with the same generator and algorithm as the in-thread stream, so both give the same
 * batches for the same state.
 */
export function workerStreams(spec: CacheLoaderSpec): {
  factory: EpochStreamFactory;
  close(): Promise<void>;
} {
  const worker = new Worker(WORKER_SCRIPT, { workerData: spec });
  worker.unref();
  let failure: Error | undefined;
  const queue: LoaderReply[] = [];
  let waiting: ((reply: LoaderReply) => void) | undefined;
  const deliver = (reply: LoaderReply): void => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(reply);
    } else queue.push(reply);
  };
  worker.on('message', (reply: LoaderReply) => deliver(reply));
  worker.on('error', (err) => {
    failure = err;
    deliver({ type: 'error', message: err.message });
  });
  worker.on('exit', (code) => {
    if (code !== 0 && !failure) {
      failure = new LoaderWorkerError(`worker exited with code ${code}`);
      deliver({ type: 'error', message: failure.message });
    }
  });
  const receive = (): Promise<LoaderReply> =>
    queue.length > 0
      ? Promise.resolve(queue.shift()!)
      : new Promise((resolve) => (waiting = resolve));

  const factory: EpochStreamFactory = (shuffle, skipBatches = 0) => {
    if (failure) throw failure;
    worker.postMessage({ type: 'epoch', shuffle, skipBatches } satisfies LoaderRequest);
    let endState: RngState | undefined;
    return {
      async next() {
        if (endState) return null;
        const reply = await receive();
        if (reply.type === 'error') throw new LoaderWorkerError(reply.message);
        if (reply.type === 'end') {
          endState = reply.shuffle;
          return null;
        }
        worker.postMessage({ type: 'credit' } satisfies LoaderRequest);
        return { size: reply.size, x: reply.x, y: reply.y };
      },
      shuffleState() {
        if (!endState) throw new LoaderWorkerError('the epoch has not ended');
        return endState;
      },
      close() {
        if (!endState) {
          // An abandoned epoch leaves the worker mid-stream; it cannot be reused.
          failure = new LoaderWorkerError('an epoch was abandoned');
          void worker.terminate();
        }
      },
    };
  };
  return {
    factory,
    close: async () => {
      await worker.terminate();
    },
  };
}
