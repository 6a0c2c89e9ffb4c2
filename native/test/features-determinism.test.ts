import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildFeatureCache, openFeatureCache } from '@asc/native';
import { tempDir, writeStereo24 } from './features-helpers';
import { addonRequired } from './addon-required';

// The house promise "the same input gives the same bytes" for the feature cache: separate
// processes, each planning its own FFT, and different thread counts must write identical
// shards. With FFTW_MEASURE planning they did not: the planner's timings picked different
// codelets per process and the features differed in the last bits. Whether a given run
// exposes that depends on those timings; with six child processes the first test failed
// in 7 of 8 runs against an addon built with FFTW_MEASURE.

const DIST = path.join(__dirname, '..', 'dist', 'index.js');
const backend = addonRequired('features-determinism.test, native backend') ? 'native' : 'js';

const dirs: string[] = [];
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const root = scratch('determinism-data');
fs.mkdirSync(path.join(root, 'audio'));
// Short clips, the default config: the FFT size (2048) and filter bank are the real ones.
const clips = [1, 2, 3].map((seed) => {
  const file = `audio/clip-${seed}.wav`;
  writeStereo24(path.join(root, file), 1.5, seed);
  return { file, path: path.join(root, file) };
});

/** SHA-256 of every file under the cache's config directory, keyed by its relative path. */
function digests(cacheDir: string): Record<string, string> {
  const dir = openFeatureCache(cacheDir).dir;
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(dir, 'shards')).sort()) {
    const bytes = fs.readFileSync(path.join(dir, 'shards', name));
    out[`shards/${name}`] = createHash('sha256').update(bytes).digest('hex');
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    updatedAt: string;
  };
  manifest.updatedAt = '';
  out['manifest.json (without updatedAt)'] = createHash('sha256')
    .update(JSON.stringify(manifest))
    .digest('hex');
  return out;
}

/** Builds the cache in a fresh Node process from the built package. */
function buildInChild(
  cacheDir: string,
  childBackend: 'native' | 'js',
  threads: number,
): Promise<{ extracted: number; threads: number }> {
  const script = `
    const { buildFeatureCache } = require(${JSON.stringify(DIST)});
    buildFeatureCache({ clips: ${JSON.stringify(clips)}, cacheDir: ${JSON.stringify(cacheDir)},
      backend: ${JSON.stringify(childBackend)}, threads: ${threads} })
      .then((r) => console.log(JSON.stringify({ extracted: r.extracted, threads: r.threads })));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as { extracted: number; threads: number });
      else
        reject(new Error(`child (${childBackend}, ${threads} threads) exited ${code}: ${stderr}`));
    });
  });
}

describe(`feature determinism across processes (${backend} backend)`, () => {
  it('writes byte-identical shards in separate processes and with 1, 2 or 3 threads', async () => {
    const here = scratch('determinism-here');
    await buildFeatureCache({ clips, cacheDir: here, backend, threads: 2 });
    const expected = digests(here);
    expect(Object.keys(expected)).toHaveLength(clips.length + 1);
    // Run together, so each process plans while the others load the CPUs, as in a search.
    const runs = [1, 2, 3, 1, 2, 3].map((threads) => ({
      threads,
      dir: scratch('determinism-child'),
    }));
    const reports = await Promise.all(runs.map((r) => buildInChild(r.dir, backend, r.threads)));
    expect(reports.map((r) => r.extracted)).toEqual(runs.map(() => clips.length));
    for (const r of runs)
      expect({ threads: r.threads, files: digests(r.dir) }).toEqual({
        threads: r.threads,
        files: expected,
      });
  });

  it('writes the same TypeScript-backend shards on 1 and 2 worker threads', async () => {
    const runs = [1, 2].map((threads) => ({ threads, dir: scratch('determinism-js') }));
    const reports = await Promise.all(runs.map((r) => buildInChild(r.dir, 'js', r.threads)));
    expect(reports).toEqual([
      { extracted: clips.length, threads: 1 },
      { extracted: clips.length, threads: 2 },
    ]);
    expect(digests(runs[1].dir)).toEqual(digests(runs[0].dir));
  });
});
