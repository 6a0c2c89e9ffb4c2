import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  buildFeatureCache,
  cudaInfo,
  CudaUnavailableError,
  openFeatureCache,
  type CudaInfo,
} from '@asc/native';
import { benchFeaturesCuda, type FeaturesCudaBenchResult } from '../bench/features-cuda';
import { createOutput, type Output } from '../cli/output';
import {
  checkFeatureParity,
  PARITY_TOLERANCE_DB,
  referenceDifference,
  writeParityClips,
  type ParityClip,
  type ParityResult,
} from './parity';

/**
 * The GPU check that scripts/gpu-check.sh runs (from the bundle scripts/gpu-bundle.sh
 * makes, on machines with no Node.js packages): every GPU test, then the CUDA feature
 * bench. Progress goes to stderr; stdout's last line is one JSON object,
 *   {"gpu": "...", "tests": {"passed": n, "failed": n, ...}, "features": {...}, "train": null}
 * ("train" is the tfjs CUDA backend's slot, issue 13). Exit code 0 when a GPU was usable
 * and every test passed.
 */

export interface GpuCheckOptions {
  workDir: string;
  /** shared/reference/pipeline_recommended.json, when at hand. */
  reference?: string;
  benchClips: number;
  computeClips: number;
  threads: number;
  /** python3 with torch for the PyTorch reference; null skips it. */
  python: string | null;
  /** Where features_torch.py is. */
  scriptsDir?: string;
}

export interface CheckTest {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  seconds: number;
  detail: string;
}

export interface GpuCheckResult {
  gpu: string | null;
  reason: string;
  cuda: Pick<
    CudaInfo,
    | 'built'
    | 'nvcc'
    | 'architectures'
    | 'runtime'
    | 'driver'
    | 'driverRelease'
    | 'devices'
    | 'cufft'
  >;
  tests: { passed: number; failed: number; skipped: number; list: CheckTest[] };
  features: FeaturesCudaBenchResult | { error: string } | null;
  train: null;
  seconds: number;
}

function worstClip(r: ParityResult): string {
  const worst = r.clips.reduce((a, b) => (b.maxAbsDbDiff > a.maxAbsDbDiff ? b : a));
  return (
    `max |device - CPU| ${r.maxAbsDbDiff.toExponential(2)} dB (worst: ${worst.name}); ` +
    `${r.run.launches} launches, ${r.run.cpuFallbacks} on the CPU; ${r.run.description}`
  );
}

export async function runGpuCheck(o: GpuCheckOptions, out: Output): Promise<GpuCheckResult> {
  const t0 = performance.now();
  const info = cudaInfo();
  const list: CheckTest[] = [];
  const test = async (name: string, body: () => Promise<string>, skip?: string): Promise<void> => {
    if (skip) {
      list.push({ name, status: 'skipped', seconds: 0, detail: skip });
      out.info(`skipped ${name}: ${skip}`);
      return;
    }
    const started = performance.now();
    let status: CheckTest['status'] = 'passed';
    let detail: string;
    try {
      detail = await body();
    } catch (err) {
      status = 'failed';
      detail = err instanceof Error ? err.message : String(err);
    }
    const seconds = (performance.now() - started) / 1000;
    list.push({ name, status, seconds, detail });
    out.info(`${status} ${name} (${seconds.toFixed(1)} s): ${detail}`);
  };
  const noGpu = info.usable ? undefined : 'no usable CUDA device (see "a usable CUDA device")';

  fs.mkdirSync(o.workDir, { recursive: true });
  const clipDir = path.join(o.workDir, 'parity');
  const clips: ParityClip[] = writeParityClips(clipDir);
  const parity = (
    name: string,
    device: 'cuda' | 'emulated',
    fft: 'builtin' | 'cufft',
    dtype: 'float32' | 'float16',
    memoryBytes?: number,
  ) =>
    checkFeatureParity({
      clips,
      device,
      fft,
      dtype,
      cpuCacheDir: path.join(clipDir, `cpu-${dtype}`),
      deviceCacheDir: path.join(clipDir, name),
      threads: o.threads,
      ...(memoryBytes ? { memoryBytes } : {}),
    });
  const expectParity = (r: ParityResult): string => {
    if (!r.passed) throw new Error(`over ${PARITY_TOLERANCE_DB} dB: ${worstClip(r)}`);
    return worstClip(r);
  };

  await test('the bundle: CUDA kernels emulated on the host agree with the CPU', async () =>
    expectParity(await parity('emulated', 'emulated', 'builtin', 'float32', 64 * 2 ** 20)));
  await test('a usable CUDA device', async () => {
    if (!info.usable) throw new Error(info.reason);
    return info.reason;
  });
  await test(
    'built-in FFT, float32: every parity clip within 0.01 dB of the CPU',
    async () => expectParity(await parity('cuda-builtin', 'cuda', 'builtin', 'float32')),
    noGpu,
  );
  await test(
    'cuFFT, float32: every parity clip within 0.01 dB of the CPU',
    async () => expectParity(await parity('cuda-cufft', 'cuda', 'cufft', 'float32')),
    noGpu ?? (info.cufft.found ? undefined : `cuFFT not found: ${info.cufft.error}`),
  );
  await test(
    'built-in FFT, float16 output: within 0.01 dB of the CPU (beyond float16 rounding)',
    async () => expectParity(await parity('cuda-builtin-f16', 'cuda', 'builtin', 'float16')),
    noGpu,
  );
  await test(
    'a 24 MiB budget: several launches, clips longer than a slot on the CPU, same results',
    async () => {
      const r = await parity('cuda-small', 'cuda', 'builtin', 'float32', 24 * 2 ** 20);
      const long = r.clips.filter((c) => c.samples > 10 * 48000);
      if (r.run.deviceBytes > 24 * 2 ** 20) throw new Error(`used ${r.run.deviceBytes} bytes`);
      if (r.run.cpuFallbacks !== long.length || r.run.launches < 4) {
        throw new Error(`${r.run.launches} launches, ${r.run.cpuFallbacks} CPU fallbacks`);
      }
      return expectParity(r);
    },
    noGpu,
  );
  await test(
    'the reference clip against pipeline_recommended.json (numpy, float64)',
    async () => {
      const cache = openFeatureCache(path.join(clipDir, 'cuda-builtin'));
      const d = referenceDifference(cache, 'audio/reference.wav', o.reference as string);
      if (!(d < PARITY_TOLERANCE_DB)) throw new Error(`max difference ${d} dB`);
      return `max |CUDA - numpy| ${d.toExponential(2)} dB`;
    },
    noGpu ?? (o.reference && fs.existsSync(o.reference) ? undefined : 'no reference file given'),
  );
  await test(
    'a config the kernels do not compute: named with --device cuda, the CPU under auto',
    async () => {
      const one = clips
        .filter((c) => c.name === 'mono')
        .map((c) => ({ file: c.file, path: c.path }));
      const config = { nFft: 1024, windowSamples: 1024 };
      const cacheDir = path.join(clipDir, 'unsupported');
      try {
        await buildFeatureCache({ clips: one, cacheDir, config, device: 'cuda' });
        throw new Error('--device cuda computed an nFft of 1024');
      } catch (err) {
        if (!(err instanceof CudaUnavailableError) || err.code !== 'unsupported-config') throw err;
      }
      const auto = await buildFeatureCache({ clips: one, cacheDir, config, device: 'auto' });
      if (auto.device !== 'cpu' || auto.extracted !== 1)
        throw new Error(`auto: ${JSON.stringify(auto)}`);
      return auto.deviceReason;
    },
    noGpu,
  );

  let features: GpuCheckResult['features'] = null;
  if (info.usable) {
    try {
      features = await benchFeaturesCuda(
        {
          clips: o.benchClips,
          cpuClips: 64,
          computeClips: o.computeClips,
          threads: o.threads,
          cuda: {},
          python: o.python,
          workDir: path.join(o.workDir, 'bench'),
          ...(o.scriptsDir ? { scriptsDir: o.scriptsDir } : {}),
        },
        out,
      );
      const f = features;
      await test('bench: the end-to-end CUDA cache within 0.01 dB of the CPU', async () => {
        if (!(f.maxAbsDbDiffVsCpu <= PARITY_TOLERANCE_DB))
          throw new Error(`${f.maxAbsDbDiffVsCpu} dB`);
        return `${f.maxAbsDbDiffVsCpu.toExponential(2)} dB`;
      });
    } catch (err) {
      features = { error: err instanceof Error ? err.message : String(err) };
      list.push({
        name: 'bench: asc bench features --device cuda',
        status: 'failed',
        seconds: 0,
        detail: features.error,
      });
    }
  }
  const count = (s: CheckTest['status']): number => list.filter((t) => t.status === s).length;
  return {
    gpu: info.usable ? (info.devices[0]?.name ?? null) : null,
    reason: info.reason,
    cuda: {
      built: info.built,
      nvcc: info.nvcc,
      architectures: info.architectures,
      runtime: info.runtime,
      driver: info.driver,
      driverRelease: info.driverRelease,
      devices: info.devices,
      cufft: info.cufft,
    },
    tests: { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), list },
    features,
    train: null,
    seconds: (performance.now() - t0) / 1000,
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The bundle's entry: gpu-check [--work DIR] [--reference FILE] [--bench-clips N] ... */
export async function main(argv: string[]): Promise<number> {
  const out = createOutput(true);
  const work = flag(argv, '--work') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'asc-gpu-check-'));
  const python = flag(argv, '--python') ?? 'python3';
  try {
    const result = await runGpuCheck(
      {
        workDir: work,
        reference: flag(argv, '--reference'),
        benchClips: Number(flag(argv, '--bench-clips') ?? 2000),
        computeClips: Number(flag(argv, '--compute-clips') ?? 2048),
        threads: Number(flag(argv, '--threads') ?? os.availableParallelism()),
        python: python === 'none' ? null : python,
        scriptsDir: flag(argv, '--scripts'),
      },
      out,
    );
    out.result(result);
    return result.gpu !== null && result.tests.failed === 0 ? 0 : 1;
  } catch (err) {
    out.warn(`gpu-check: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    out.result({
      gpu: null,
      error: err instanceof Error ? err.message : String(err),
      tests: null,
      features: null,
      train: null,
    });
    return 1;
  } finally {
    if (!argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
