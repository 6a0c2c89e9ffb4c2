import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeWavPcm24 } from '@asc/datasets';
import { cudaInfo, openFeatureCache } from '@asc/native';
import { runAsc } from './helpers';

// `asc features` end to end on a hand-written six-file dataset with one broken file.

const FILES: [string, string, string][] = [
  ['audio/airport-lisbon-1000-40000-a.wav', 'indoor', 'train'],
  ['audio/park-helsinki-1003-40003-a.wav', 'outdoor', 'train'],
  ['audio/bus-milan-1006-40006-a.wav', 'transportation', 'train'],
  ['audio/shopping_mall-paris-1002-40002-a.wav', 'indoor', 'evaluate'],
  ['audio/public_square-lyon-1005-40005-a.wav', 'outdoor', 'evaluate'],
  ['audio/tram-vienna-1008-40008-a.wav', 'transportation', 'evaluate'],
];
const BROKEN = FILES[4][0];

function writeDataset(broken: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-features-cli-'));
  fs.mkdirSync(path.join(root, 'audio'));
  fs.mkdirSync(path.join(root, 'evaluation_setup'));
  const id = (f: string): string => f.split('-').slice(1, 3).join('-');
  const meta = ['filename\tscene_label\tidentifier\tsource_label'];
  const split: Record<string, string[]> = {
    train: ['filename\tscene_label'],
    evaluate: ['filename\tscene_label'],
  };
  const test = ['filename'];
  FILES.forEach(([file, label, s], i) => {
    meta.push(`${file}\t${label}\t${id(file)}\ta`);
    split[s].push(`${file}\t${label}`);
    if (s === 'evaluate') test.push(file);
    const n = 48000;
    const tone = Float64Array.from(
      { length: n },
      (_, k) => 0.3 * Math.sin((2 * Math.PI * (200 + 100 * i) * k) / 48000),
    );
    fs.writeFileSync(
      path.join(root, file),
      broken.includes(file)
        ? 'RIFF....garbage'
        : encodeWavPcm24([tone, tone.map((v) => 0.5 * v)], 48000),
    );
  });
  fs.writeFileSync(path.join(root, 'meta.csv'), meta.join('\n') + '\n');
  fs.writeFileSync(
    path.join(root, 'evaluation_setup', 'fold1_train.csv'),
    split.train.join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(root, 'evaluation_setup', 'fold1_evaluate.csv'),
    split.evaluate.join('\n') + '\n',
  );
  fs.writeFileSync(path.join(root, 'evaluation_setup', 'fold1_test.csv'), test.join('\n') + '\n');
  return root;
}

describe('asc features', () => {
  const root = writeDataset([BROKEN]);
  const cache = path.join(root, 'cache');

  it('extracts every good file, lists the broken one and exits 0', () => {
    const r = runAsc(['features', '--dataset', root, '--cache', cache, '--threads', '2', '--json']);
    expect(r.status).toBe(0);
    const out = r.json();
    expect(Object.keys(out).sort()).toEqual([
      'device',
      'deviceReason',
      'extracted',
      'failed',
      'files',
      'filesPerSec',
      'reused',
      'seconds',
    ]);
    expect(out).toMatchObject({ files: 6, extracted: 5, reused: 0 });
    expect(out.failed).toEqual([{ file: BROKEN, error: expect.stringContaining(BROKEN) }]);
    expect(r.stderr).toContain(`failed: ${BROKEN}`);
    const c = openFeatureCache(cache);
    expect(c.files()).toHaveLength(5);
    expect(c.read(FILES[0][0]).shape).toEqual([1, 128, 128, 2]);
  });

  // Where no CUDA device is usable (CI, this project's build machines).
  const cuda = cudaInfo();
  const withoutGpu = cuda.usable ? it.skip : it;

  withoutGpu('--device auto computes on the CPU and says why; the manifest records it', () => {
    const cache2 = path.join(root, 'cache-auto');
    const r = runAsc(['features', '--dataset', root, '--cache', cache2, '--json']);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({
      device: 'cpu',
      deviceReason: `CUDA is not usable: ${cuda.reason}`,
    });
    expect(r.stderr).toContain(`device: cpu (CUDA is not usable: ${cuda.reason})`);
    expect(openFeatureCache(cache2).entry(FILES[0][0]).device).toBe('cpu');
  });

  withoutGpu('--device cuda exits 1 naming the reason, before computing anything', () => {
    const cache2 = path.join(root, 'cache-cuda');
    const r = runAsc([
      'features',
      '--dataset',
      root,
      '--cache',
      cache2,
      '--device',
      'cuda',
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(r.json().error).toBe(`--device cuda: ${cuda.reason}`);
    expect(fs.existsSync(cache2)).toBe(false);
  });

  it('--device cuda with the TypeScript backend is a usage error', () => {
    const r = runAsc([
      'features',
      '--dataset',
      root,
      '--cache',
      cache,
      '--device',
      'cuda',
      '--backend',
      'js',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--device cuda needs the native backend/);
  });

  it('reuses the cache on a second run', () => {
    const r = runAsc(['features', '--dataset', root, '--cache', cache, '--json']);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ files: 6, extracted: 0, reused: 5 });
  });

  it('--prune deletes the shard a changed file left behind, and only that', () => {
    const root2 = writeDataset([]);
    const cache2 = path.join(root2, 'cache');
    expect(runAsc(['features', '--dataset', root2, '--cache', cache2]).status).toBe(0);
    const shardOf = (file: string): string => {
      const c = openFeatureCache(cache2);
      return path.join(c.dir, c.entry(file).shard);
    };
    const shardsDir = path.dirname(shardOf(FILES[0][0]));
    const before = fs.readdirSync(shardsDir).sort();
    expect(before).toHaveLength(6);
    // New audio for one file: its features get a new shard, the old one is named by nothing.
    const changed = path.join(root2, FILES[0][0]);
    const tone = Float64Array.from({ length: 48000 }, (_, k) => 0.2 * Math.sin(k / 9));
    fs.writeFileSync(changed, encodeWavPcm24([tone, tone], 48000));
    const orphan = shardOf(FILES[0][0]);
    expect(runAsc(['features', '--dataset', root2, '--cache', cache2]).status).toBe(0);
    expect(fs.readdirSync(shardsDir)).toHaveLength(7);
    const pruned = runAsc(['features', '--dataset', root2, '--cache', cache2, '--prune']);
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toMatch(/pruned 1 unused shards/);
    const after = fs.readdirSync(shardsDir).sort();
    expect(after).toHaveLength(6);
    expect(after).not.toContain(path.basename(orphan));
    const c = openFeatureCache(cache2);
    for (const [file] of FILES) expect(c.read(file).shape).toEqual([1, 128, 128, 2]);
    fs.rmSync(root2, { recursive: true, force: true });
  });

  it('writes float16 with the TypeScript backend when asked', () => {
    const dir16 = path.join(root, 'cache16');
    const r = runAsc([
      'features',
      '--dataset',
      root,
      '--cache',
      dir16,
      '--dtype',
      'float16',
      '--backend',
      'js',
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ extracted: 5 });
    expect(openFeatureCache(dir16).entry(FILES[0][0]).dtype).toBe('float16');
  });

  it('exits 1 when no file succeeds', () => {
    const allBroken = writeDataset(FILES.map((f) => f[0]));
    const r = runAsc([
      'features',
      '--dataset',
      allBroken,
      '--cache',
      path.join(allBroken, 'c'),
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(r.json()).toMatchObject({ files: 6, extracted: 0, exitCode: 1 });
  });

  it('--allow-truncated keeps a truncated file and records it; without it the file fails', () => {
    const root3 = writeDataset([]);
    const cut = path.join(root3, FILES[1][0]);
    const whole = fs.readFileSync(cut);
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 6000));
    const cache3 = path.join(root3, 'cache');
    const strict = runAsc(['features', '--dataset', root3, '--cache', cache3, '--json']);
    expect(strict.status).toBe(0);
    expect(strict.json().failed).toEqual([
      {
        file: FILES[1][0],
        error: expect.stringMatching(/declares 288000 bytes.*--allow-truncated/),
      },
    ]);
    const kept = runAsc(['features', '--dataset', root3, '--cache', cache3, '--allow-truncated']);
    expect(kept.status).toBe(0);
    expect(kept.stderr).toContain('1 truncated files: features of what they hold');
    expect(openFeatureCache(cache3).entry(FILES[1][0]).source).toMatchObject({ truncated: true });
    fs.rmSync(root3, { recursive: true, force: true });
  });

  it.each([
    [['--threads', '0']],
    [['--dtype', 'float8']],
    [['--backend', 'gpu']],
    [['--channels', '0']],
    [['--channels', '1,2,3']],
    [['--resample-quality', 'best']],
  ])('exits 2 on a bad flag %j', (flags) => {
    const r = runAsc(['features', '--dataset', root, '--cache', cache, ...flags, '--json']);
    expect(r.status).toBe(2);
  });

  it('exits 2 on a missing dataset directory', () => {
    const r = runAsc([
      'features',
      '--dataset',
      path.join(root, 'nope'),
      '--cache',
      cache,
      '--json',
    ]);
    expect(r.status).toBe(2);
    expect(r.json().error).toContain('nope');
  });
});
