import type { Rng } from '@asc/core';
import { segmentSize, type ClipRef, type SegmentSource } from './segments';

/** A training batch in host memory: inputs NHWC and one-hot targets. */
export interface Batch {
  size: number;
  /** size x frames x bands x planes */
  x: Float32Array;
  /** size x classes, one-hot */
  y: Float32Array;
}

export interface EpochBatchOptions {
  batchSize: number;
  classes: number;
  /** Clips read (and their segments shuffled together) at a time. */
  windowClips: number;
}

/** Where in an epoch the batches start: the first `skipBatches` are passed over. */
export interface EpochStart {
  skipBatches?: number;
}

interface PendingSegment {
  data: Float32Array;
  offset: number;
  classIndex: number;
}

/**
 * The batches of one epoch. The clip order is a fresh permutation each epoch; clips are
 * read a window at a time, and the segments of the window (plus any left over from the
 * previous one) are shuffled together before they are cut into batches. Memory holds at
 * most one window and one batch, whatever the size of the split. The last batch of the
 * epoch may be smaller (PyTorch's DataLoader default, drop_last=False).
 *
 * `start.skipBatches` resumes an epoch in the middle: the skipped batches draw from `rng`
 * and read their clips exactly as when they were trained, so the batches after them are
 * the same, but they are neither assembled nor yielded.
 */
export function* epochBatches(
  source: SegmentSource,
  clips: readonly ClipRef[],
  rng: Rng,
  options: EpochBatchOptions,
  start: EpochStart = {},
): Generator<Batch> {
  let skip = start.skipBatches ?? 0;
  const size = segmentSize(source.segmentShape);
  const order = rng.permutation(clips.length);
  let next = 0;
  let pending: PendingSegment[] = [];
  while (next < clips.length || pending.length > 0) {
    if (pending.length < options.batchSize && next < clips.length) {
      const end = Math.min(clips.length, next + options.windowClips);
      for (; next < end; next++) {
        const clip = clips[order[next]];
        const { segments, count } = source.read(clip.file);
        for (let s = 0; s < count; s++) {
          pending.push({ data: segments, offset: s * size, classIndex: clip.classIndex });
        }
      }
      rng.shuffle(pending);
      continue;
    }
    const take = Math.min(options.batchSize, pending.length);
    if (skip > 0) {
      skip--;
      pending = pending.slice(take);
      continue;
    }
    const batch: Batch = {
      size: take,
      x: new Float32Array(take * size),
      y: new Float32Array(take * options.classes),
    };
    for (let i = 0; i < take; i++) {
      const seg = pending[i];
      batch.x.set(seg.data.subarray(seg.offset, seg.offset + size), i * size);
      batch.y[i * options.classes + seg.classIndex] = 1;
    }
    pending = pending.slice(take);
    yield batch;
  }
}
