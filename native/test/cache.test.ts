import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  buildFeatureCache,
  computeClipFeatures,
  CorruptShardError,
  FeatureBuildAborted,
  openFeatureCache,
  type FeatureCacheReport,
} from '@asc/native';
import { isAtomicTemp } from '@asc/core';
import { addonRequired } from './addon-required';
import { syntheticStereo24, tempDir, wavBytes, writeStereo24 } from './features-helpers';

// The feature cache: reuse, invalidation, configs side by side, corrupt shards, float16,
// resume after a killed build, cancellation, and reading without the addon.

const backend = addonRequired('cache.test, native backend') ? 'native' : 'js';
const DIST = path.join(__dirname, '..', 'dist', 'index.js');

function dataset(
  n: number,
  seconds = 2,
): { root: string; clips: { file: string; path: string }[] } {
  const root = tempDir('cache-data');
  fs.mkdirSync(path.join(root, 'audio'));
  const clips = Array.from({ length: n }, (_, i) => {
    const file = `audio/clip-${i}.wav`;
    writeStereo24(path.join(root, file), seconds, i + 1);
    return { file, path: path.join(root, file) };
  });
  return { root, clips };
}

const data = dataset(4);
const cacheDir = tempDir('cache');
let first: FeatureCacheReport;

beforeAll(async () => {
  const bad = path.join(data.root, 'audio', 'bad.wav');
  fs.writeFileSync(bad, 'not a wav');
  first = await buildFeatureCache({
    clips: [
      ...data.clips,
      { file: 'audio/bad.wav', path: bad },
      { file: 'audio/missing.wav', path: path.join(data.root, 'audio', 'missing.wav') },
    ],
    cacheDir,
    threads: 2,
    backend,
  });
});

describe(`feature cache (${backend} backend)`, () => {
  it('extracts every good file, lists the bad ones by name and goes on', () => {
    expect(first.files).toBe(6);
    expect(first.extracted).toBe(4);
    expect(first.reused).toBe(0);
    expect(first.failed.map((f) => [f.file, f.code])).toEqual(
      expect.arrayContaining([
        ['audio/bad.wav', 'unrecognised-format'],
        ['audio/missing.wav', 'io'],
      ]),
    );
    expect(first.failed[0].error).toContain(first.failed[0].file);
    const cache = openFeatureCache(cacheDir);
    expect(cache.files()).toEqual(data.clips.map((c) => c.file));
    expect(cache.has('audio/bad.wav')).toBe(false);
  });

  it('reads back exactly what computeClipFeatures computes (NHWC, 2 s -> 2 segments)', async () => {
    const cache = openFeatureCache(cacheDir);
    const got = cache.read('audio/clip-1.wav');
    const direct = await computeClipFeatures(data.clips[1].path, {}, { backend });
    expect(got.shape).toEqual([2, 128, 128, 2]);
    expect(Buffer.from(got.segments.buffer).equals(Buffer.from(direct.segments.buffer))).toBe(true);
  });

  it('reuses everything on a second run', async () => {
    const again = await buildFeatureCache({ clips: data.clips, cacheDir, backend });
    expect([again.extracted, again.reused, again.failed.length]).toEqual([0, 4, 0]);
  });

  it('redoes a file whose content changed', async () => {
    const cache = openFeatureCache(cacheDir);
    const before = cache.read('audio/clip-2.wav').segments;
    writeStereo24(data.clips[2].path, 2, 99);
    const again = await buildFeatureCache({ clips: data.clips, cacheDir, backend });
    expect([again.extracted, again.reused]).toEqual([1, 3]);
    const after = openFeatureCache(cacheDir).read('audio/clip-2.wav').segments;
    expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(false);
  });

  it('keeps two configs side by side', async () => {
    const other = await buildFeatureCache({
      clips: data.clips,
      cacheDir,
      config: { topDb: 60 },
      backend,
    });
    expect(other.extracted).toBe(4);
    const a = openFeatureCache(cacheDir, {});
    const b = openFeatureCache(cacheDir, { topDb: 60 });
    expect(a.configHash).not.toBe(b.configHash);
    expect(b.config.topDb).toBe(60);
    // -60 padding in the second, -80 in the first
    const lastA = a.read('audio/clip-0.wav').segments;
    const lastB = b.read('audio/clip-0.wav').segments;
    expect(lastA[lastA.length - 1]).toBe(-80);
    expect(lastB[lastB.length - 1]).toBe(-60);
    const again = await buildFeatureCache({ clips: data.clips, cacheDir, backend });
    expect(again.reused).toBe(4);
  });

  it('detects a corrupt shard on read and rebuilds it', async () => {
    const cache = openFeatureCache(cacheDir);
    const good = cache.read('audio/clip-3.wav').segments;
    const shard = path.join(cache.dir, cache.entry('audio/clip-3.wav').shard);
    const bytes = fs.readFileSync(shard);
    bytes[1000] ^= 0x40;
    fs.writeFileSync(shard, bytes);
    expect(() => cache.read('audio/clip-3.wav')).toThrow(CorruptShardError);
    expect(() => cache.read('audio/clip-3.wav')).toThrow(/clip-3\.wav/);
    const again = await buildFeatureCache({ clips: data.clips, cacheDir, backend });
    expect([again.extracted, again.repaired, again.reused]).toEqual([1, 1, 3]);
    const fixed = openFeatureCache(cacheDir).read('audio/clip-3.wav').segments;
    expect(Buffer.from(fixed.buffer).equals(Buffer.from(good.buffer))).toBe(true);
  });

  it('records each source; keeps truncated files only when allowed, and says so on reuse', async () => {
    const root = tempDir('cache-sources');
    const [l, r] = syntheticStereo24(1, 3);
    const clip = (file: string, bytes: Buffer): { file: string; path: string } => {
      fs.writeFileSync(path.join(root, file), bytes);
      return { file, path: path.join(root, file) };
    };
    const full = wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [l, r] });
    const clips = [
      clip('four.wav', wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [l, r, r, l] })),
      clip('cut.wav', full.subarray(0, full.length - 3000)),
    ];
    if (backend === 'native') {
      clips.push(
        clip(
          'mono44.wav',
          wavBytes({ tag: 1, bits: 24, sampleRateHz: 44100, channels: [l.subarray(0, 44100)] }),
        ),
      );
    }
    const dir = tempDir('cache-sources-out');
    const strict = await buildFeatureCache({ clips, cacheDir: dir, backend });
    expect(strict.failed.map((f) => [f.file, f.code])).toEqual([['cut.wav', 'truncated']]);
    expect(strict.failed[0].error).toMatch(/declares 288000 bytes but the file holds 285000/);
    expect(strict.multichannel).toBe(1);
    const lenient = await buildFeatureCache({
      clips,
      cacheDir: dir,
      backend,
      allowTruncated: true,
    });
    expect([lenient.extracted, lenient.truncated]).toEqual([1, 1]);
    const cache = openFeatureCache(dir);
    expect(cache.entry('four.wav').source).toEqual({
      format: 'wav/pcm24',
      sampleRateHz: 48000,
      channels: 4,
      channelsUsed: [1, 2],
    });
    expect(cache.entry('cut.wav').source).toEqual({
      format: 'wav/pcm24',
      sampleRateHz: 48000,
      channels: 2,
      truncated: true,
    });
    if (backend === 'native') {
      expect(strict.resampled).toBe(1);
      expect(cache.entry('mono44.wav').source).toEqual({
        format: 'wav/pcm24',
        sampleRateHz: 44100,
        channels: 1,
      });
      expect(cache.entry('mono44.wav').channels).toBe(1);
    }
    // The shard of the truncated file stays, but a strict build does not take it.
    const again = await buildFeatureCache({ clips, cacheDir: dir, backend });
    expect(again.failed.map((f) => [f.file, f.code])).toEqual([['cut.wav', 'truncated']]);
    expect(again.failed[0].error).toMatch(/cached features are of what is there/);
    const allowed = await buildFeatureCache({
      clips,
      cacheDir: dir,
      backend,
      allowTruncated: true,
    });
    expect([allowed.reused, allowed.truncated]).toEqual([clips.length, 1]);
    expect(openFeatureCache(dir).entry('cut.wav').source?.truncated).toBe(true);
  });

  (backend === 'native' ? it : it.skip)(
    'resamples each clip of a batch as a fresh resampler would (one thread, state cleared between clips)',
    async () => {
      const root = tempDir('cache-resample');
      const clips = [1, 2, 3].map((seed) => {
        const file = `c${seed}.wav`;
        const [l, r] = syntheticStereo24(1, seed, 44100);
        fs.writeFileSync(
          path.join(root, file),
          wavBytes({ tag: 1, bits: 24, sampleRateHz: 44100, channels: [l, r] }),
        );
        return { file, path: path.join(root, file) };
      });
      const dir = tempDir('cache-resample-out');
      const report = await buildFeatureCache({ clips, cacheDir: dir, backend, threads: 1 });
      expect([report.extracted, report.resampled]).toEqual([3, 3]);
      const cache = openFeatureCache(dir);
      for (const clip of clips) {
        const alone = await computeClipFeatures(clip.path, {}, { backend });
        expect(
          Buffer.from(cache.read(clip.file).segments.buffer).equals(
            Buffer.from(alone.segments.buffer),
          ),
        ).toBe(true);
      }
    },
  );

  it('channels [3, 4] is another config, whose 4-channel clips use those channels', async () => {
    const root = tempDir('cache-channels');
    const [l, r] = syntheticStereo24(1, 4);
    const file = path.join(root, 'four.wav');
    fs.writeFileSync(
      file,
      wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [l, r, r, l] }),
    );
    const dir = tempDir('cache-channels-out');
    const clips = [{ file: 'four.wav', path: file }];
    await buildFeatureCache({ clips, cacheDir: dir, backend });
    const swapped = await buildFeatureCache({
      clips,
      cacheDir: dir,
      backend,
      config: { channels: [3, 4] },
    });
    expect(swapped.extracted).toBe(1);
    const a = openFeatureCache(dir, {}).read('four.wav').segments;
    const b = openFeatureCache(dir, { channels: [3, 4] }).read('four.wav').segments;
    // channels 3, 4 are R, L: the same mid plane, the side plane negated (valid frames).
    const entry = openFeatureCache(dir, {}).entry('four.wav');
    for (let i = 0; i < entry.frames * entry.bands * 2; i += 2) {
      expect(b[i]).toBe(a[i]);
      if (b[i + 1] !== -a[i + 1]) expect([i, b[i + 1]]).toEqual([i, -a[i + 1]]);
    }
    expect(
      openFeatureCache(dir, { channels: [3, 4] }).entry('four.wav').source?.channelsUsed,
    ).toEqual([3, 4]);
  });

  it('stores float16 in half the bytes, within half precision of float32', async () => {
    const dir16 = tempDir('cache16');
    const r = await buildFeatureCache({
      clips: data.clips,
      cacheDir: dir16,
      dtype: 'float16',
      backend,
    });
    expect(r.extracted).toBe(4);
    const c16 = openFeatureCache(dir16);
    const c32 = openFeatureCache(cacheDir);
    const e16 = c16.entry('audio/clip-0.wav');
    const e32 = c32.entry('audio/clip-0.wav');
    expect(e16.dtype).toBe('float16');
    expect(e16.shardBytes - 64).toBe((e32.shardBytes - 64) / 2);
    const a = c32.read('audio/clip-0.wav').segments;
    const b = c16.read('audio/clip-0.wav').segments;
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / (Math.abs(a[i]) * 2 ** -11 + 2 ** -24));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('rejects with the error of a throwing onProgress, without crashing the process', async () => {
    const dir = tempDir('cache-throw');
    const err = await buildFeatureCache({
      clips: data.clips,
      cacheDir: dir,
      backend,
      onProgress: () => {
        throw new Error('progress callback failed');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('progress callback failed');
    const again = await buildFeatureCache({ clips: data.clips, cacheDir: dir, backend });
    expect(again.reused + again.extracted).toBe(4);
  });

  it('stops on abort, keeps what was done, and the event loop keeps running', async () => {
    // Enough clips that the native thread cannot finish them all before the first progress
    // callback reaches the event loop and aborts, even on a loaded machine (6 clips raced).
    const many = dataset(40);
    const dir = tempDir('cache-abort');
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const err = await buildFeatureCache({
      clips: many.clips,
      cacheDir: dir,
      threads: 1,
      backend,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 1) controller.abort();
      },
    }).catch((e: unknown) => e);
    clearInterval(ticker);
    expect(err).toBeInstanceOf(FeatureBuildAborted);
    const done = (err as FeatureBuildAborted).report as FeatureCacheReport;
    expect(done.extracted).toBeGreaterThanOrEqual(1);
    expect(done.extracted).toBeLessThan(40);
    expect(openFeatureCache(dir).files()).toHaveLength(done.extracted);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('resume and readers in other processes (needs native/dist: nx run native:build)', () => {
  beforeAll(() => {
    if (!fs.existsSync(DIST)) throw new Error(`${DIST} is missing: run npx nx run native:build`);
  });

  it('resumes a build whose process was killed mid-way', async () => {
    const many = dataset(8);
    const dir = tempDir('cache-kill');
    // The child stalls for good in its progress callback after the second file and says so
    // with a marker file; the test kills it once the marker is there. Nothing depends on
    // timing, so the kill lands mid-build however slow or loaded the machine is.
    const marker = path.join(dir, 'stalled-after-2');
    const script = `
      const fs = require('fs');
      const { buildFeatureCache } = require(${JSON.stringify(DIST)});
      buildFeatureCache({ clips: ${JSON.stringify(many.clips)}, cacheDir: ${JSON.stringify(dir)},
        backend: 'js', threads: 1, onProgress: (p) => {
          if (p.done !== 2) return;
          fs.writeFileSync(${JSON.stringify(marker)}, '');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        } });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let running = true;
    void exited.then(() => (running = false));
    while (running && !fs.existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect({ signal: child.signalCode, code: child.exitCode, stderr }).toEqual({
      signal: 'SIGKILL',
      code: null,
      stderr: '',
    });
    const resumed = await buildFeatureCache({ clips: many.clips, cacheDir: dir, backend });
    expect(resumed.reused).toBeGreaterThanOrEqual(2);
    expect(resumed.reused).toBeLessThan(8);
    expect(resumed.reused + resumed.extracted).toBe(8);
    const cache = openFeatureCache(dir);
    expect(cache.files()).toHaveLength(8);
    for (const f of cache.files()) expect(cache.read(f).shape).toEqual([2, 128, 128, 2]);
    const leftovers = fs.readdirSync(path.join(cache.dir, 'shards')).filter(isAtomicTemp);
    expect(leftovers).toEqual([]);
  });

  it('runs the TypeScript batch on worker threads from the built package', () => {
    const dir = tempDir('cache-workers');
    const script = `
      const { buildFeatureCache } = require(${JSON.stringify(DIST)});
      buildFeatureCache({ clips: ${JSON.stringify(data.clips)}, cacheDir: ${JSON.stringify(dir)},
        backend: 'js', threads: 2 }).then((r) => console.log(JSON.stringify(r)));`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const report = JSON.parse(out.stdout) as FeatureCacheReport;
    expect([report.extracted, report.threads, report.backend]).toEqual([4, 2, 'js']);
    const js = openFeatureCache(dir).read('audio/clip-1.wav').segments;
    const reference = openFeatureCache(cacheDir).read('audio/clip-1.wav').segments;
    let worst = 0;
    for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(js[i] - reference[i]));
    expect(worst).toBeLessThan(0.01);
  });

  it('is readable with plain fs in a process without the addon', () => {
    const script = `
      const { openFeatureCache, addonAvailable } = require(${JSON.stringify(DIST)});
      const c = openFeatureCache(${JSON.stringify(cacheDir)});
      const r = c.read('audio/clip-0.wav');
      let sum = 0; for (const v of r.segments) sum += v;
      console.log(JSON.stringify({ addon: addonAvailable(), shape: r.shape, sum }));`;
    const out = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, ASC_NATIVE: '0' },
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    const r = JSON.parse(out.stdout) as { addon: boolean; shape: number[]; sum: number };
    const here = openFeatureCache(cacheDir).read('audio/clip-0.wav');
    let sum = 0;
    for (const v of here.segments) sum += v;
    expect(r).toEqual({ addon: false, shape: here.shape, sum });
  });
});
