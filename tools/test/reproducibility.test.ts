import * as fs from 'fs';
import * as path from 'path';
import { runAsc, trainingFixture } from './helpers';

// "The same seed gives the same bytes", end to end through the built CLI and across
// processes: two `asc features` runs (1 and 2 threads) write identical caches, and two
// `asc train` runs, one on each cache and on 1 and 2 kernel threads, end with identical
// weights and run records (the kernels split their reductions into parts that do not
// depend on the thread count: native/src/kernels/parallel.h).

/** Every file under `dir`, relative path -> bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (sub: string): void => {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, e.name);
      if (e.isDirectory()) walk(rel);
      else out.set(rel, fs.readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return out;
}

/** A JSON file with the named fields, at any depth, blanked: times and paths. */
function jsonWithout(file: string, fields: string[]): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) =>
    fields.includes(key) ? null : value,
  );
}

describe('reproducibility across processes', () => {
  let dir: string;
  let dataset: string;
  let spec: string;

  beforeAll(() => {
    ({ dir, dataset, spec } = trainingFixture('asc-repro-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('features on 1 and 2 threads, then training on each cache, give the same bytes', () => {
    const caches = [1, 2].map((threads) => {
      const cache = path.join(dir, `cache-${threads}`);
      const r = runAsc([
        'features',
        '--dataset',
        dataset,
        '--cache',
        cache,
        '--threads',
        `${threads}`,
      ]);
      if (r.status !== 0) throw new Error(`asc features failed: ${r.stderr}`);
      return cache;
    });
    const [a, b] = caches.map(filesUnder);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    const shards = [...a.keys()].filter((f) => f.endsWith('.seg'));
    expect(shards).toHaveLength(24);
    for (const f of shards)
      expect({ f, same: a.get(f)?.equals(b.get(f) as Buffer) }).toEqual({ f, same: true });
    const manifests = caches.map((c) =>
      jsonWithout(path.join(c, [...a.keys()].find((f) => f.endsWith('manifest.json')) as string), [
        'updatedAt',
      ]),
    );
    expect(manifests[1]).toEqual(manifests[0]);

    const runs = caches.map((cache, i) => {
      const run = path.join(dir, `run-${i}`);
      const r = runAsc([
        'train',
        '--model',
        spec,
        '--dataset',
        dataset,
        '--cache',
        cache,
        '--run',
        run,
        '--recipe',
        'search',
        '--epochs',
        '2',
        '--seed',
        '5',
        '--threads',
        `${i + 1}`,
      ]);
      if (r.status !== 0) throw new Error(`asc train failed: ${r.stderr}`);
      return run;
    });
    for (const weights of ['model-fp32/weights.bin', 'model-fp16/weights.fp16.bin']) {
      const [x, y] = runs.map((run) => fs.readFileSync(path.join(run, weights)));
      expect({ weights, same: x.equals(y) }).toEqual({ weights, same: true });
    }
    const records = runs.map((run) =>
      jsonWithout(path.join(run, 'run.json'), [
        'seconds',
        'samplesPerSec',
        'startedAt',
        'updatedAt',
        'cacheDir',
        'threads',
      ]),
    );
    expect(records[1]).toEqual(records[0]);
  });
});
