import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { computeClipFeatures, featureConfigHash, DEFAULT_FEATURE_CONFIG } from '@asc/native';
import { syntheticStereo24, tempDir, wavBytes, referenceSignal } from './features-helpers';
import { addonRequired } from './addon-required';

// The whole pipeline against pipeline_recommended.json (numpy, float64), on both
// backends, and the two backends against each other.

const REFERENCE = path.join(__dirname, '..', '..', '..', 'shared', 'reference');
const native = addonRequired('features-pipeline.test, native backend');
const backends: ('js' | 'native')[] = native ? ['js', 'native'] : ['js'];
const dir = tempDir('pipe');

const ref = JSON.parse(
  fs.readFileSync(path.join(REFERENCE, 'pipeline_recommended.json'), 'utf8'),
) as { feature: number[][]; shape: [number, number] };

// One channel as float64 so the comparison sees the pipeline, not quantisation.
const monoFile = path.join(dir, 'reference-mono.wav');
fs.writeFileSync(
  monoFile,
  wavBytes({ tag: 3, bits: 64, sampleRateHz: 48000, channels: [referenceSignal()] }),
);

const stereoFile = path.join(dir, 'stereo.wav');
const stereo = syntheticStereo24(3, 7);
fs.writeFileSync(stereoFile, wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: stereo }));

describe.each(backends)('scalogram pipeline (%s)', (backend) => {
  it('matches pipeline_recommended.json within 0.01 dB everywhere (1000 x 128)', async () => {
    const r = await computeClipFeatures(monoFile, {}, { backend });
    expect(r.shape).toEqual([8, 128, 128, 2]);
    expect(r.frames).toBe(1001);
    expect(r.channels).toBe(1);
    let worst = 0;
    for (let f = 0; f < ref.shape[0]; f++) {
      for (let b = 0; b < 128; b++) {
        worst = Math.max(worst, Math.abs(r.segments[(f * 128 + b) * 2] - ref.feature[f][b]));
      }
    }
    expect(worst).toBeLessThan(0.01);
    // mono: the side plane is 0; padding frames (1001..1023) hold -80 in both planes
    let sideNonZero = 0;
    for (let i = 0; i < 1001 * 128; i++) if (r.segments[2 * i + 1] !== 0) sideNonZero++;
    expect(sideNonZero).toBe(0);
    const padding = new Set(r.segments.subarray(1001 * 128 * 2));
    expect([...padding]).toEqual([-80]);
  });

  it('builds mid = (L + R) / 2 and side = L - R from the channel scalograms', async () => {
    const r = await computeClipFeatures(stereoFile, {}, { backend });
    const left = path.join(dir, `left-${backend}.wav`);
    const right = path.join(dir, `right-${backend}.wav`);
    fs.writeFileSync(
      left,
      wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [stereo[0]] }),
    );
    fs.writeFileSync(
      right,
      wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [stereo[1]] }),
    );
    const l = await computeClipFeatures(left, {}, { backend });
    const rr = await computeClipFeatures(right, {}, { backend });
    expect(r.frames).toBe(301);
    expect(r.shape).toEqual([3, 128, 128, 2]);
    let worst = 0;
    for (let i = 0; i < r.frames * 128; i++) {
      const L = l.segments[2 * i];
      const R = rr.segments[2 * i];
      worst = Math.max(
        worst,
        Math.abs(r.segments[2 * i] - (L + R) / 2),
        Math.abs(r.segments[2 * i + 1] - (L - R)),
      );
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('frames follow the clip length (1.234 s and 10.5 s clips)', async () => {
    for (const [seconds, frames] of [
      [1.234, 1 + Math.floor(59232 / 480)],
      [10.5, 1051],
    ]) {
      const file = path.join(dir, `len-${seconds}-${backend}.wav`);
      const x = referenceSignal(Math.round(seconds * 48000));
      fs.writeFileSync(file, wavBytes({ tag: 3, bits: 32, sampleRateHz: 48000, channels: [x, x] }));
      const r = await computeClipFeatures(file, {}, { backend });
      expect(r.frames).toBe(frames);
      expect(r.shape[0]).toBe(Math.ceil(frames / 128));
    }
  });

  it('a very short clip (fewer samples than the reflect padding) still works', async () => {
    const file = path.join(dir, `short-${backend}.wav`);
    fs.writeFileSync(
      file,
      wavBytes({
        tag: 1,
        bits: 16,
        sampleRateHz: 48000,
        channels: [[1000, -2000, 3000, 5, 7, 9, 11, 13, 100, 200]],
      }),
    );
    const r = await computeClipFeatures(file, {}, { backend });
    expect(r.frames).toBe(1);
    expect(r.shape).toEqual([1, 128, 128, 2]);
    expect(r.segments.every((v) => Number.isFinite(v))).toBe(true);
  });
});

// The literal variant: make_pipeline_reference.py writes it next to itself, so it runs as
// a copy in a temporary directory.
function literalReference(): { feature: number[][] } {
  const work = tempDir('literal');
  for (const script of ['make_reference.py', 'make_pipeline_reference.py']) {
    fs.copyFileSync(path.join(REFERENCE, script), path.join(work, script));
  }
  execFileSync('python3', [path.join(work, 'make_pipeline_reference.py')], {
    cwd: work,
    stdio: 'pipe',
  });
  return JSON.parse(fs.readFileSync(path.join(work, 'pipeline_literal.json'), 'utf8')) as {
    feature: number[][];
  };
}

describe.each(backends)("the paper's literal reading (%s)", (backend) => {
  it('scale log-magnitude with a Hann window follows pipeline_literal.json', async () => {
    const literal = literalReference();
    const r = await computeClipFeatures(
      monoFile,
      { scale: 'log-magnitude', window: 'hann' },
      { backend },
    );
    let worst = 0;
    let sum = 0;
    let range = 0;
    for (let f = 0; f < 1000; f++) {
      for (let b = 0; b < 128; b++) {
        const d = Math.abs(r.segments[(f * 128 + b) * 2] - literal.feature[f][b]);
        worst = Math.max(worst, d);
        sum += d;
        range = Math.max(range, Math.abs(literal.feature[f][b]));
      }
    }
    // Values reach 6,000 in magnitude. Bins near the reference's 1e-5 magnitude floor are
    // float32 FFT noise here (float64 there), and wide bands sum many of them: a few units
    // at worst, 0.1 on average. A wrong window or log gives hundreds.
    expect(sum / 128000).toBeLessThan(0.5);
    expect(worst).toBeLessThan(0.002 * range);
  });
});

if (native) {
  describe('native and TypeScript paths agree', () => {
    it.each([
      // dB values agree to 0.01. A log-magnitude value is a sum of dB values of both signs
      // weighted by the bank (terms in the thousands), so float32 rounding of the terms
      // reaches ~0.01 even where the sum is near 0.
      ['default config', {}, 0.01],
      [
        'hann window, J 8, Q 8, nFft 1024, log-magnitude',
        {
          window: 'hann',
          J: 8,
          Q: 8,
          nFft: 1024,
          windowSamples: 1000,
          hopSamples: 300,
          scale: 'log-magnitude',
          segmentFrames: 64,
        },
        0.05,
      ],
    ] as const)('%s', async (_name, config, tolerance) => {
      const a = await computeClipFeatures(stereoFile, config, { backend: 'native' });
      const b = await computeClipFeatures(stereoFile, config, { backend: 'js' });
      expect(a.shape).toEqual(b.shape);
      let worst = 0;
      for (let i = 0; i < a.segments.length; i++) {
        worst = Math.max(worst, Math.abs(a.segments[i] - b.segments[i]));
      }
      expect(worst).toBeLessThan(tolerance);
    });
  });
}

describe('feature config hash', () => {
  it('is stable across key order and explicit defaults, and changes with any field', () => {
    const base = featureConfigHash({});
    expect(featureConfigHash({ ...DEFAULT_FEATURE_CONFIG })).toBe(base);
    expect(featureConfigHash({ Q: 16, J: 10 })).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    const changed = new Set([
      featureConfigHash({ topDb: 60 }),
      featureConfigHash({ hopSamples: 240 }),
      featureConfigHash({ window: 'hann' }),
      featureConfigHash({ scale: 'log-magnitude' }),
      base,
    ]);
    expect(changed.size).toBe(5);
  });

  it('keeps the default hash of caches written before resampleQuality and channels existed', () => {
    // What featureConfigHash({}) gave before those fields were added.
    expect(featureConfigHash({})).toBe('0603d7f691919469');
    expect(featureConfigHash({ resampleQuality: 'hq', channels: [1, 2] })).toBe('0603d7f691919469');
    const changed = new Set([
      featureConfigHash({ resampleQuality: 'vhq' }),
      featureConfigHash({ channels: [3, 4] }),
      featureConfigHash({ channels: [1] }),
      featureConfigHash({}),
    ]);
    expect(changed.size).toBe(4);
    expect(() => featureConfigHash({ channels: [0] })).toThrow(/channels/);
    expect(() => featureConfigHash({ channels: [1, 2, 3] })).toThrow(/channels/);
    expect(() => featureConfigHash({ resampleQuality: 'best' as never })).toThrow(
      /resampleQuality/,
    );
  });
});
