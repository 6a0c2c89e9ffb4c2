import * as fs from 'fs';
import * as path from 'path';
import {
  buildFeatureCache,
  cudaInfo,
  CudaUnavailableError,
  DEFAULT_FEATURE_CONFIG,
  loadAddon,
  nativeFeatures,
  openFeatureCache,
  resolveFeatureConfig,
  type FeatureConfig,
} from '@asc/native';
import { addonRequired } from './addon-required';
import { referenceSignal, syntheticStereo24, tempDir, wavBytes } from './features-helpers';

// The CUDA path where no GPU is needed: its arithmetic (run on the host exactly as the
// kernels' programs are written) against a float64 DFT, and how the addon behaves without
// a usable device. The device itself is checked by tools/test/gpu-parity.test.ts and
// scripts/gpu-check.sh.

// Aliased: Math lookups are slow inside Jest's vm contexts.
const { abs, cos, log10, max, PI, sin } = Math;

const describeAddon = addonRequired('cuda.test') ? describe : describe.skip;
const dir = tempDir('cuda');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// |X[k]|^2 of one frame in float64 straight from the definitions (centred frame, reflect
// padding, periodic window centred in nFft), by a direct DFT.
function referencePower(x: Float32Array, frame: number, c: FeatureConfig): Float64Array {
  const n = x.length;
  const start = (c.nFft - c.windowSamples) / 2;
  const reflect = (j: number): number => {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    j %= period;
    if (j < 0) j += period;
    return j >= n ? period - j : j;
  };
  const a0 = c.window === 'hamming' ? 0.54 : 0.5;
  const windowed = new Float64Array(c.windowSamples);
  for (let w = 0; w < c.windowSamples; w++) {
    const j = reflect(frame * c.hopSamples + start + w - c.nFft / 2);
    windowed[w] = x[j] * (a0 - (1 - a0) * cos((2 * PI * w) / c.windowSamples));
  }
  const power = new Float64Array(c.nFft / 2 + 1);
  for (let k = 0; k <= c.nFft / 2; k++) {
    let re = 0;
    let im = 0;
    for (let w = 0; w < c.windowSamples; w++) {
      const angle = (-2 * PI * k * (start + w)) / c.nFft;
      re += windowed[w] * cos(angle);
      im += windowed[w] * sin(angle);
    }
    power[k] = re * re + im * im;
  }
  return power;
}

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

describeAddon('the CUDA programs run on the host', () => {
  const config = resolveFeatureConfig({});
  const tone = Float32Array.from(referenceSignal(48000));
  // name, signal, frames to check: the first (reflected), inner ones, the last
  const signals: [string, Float32Array, number[]][] = [
    ['the reference signal, 1 s', tone, [0, 1, 2, 3, 4, 57, 99, 100]],
    ['noise shorter than the padding (700 samples)', noise(700, 3), [0, 1]],
    ['one sample', Float32Array.of(0.25), [0]],
  ];
  describe.each(['builtin', 'cufft'] as const)('%s FFT path', (fft) => {
    it.each(signals)('power spectrum of %s within 1e-6 of the float64 DFT', (_name, x, frames) => {
      for (const frame of frames) {
        const got = nativeFeatures().emulatedFrameSpectrum(x, frame, config, fft);
        const want = referencePower(x, frame, config);
        expect(got).toHaveLength(1025);
        const peak = want.reduce((m, v) => max(m, v), 0);
        let worst = 0;
        for (let k = 0; k < want.length; k++) worst = max(worst, abs(got[k] - want[k]) / peak);
        expect(worst).toBeLessThan(1e-6);
      }
    });
  });

  it("computes 'log-magnitude' spectra in dB (Hann window, hop 256)", () => {
    const c = resolveFeatureConfig({ scale: 'log-magnitude', window: 'hann', hopSamples: 256 });
    for (const frame of [0, 10, 187]) {
      const got = nativeFeatures().emulatedFrameSpectrum(tone, frame, c, 'builtin');
      const want = referencePower(tone, frame, c);
      const peak = want.reduce((m, v) => max(m, v), 0);
      for (let k = 0; k < want.length; k++) {
        // dB of bins within 40 dB of the frame's peak (below that the float32 FFT's
        // absolute error dominates any implementation).
        if (want[k] > 1e-4 * peak) expect(abs(got[k] - 10 * log10(want[k]))).toBeLessThan(0.01);
      }
    }
  });

  it('rejects a frame past the end', () => {
    expect(() => nativeFeatures().emulatedFrameSpectrum(tone, 101, config, 'builtin')).toThrow(
      /frame 101 of a signal with 101 frames/,
    );
  });

  it('names a config the kernels do not compute', async () => {
    const file = path.join(dir, 'short.wav');
    fs.writeFileSync(
      file,
      wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: syntheticStereo24(0.5, 1) }),
    );
    const build = buildFeatureCache({
      clips: [{ file: 'short.wav', path: file }],
      cacheDir: path.join(dir, 'nfft'),
      config: { nFft: 4096 },
      device: 'emulated',
    });
    await expect(build).rejects.toThrow(CudaUnavailableError);
    await expect(build).rejects.toMatchObject({
      code: 'unsupported-config',
      reason: expect.stringContaining('nFft = 2048 only (this config: nFft = 4096)'),
    });
  });

  it('names a memory budget that holds no slot', async () => {
    const file = path.join(dir, 'short.wav');
    const build = buildFeatureCache({
      clips: [{ file: 'short.wav', path: file }],
      cacheDir: path.join(dir, 'small'),
      device: 'emulated',
      cuda: { memoryBytes: 4 * 2 ** 20 },
    });
    await expect(build).rejects.toMatchObject({
      code: 'out-of-memory',
      reason: expect.stringMatching(/budget of 4 MiB is too small: 3 slots .* need \d+ MiB/),
    });
  });

  // (When an abort lands mid-run depends on how fast Jest's event loop delivers outcomes,
  // so the test aborts before the start: every file must come back cancelled.)
  it('starts nothing once aborted, then a new build computes everything', async () => {
    const clips = Array.from({ length: 6 }, (_, i) => {
      const file = `abort-${i}.wav`;
      fs.writeFileSync(
        path.join(dir, file),
        wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: syntheticStereo24(1, 40 + i) }),
      );
      return { file, path: path.join(dir, file) };
    });
    const cacheDir = path.join(dir, 'abort');
    const options = { clips, cacheDir, device: 'emulated' as const, threads: 2 };
    const err = await buildFeatureCache({ ...options, signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'AbortError', report: { extracted: 0, reused: 0 } });
    expect(fs.readdirSync(path.join(cacheDir, fs.readdirSync(cacheDir)[0], 'shards'))).toEqual([]);
    const again = await buildFeatureCache(options);
    expect(again).toMatchObject({ extracted: 6, device: 'emulated' });
  });

  it('records in the manifest what computed each entry, and keeps it when reused', async () => {
    const files = ['a.wav', 'b.wav'];
    files.forEach((f, i) =>
      fs.writeFileSync(
        path.join(dir, f),
        wavBytes({
          tag: 1,
          bits: 24,
          sampleRateHz: 48000,
          channels: syntheticStereo24(1.3, i + 5),
        }),
      ),
    );
    const clips = files.map((file) => ({ file, path: path.join(dir, file) }));
    const cacheDir = path.join(dir, 'devices');
    const first = await buildFeatureCache({
      clips: clips.slice(0, 1),
      cacheDir,
      device: 'emulated',
    });
    expect(first.device).toBe('emulated');
    expect(first.deviceRun).toMatchObject({
      device: 'emulated',
      fft: 'builtin',
      launches: 1,
      cpuFallbacks: 0,
    });
    const second = await buildFeatureCache({ clips, cacheDir, device: 'cpu' });
    expect(second).toMatchObject({ device: 'cpu', extracted: 1, reused: 1 });
    expect(second.deviceRun).toBeUndefined();
    const cache = openFeatureCache(cacheDir);
    expect(cache.entry('a.wav').device).toBe('emulated');
    expect(cache.entry('b.wav').device).toBe('cpu');
  });
});

describeAddon('without a usable CUDA device', () => {
  const info = cudaInfo();
  const guard = info.usable ? it.skip : it;

  it('cudaInfo says how the addon was built and why CUDA is not usable', () => {
    expect(info.built).toBe(loadAddon().buildInfo().cudaCompiled);
    if (info.built) {
      expect(info.nvcc).toMatch(/^\d+\.\d+$/);
      expect(info.architectures).toEqual([75, 80, 90]);
      expect(info.runtime).toMatch(/^\d+\.\d+$/);
    } else {
      expect(info.code).toBe('not-built');
      expect(info.reason).toMatch(/built without CUDA/);
    }
    if (!info.usable) expect(info.reason.length).toBeGreaterThan(20);
    if (!info.cufft.found) expect(info.cufft.error).toMatch(/libcufft|without CUDA/);
  });

  guard('--device cuda rejects with the reason before touching any file', async () => {
    const outcomes: unknown[] = [];
    const handle = nativeFeatures().runBatch(
      [path.join(dir, 'missing.wav')],
      {
        config: { ...DEFAULT_FEATURE_CONFIG },
        shardDir: dir,
        dtype: 'float32',
        threads: 1,
        allowTruncated: false,
        device: 'cuda',
      },
      (o) => outcomes.push(o),
    );
    await expect(handle.promise).rejects.toMatchObject({ code: info.code, message: info.reason });
    expect(outcomes).toEqual([]);
    await expect(
      buildFeatureCache({ clips: [], cacheDir: path.join(dir, 'c'), device: 'cuda' }),
    ).rejects.toMatchObject({ name: 'CudaUnavailableError', code: info.code, reason: info.reason });
    await expect(
      nativeFeatures().cudaComputeTime(
        { ...DEFAULT_FEATURE_CONFIG },
        { samples: 480000, channels: 2, clips: 1 },
      ),
    ).rejects.toMatchObject({ code: info.code });
  });

  guard("'auto' computes on the CPU and says why", async () => {
    const file = path.join(dir, 'auto.wav');
    fs.writeFileSync(
      file,
      wavBytes({ tag: 1, bits: 16, sampleRateHz: 48000, channels: [new Int32Array(4800)] }),
    );
    const r = await buildFeatureCache({
      clips: [{ file: 'auto.wav', path: file }],
      cacheDir: path.join(dir, 'auto'),
    });
    expect(r.device).toBe('cpu');
    expect(r.deviceReason).toBe(`CUDA is not usable: ${info.reason}`);
    expect(openFeatureCache(path.join(dir, 'auto')).entry('auto.wav').device).toBe('cpu');
  });
});
