/**
 * The loader thread of workerStreams(): opens the feature cache, and per epoch streams
 * the batches of epochBatches() to the trainer, at most `prefetch` ahead (one credit per
 * batch consumed). Segment buffers are transferred, not copied.
 */
import { parentPort, workerData } from 'worker_threads';
import { openFeatureCache } from '@asc/native';
import { epochBatches } from './batches';
import type { CacheLoaderSpec, LoaderReply, LoaderRequest } from './batch-stream';
import { cacheSegmentSource } from './cache-source';
import { Rng } from '@asc/core';

const spec = workerData as CacheLoaderSpec;
const port = parentPort;
if (!port) throw new Error('batch-worker must run as a worker thread');

const cache = openFeatureCache(spec.cacheDir, spec.config);
if (cache.configHash !== spec.configHash) {
  throw new Error(
    `cache ${spec.cacheDir} holds config ${cache.configHash}, expected ${spec.configHash}`,
  );
}
const source = cacheSegmentSource(cache, spec.clips);

let credits = spec.prefetch;
let wake: (() => void) | undefined;
let pendingEpochs: { rng: Rng; skipBatches: number }[] = [];
let running = false;

const post = (reply: LoaderReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(reply, transfer);

async function runEpoch(rng: Rng, skipBatches: number): Promise<void> {
  for (const batch of epochBatches(source, spec.clips, rng, spec.options, { skipBatches })) {
    while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    post({ type: 'batch', size: batch.size, x: batch.x, y: batch.y }, [
      batch.x.buffer as ArrayBuffer,
      batch.y.buffer as ArrayBuffer,
    ]);
  }
  post({ type: 'end', shuffle: rng.state() });
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (pendingEpochs.length > 0) {
      const { rng, skipBatches } = pendingEpochs[0];
      pendingEpochs = pendingEpochs.slice(1);
      await runEpoch(rng, skipBatches);
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  } finally {
    running = false;
  }
}

port.on('message', (msg: LoaderRequest) => {
  if (msg.type === 'epoch') {
    pendingEpochs.push({ rng: Rng.fromState(msg.shuffle), skipBatches: msg.skipBatches });
    void drain();
  } else {
    credits += 1;
    const w = wake;
    wake = undefined;
    w?.();
  }
});
