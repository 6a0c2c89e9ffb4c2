import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFeatureCache, cudaInfo, openFeatureCache } from '@asc/native';
import { addonRequired } from '../../native/test/addon-required';
import {
  checkFeatureParity,
  PARITY_TOLERANCE_DB,
  referenceDifference,
  writeParityClips,
} from '../src/gpu/parity';

// The CUDA path against the CPU path on the parity clip set (src/gpu/parity.ts). Here the
// CUDA kernels' programs run emulated on the host (every machine); on a machine with a
// usable GPU the same checks run on the device (scripts/gpu-check.sh runs them there).

const REFERENCE = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'reference',
  'pipeline_recommended.json',
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-gpu-parity-'));
const haveAddon = addonRequired('gpu-parity.test');
const clips = haveAddon ? writeParityClips(dir) : [];
const cpuCacheDir = path.join(dir, 'cpu');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const describeAddon = haveAddon ? describe : describe.skip;

describeAddon('the CUDA kernels emulated on the host', () => {
  it('compute every clip within 0.01 dB of the CPU, in several slots, long clips on the CPU', async () => {
    // 24 MiB: three slots of one 10 s stereo clip each, so most clips take a launch of
    // their own and the 29.9 s clip fits no slot.
    const budget = 24 * 2 ** 20;
    const r = await checkFeatureParity({
      clips,
      device: 'emulated',
      fft: 'builtin',
      dtype: 'float32',
      cpuCacheDir,
      deviceCacheDir: path.join(dir, 'emulated-builtin'),
      memoryBytes: budget,
      threads: 2,
    });
    expect(r.maxAbsDbDiff).toBeLessThanOrEqual(PARITY_TOLERANCE_DB);
    expect(r.run.fft).toBe('builtin');
    expect(r.run.deviceBytes).toBeLessThanOrEqual(budget);
    expect(r.run.launches).toBeGreaterThanOrEqual(4);
    // A slot holds one 10 s stereo clip: the longer ones are computed on the CPU.
    const long = r.clips.filter((c) => c.samples > 10 * 48000);
    expect(long.map((c) => c.name)).toHaveLength(2);
    expect(r.run.cpuFallbacks).toBe(long.length);
    for (const c of r.clips)
      expect([c.name, c.device]).toEqual([c.name, long.includes(c) ? 'cpu' : 'emulated']);
    // and the reference clip against numpy's float64 pipeline
    const cache = openFeatureCache(path.join(dir, 'emulated-builtin'));
    expect(referenceDifference(cache, 'audio/reference.wav', REFERENCE)).toBeLessThan(
      PARITY_TOLERANCE_DB,
    );
  });

  it('writes the same bytes whatever the slot sizes and the number of threads', async () => {
    const short = clips.filter((c) => c.samples < 10 * 48000);
    const runs = [
      { memoryBytes: 24 * 2 ** 20, threads: 1 },
      { memoryBytes: 96 * 2 ** 20, threads: 3 },
    ].map((o, i) =>
      buildFeatureCache({
        clips: short,
        cacheDir: path.join(dir, `bytes-${i}`),
        device: 'emulated',
        threads: o.threads,
        cuda: { memoryBytes: o.memoryBytes },
      }),
    );
    const [a, b] = await Promise.all(runs);
    expect(a.deviceRun?.launches).toBeGreaterThan(b.deviceRun?.launches as number);
    const shards = (i: number): Map<string, Buffer> => {
      const c = openFeatureCache(path.join(dir, `bytes-${i}`));
      return new Map(
        c.files().map((f) => [f, fs.readFileSync(path.join(c.dir, c.entry(f).shard))]),
      );
    };
    const first = shards(0);
    const second = shards(1);
    expect(first.size).toBe(short.length);
    for (const [file, bytes] of first)
      expect([file, bytes.equals(second.get(file) as Buffer)]).toEqual([file, true]);
  });

  it('computes the cuFFT path (FFTW standing in for cuFFT) within 0.01 dB, to float16', async () => {
    const r = await checkFeatureParity({
      clips: clips.filter((c) => c.samples < 20 * 48000),
      device: 'emulated',
      fft: 'cufft',
      dtype: 'float16',
      cpuCacheDir: path.join(dir, 'cpu-f16'),
      deviceCacheDir: path.join(dir, 'emulated-cufft'),
      memoryBytes: 256 * 2 ** 20,
      threads: 2,
    });
    expect(r.run.fft).toBe('cufft');
    expect(r.maxAbsDbDiff).toBeLessThanOrEqual(PARITY_TOLERANCE_DB);
  });
});

// On a GPU: every FFT path and output type. Skipped, with the reason in its name, where
// no CUDA device is usable.
const info = cudaInfo();
const onGpu = info.usable ? describe : describe.skip;
onGpu(`the CUDA path on the GPU${info.usable ? '' : ` (skipped: ${info.reason})`}`, () => {
  const cases: ['builtin' | 'cufft', 'float32' | 'float16'][] = [
    ['builtin', 'float32'],
    ['cufft', 'float32'],
    ['builtin', 'float16'],
  ];
  it.each(cases)('%s FFT, %s: every clip within 0.01 dB of the CPU', async (fft, dtype) => {
    if (fft === 'cufft' && !info.cufft.found) {
      console.warn(`cuFFT not found (${info.cufft.error}); its case is not run`);
      return;
    }
    const r = await checkFeatureParity({
      clips,
      device: 'cuda',
      fft,
      dtype,
      cpuCacheDir: path.join(dir, `cpu-${dtype}`),
      deviceCacheDir: path.join(dir, `cuda-${fft}-${dtype}`),
    });
    expect(r.run.fft).toBe(fft);
    expect(r.clips.every((c) => c.device === 'cuda')).toBe(true);
    expect(r.maxAbsDbDiff).toBeLessThanOrEqual(PARITY_TOLERANCE_DB);
  });
});
