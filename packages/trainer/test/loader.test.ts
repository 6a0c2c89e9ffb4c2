import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { clipsOfSplit, readDataset, synthesizeDataset } from '@asc/datasets';
import { buildFeatureCache, openFeatureCache } from '@asc/native';
import { Rng } from '@asc/core';
import { cacheSegmentSource, inThreadStreams, type Batch, type EpochStreamFactory } from '../src';

// The loader thread runs the BUILT worker script (dist/batch-worker.js); `nx run
// trainer:test` builds first. Its module is loaded from dist so that it finds the script.
const built = require('../dist/batch-stream.js') as typeof import('../src/batch-stream');

async function collect(
  factory: EpochStreamFactory,
  shuffle: number[],
  skipBatches = 0,
): Promise<{ batches: Batch[]; end: number[] }> {
  const stream = factory(shuffle as never, skipBatches);
  const batches: Batch[] = [];
  for (let b = await stream.next(); b; b = await stream.next()) batches.push(b);
  const end = stream.shuffleState();
  stream.close();
  return { batches, end };
}

describe('batch loading on a worker thread', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-loader-'));
    await synthesizeDataset({ outDir: path.join(dir, 'ds'), clips: 9, seed: 4, seconds: 2 });
    const dataset = await readDataset(path.join(dir, 'ds'));
    await buildFeatureCache({
      clips: dataset.clips,
      cacheDir: path.join(dir, 'cache'),
      threads: 1,
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Both loaders over the training split's cache, batches of `batchSize`. */
  async function loaders(batchSize: number) {
    const dataset = await readDataset(path.join(dir, 'ds'));
    const clips = clipsOfSplit(dataset, 'train').map((c) => ({
      file: c.file,
      classIndex: c.classIndex,
    }));
    const cache = openFeatureCache(path.join(dir, 'cache'));
    const options = { batchSize, classes: 3, windowClips: 2 };
    const local = inThreadStreams(cacheSegmentSource(cache, clips), clips, options);
    const worker = built.workerStreams({
      cacheDir: path.join(dir, 'cache'),
      config: cache.config,
      configHash: cache.configHash,
      clips,
      options,
      prefetch: 2,
    });
    return { clips, cache, local, worker };
  }

  it('gives exactly the in-thread batches and shuffle states, epoch after epoch', async () => {
    expect(built.loaderWorkerAvailable()).toBe(true);
    const { clips, cache, local, worker } = await loaders(5);
    try {
      let state = Rng.fromSeed(9).state() as number[];
      for (let epoch = 0; epoch < 2; epoch++) {
        const a = await collect(local, state);
        const b = await collect(worker.factory, state);
        expect(b.end).toEqual(a.end);
        expect(b.batches.map((x) => x.size)).toEqual(a.batches.map((x) => x.size));
        expect(a.batches.reduce((n, x) => n + x.size, 0)).toBe(clips.length * 2);
        b.batches.forEach((x, i) => {
          expect(Buffer.from(x.x.buffer).equals(Buffer.from(a.batches[i].x.buffer))).toBe(true);
          expect(Array.from(x.y)).toEqual(Array.from(a.batches[i].y));
        });
        state = a.end;
      }
    } finally {
      await worker.close();
      cache.close();
    }
  });

  it('resumes an epoch after k batches with exactly the rest of its batches, on both loaders', async () => {
    const { cache, local, worker } = await loaders(2);
    try {
      const state = Rng.fromSeed(3).state() as number[];
      const whole = await collect(local, state);
      expect(whole.batches.length).toBeGreaterThan(3);
      for (const skip of [1, 3, whole.batches.length]) {
        for (const factory of [local, worker.factory]) {
          const rest = await collect(factory, state, skip);
          expect(rest.end).toEqual(whole.end);
          expect(rest.batches.length).toBe(whole.batches.length - skip);
          rest.batches.forEach((x, i) => {
            const same = whole.batches[skip + i];
            expect(Buffer.from(x.x.buffer).equals(Buffer.from(same.x.buffer))).toBe(true);
            expect(Array.from(x.y)).toEqual(Array.from(same.y));
          });
        }
      }
    } finally {
      await worker.close();
      cache.close();
    }
  });

  it('reports a cache the worker cannot open', async () => {
    const cache = openFeatureCache(path.join(dir, 'cache'));
    const worker = built.workerStreams({
      cacheDir: path.join(dir, 'cache'),
      config: cache.config,
      configHash: 'not-this-one',
      clips: [],
      options: { batchSize: 5, classes: 3, windowClips: 2 },
      prefetch: 2,
    });
    const stream = worker.factory(Rng.fromSeed(1).state());
    await expect(stream.next()).rejects.toThrow(/batch loader: .*not-this-one/);
    await worker.close();
    cache.close();
  });
});
