import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '@asc/core';
import { encodeWavPcm24 } from '@asc/datasets';
import {
  buildFeatureCache,
  DEFAULT_FEATURE_CONFIG,
  openFeatureCache,
  referenceSignal,
  type DeviceRun,
  type FeatureCache,
} from '@asc/native';

// Aliased: Math lookups are slow inside Jest's vm contexts.
const { abs, max, PI, round, sin } = Math;

/**
 * Does a device compute the same features as the CPU? The CUDA path (or its host
 * emulation) and the CPU path build caches of one clip set; every value of every shard
 * must agree within PARITY_TOLERANCE_DB. The clip set covers what breaks such code: the
 * reference signal of shared/reference, odd lengths from 0.3 s to 30 s, clips shorter
 * than the reflect padding, mono, digital silence (everything at the floor), full-scale
 * noise and a 20 kHz sine.
 */
export const PARITY_TOLERANCE_DB = 0.01;

const RATE_HZ = DEFAULT_FEATURE_CONFIG.sampleRateHz;

export interface ParityClip {
  /** Relative path inside the clip directory (the cache key). */
  file: string;
  path: string;
  name: string;
  samples: number;
  channels: number;
}

function sceneChannel(samples: number, rng: Rng, f0: number, level: number): Float64Array {
  const x = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / RATE_HZ;
    x[i] =
      level *
      (0.6 * sin(2 * PI * f0 * t) + 0.2 * sin(2 * PI * 3.1 * f0 * t) + 0.2 * rng.uniform(-1, 1));
  }
  return x;
}

/** Writes the clip set under `dir` (24-bit PCM at the default rate); returns its clips. */
export function writeParityClips(dir: string, seed = 12): ParityClip[] {
  const rng = Rng.fromSeed(seed);
  const specs: { name: string; channels: Float64Array[] }[] = [];
  specs.push({ name: 'reference', channels: [referenceSignal(10 * RATE_HZ, RATE_HZ)] });
  // Odd lengths, none a multiple of the hop: partial last segments of every size.
  for (const seconds of [0.3, 1.1, 4.7, 12.9, 29.9]) {
    const samples = round(seconds * RATE_HZ) + 2 * rng.int(0, 240) + 1;
    const f0 = rng.uniform(80, 2000);
    specs.push({
      name: `odd-${samples}`,
      channels: [sceneChannel(samples, rng, f0, 0.5), sceneChannel(samples, rng, f0 * 1.01, 0.3)],
    });
  }
  // Shorter than the 1024-sample reflect padding: the reflection wraps several times.
  specs.push({ name: 'tiny-700', channels: [sceneChannel(700, rng, 440, 0.5)] });
  specs.push({ name: 'mono', channels: [sceneChannel(round(3.7 * RATE_HZ), rng, 300, 0.5)] });
  specs.push({
    name: 'silence',
    channels: [new Float64Array(2 * RATE_HZ), new Float64Array(2 * RATE_HZ)],
  });
  const noise = (n: number): Float64Array =>
    Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  specs.push({ name: 'noise-full-scale', channels: [noise(5 * RATE_HZ), noise(5 * RATE_HZ)] });
  const sine = (n: number, phase: number): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => 0.5 * sin((2 * PI * 20000 * i) / RATE_HZ + phase));
  specs.push({ name: 'sine-20k', channels: [sine(5 * RATE_HZ, 0), sine(5 * RATE_HZ, 1)] });
  const audio = path.join(dir, 'audio');
  fs.mkdirSync(audio, { recursive: true });
  return specs.map((s) => {
    const file = `audio/${s.name}.wav`;
    const full = path.join(dir, file);
    fs.writeFileSync(full, encodeWavPcm24(s.channels, RATE_HZ));
    return {
      file,
      path: full,
      name: s.name,
      samples: s.channels[0].length,
      channels: s.channels.length,
    };
  });
}

export interface ParityOptions {
  clips: ParityClip[];
  device: 'cuda' | 'emulated';
  fft: 'auto' | 'cufft' | 'builtin';
  dtype: 'float32' | 'float16';
  /** A cache directory for the CPU results (reused across checks of the same clips). */
  cpuCacheDir: string;
  /** A fresh directory for the device's cache. */
  deviceCacheDir: string;
  memoryBytes?: number;
  threads?: number;
}

export interface ClipParity {
  name: string;
  samples: number;
  channels: number;
  /** What computed the device run's shard ('cuda', 'emulated', or 'cpu' for a clip too long for a slot). */
  device: string;
  /** Largest |device - CPU| over the shard, dB (float16: beyond one unit in the last place). */
  maxAbsDbDiff: number;
}

export interface ParityResult {
  device: 'cuda' | 'emulated';
  dtype: 'float32' | 'float16';
  run: DeviceRun;
  clips: ClipParity[];
  maxAbsDbDiff: number;
  passed: boolean;
}

// One unit in the last place of an IEEE half at |x| (what rounding to float16 may add).
function halfUlp(x: number): number {
  const a = abs(x);
  if (a < 2 ** -14) return 2 ** -24;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}

function maxDifference(a: Float32Array, b: Float32Array, dtype: 'float32' | 'float16'): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    let d = abs(a[i] - b[i]);
    if (dtype === 'float16') d = max(0, d - halfUlp(max(abs(a[i]), abs(b[i]))));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Builds the CPU and device caches of the clips and compares them value by value. */
export async function checkFeatureParity(o: ParityOptions): Promise<ParityResult> {
  const clips = o.clips.map((c) => ({ file: c.file, path: c.path }));
  const common = { clips, dtype: o.dtype, threads: o.threads } as const;
  const cpuReport = await buildFeatureCache({ ...common, cacheDir: o.cpuCacheDir, device: 'cpu' });
  const report = await buildFeatureCache({
    ...common,
    cacheDir: o.deviceCacheDir,
    device: o.device,
    cuda: { fft: o.fft, ...(o.memoryBytes ? { memoryBytes: o.memoryBytes } : {}) },
  });
  const failed = [...cpuReport.failed, ...report.failed];
  if (failed.length > 0 || !report.deviceRun) {
    throw new Error(
      `parity run failed: ${failed.map((f) => f.error).join('; ') || 'no device run was reported'}`,
    );
  }
  const cpu = openFeatureCache(o.cpuCacheDir);
  const dev = openFeatureCache(o.deviceCacheDir);
  const results = o.clips.map((c) => ({
    name: c.name,
    samples: c.samples,
    channels: c.channels,
    device: dev.entry(c.file).device ?? 'unknown',
    maxAbsDbDiff: maxDifference(cpu.read(c.file).segments, dev.read(c.file).segments, o.dtype),
  }));
  const worst = results.reduce((m, r) => max(m, r.maxAbsDbDiff), 0);
  return {
    device: o.device,
    dtype: o.dtype,
    run: report.deviceRun,
    clips: results,
    maxAbsDbDiff: worst,
    passed: worst <= PARITY_TOLERANCE_DB,
  };
}

/**
 * Largest |mid plane - pipeline_recommended.json| over its 1000 x 128 values for the
 * 'reference' clip of a cache (the file is numpy in float64, shared/reference/README.md).
 */
export function referenceDifference(
  cache: FeatureCache,
  file: string,
  referenceJson: string,
): number {
  const ref = JSON.parse(fs.readFileSync(referenceJson, 'utf8')) as {
    feature: number[][];
    shape: [number, number];
  };
  const segments = cache.read(file).segments;
  const bands = ref.feature[0].length;
  let worst = 0;
  for (let f = 0; f < ref.shape[0]; f++) {
    for (let b = 0; b < bands; b++) {
      worst = max(worst, abs(segments[(f * bands + b) * 2] - ref.feature[f][b]));
    }
  }
  return worst;
}
