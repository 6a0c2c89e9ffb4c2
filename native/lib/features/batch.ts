import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomically } from './atomic';
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

async function processOne(file: string, index: number, o: BatchOptions): Promise<BatchOutcome> {
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
    await writeFileAtomically(shardPath, shard);
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

/**
 * The TypeScript batch: one file at a time on the main thread, yielding to the event
 * loop between files. Same outcomes and shard files as the native batch.
 */
export async function runBatchJs(
  paths: string[],
  options: BatchOptions,
  onOutcome: (o: BatchOutcome) => void,
  cancelled: () => boolean,
): Promise<void> {
  for (let i = 0; i < paths.length; i++) {
    if (cancelled()) {
      onOutcome({ index: i, status: 'cancelled', audioBytes: 0, seconds: 0 });
      continue;
    }
    onOutcome(await processOne(paths[i], i, options));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
