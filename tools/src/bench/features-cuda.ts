import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeWavPcm24 } from '@asc/datasets';
import {
  buildFeatureCache,
  cudaInfo,
  DEFAULT_FEATURE_CONFIG,
  nativeFeatures,
  openFeatureCache,
  type CudaFeatureOptions,
} from '@asc/native';
import { CommandFailed } from '../cli/errors';
import type { Output } from '../cli/output';
import { syntheticClip, SYNTHETIC_SECONDS as SECONDS, writeFilterBank } from './inputs';

// `asc bench features --device cuda`: the CUDA path end to end and alone, against the CPU
// path and the same pipeline in PyTorch on the same GPU.

export interface FeaturesCudaBenchOptions {
  /** 10 s stereo 24-bit clips for the end-to-end run. */
  clips: number;
  /** Of those, clips the CPU path also computes (for the difference and the ratio). */
  cpuClips: number;
  threads: number;
  cuda: CudaFeatureOptions;
  /** Clips the compute-only runs (ours and PyTorch's) process. */
  computeClips: number;
  /** python3 with torch (default: python3 on the PATH); null skips PyTorch. */
  python: string | null;
  /** Where the clips and caches go (default: a new directory under the OS temp dir). */
  workDir?: string;
  /** The directory of features_torch.py (default: tools/bench beside this package). */
  scriptsDir?: string;
}

/** The keys first (issue 12), then what explains them. */
export interface FeaturesCudaBenchResult {
  /** WAV files on disk to cached segments, all host threads. */
  cudaFilesPerSec: number;
  /** The device compute alone, clips already in device memory (the FFT auto chose). */
  cudaComputeFilesPerSec: number;
  /** The same pipeline in PyTorch on the same GPU, compute alone (null without torch). */
  torchCudaFilesPerSec: number | null;
  /** Largest |CUDA - CPU| over the cpuClips clips' segments, dB. */
  maxAbsDbDiffVsCpu: number;
  gpu: string;
  description: string;
  fft: string;
  cudaComputeFilesPerSecBuiltinFft: number;
  cudaComputeFilesPerSecCufft: number | null;
  cpuFilesPerSec: number;
  cudaOverCpu: number;
  cudaComputeOverTorch: number | null;
  /** Largest |PyTorch - our CPU path| on two clips: the two pipelines compute the same. */
  torchMaxAbsDbDiffVsCpu: number | null;
  torchError?: string;
  clips: number;
  cpuClips: number;
  computeClips: number;
  threads: number;
  deviceBytes: number;
  loadAverage: number;
}

const RATE_HZ = DEFAULT_FEATURE_CONFIG.sampleRateHz;
// Distinct base clips; the others are copies with one sample changed (a new content hash,
// the same work), so writing thousands of files costs little.
const BASE_CLIPS = 16;

function writeClips(dir: string, count: number): { file: string; path: string }[] {
  const bases = Array.from({ length: Math.min(BASE_CLIPS, count) }, (_, i) =>
    encodeWavPcm24(syntheticClip(i + 1), RATE_HZ),
  );
  fs.mkdirSync(path.join(dir, 'audio'), { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const bytes = Buffer.from(bases[i % bases.length]);
    // The last sample of the first channel (24-bit, little-endian) carries the index.
    const at = bytes.length - 6;
    bytes[at] = i & 0xff;
    bytes[at + 1] = (i >> 8) & 0xff;
    const file = `audio/clip-${i}.wav`;
    const full = path.join(dir, file);
    fs.writeFileSync(full, bytes);
    return { file, path: full };
  });
}

function largestDifference(a: string, b: string, files: string[]): number {
  const ca = openFeatureCache(a);
  const cb = openFeatureCache(b);
  let worst = 0;
  for (const f of files) {
    const x = ca.read(f).segments;
    const y = cb.read(f).segments;
    if (x.length !== y.length) return Infinity;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
  return worst;
}

function runTorch(
  python: string,
  scriptsDir: string,
  work: string,
  computeClips: number,
  compared: { file: string; path: string }[],
  cpuCache: string,
): { filesPerSec: number | null; maxAbsDbDiffVsCpu: number | null; error?: string } {
  const bank = writeFilterBank(work);
  const outDir = path.join(work, 'torch');
  const script = path.join(scriptsDir, 'features_torch.py');
  const r = spawnSync(
    python,
    [
      script,
      ...['--bank', bank.file, '--bands', `${bank.bands}`, '--bins', `${bank.bins}`],
      ...['--clips', `${computeClips}`, '--out', outDir, ...compared.map((c) => c.path)],
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) {
    const why =
      (r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' ')) || `exit ${r.status}`;
    return { filesPerSec: null, maxAbsDbDiffVsCpu: null, error: why };
  }
  const lines = r.stdout.trim().split('\n');
  const filesPerSec = (JSON.parse(lines[lines.length - 1]) as { filesPerSec: number }).filesPerSec;
  const cache = openFeatureCache(cpuCache);
  let worst = 0;
  compared.forEach((c, i) => {
    const ours = cache.read(c.file).segments;
    const bytes = fs.readFileSync(path.join(outDir, `${i}.f32`));
    const theirs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (theirs.length !== ours.length) worst = Infinity;
    for (let k = 0; k < ours.length && k < theirs.length; k++) {
      worst = Math.max(worst, Math.abs(ours[k] - theirs[k]));
    }
  });
  return { filesPerSec, maxAbsDbDiffVsCpu: worst };
}

async function computeFilesPerSec(
  cuda: CudaFeatureOptions,
  fft: 'auto' | 'cufft' | 'builtin',
  clips: number,
): Promise<{ filesPerSec: number; fft: string }> {
  const r = await nativeFeatures().cudaComputeTime(
    { ...DEFAULT_FEATURE_CONFIG },
    {
      samples: SECONDS * RATE_HZ,
      channels: 2,
      clips,
      fft,
      cudaDevice: cuda.device ?? 0,
      ...(cuda.memoryBytes ? { deviceMemoryBytes: cuda.memoryBytes } : {}),
    },
  );
  return { filesPerSec: 1 / r.secondsPerClip, fft: r.fft };
}

export async function benchFeaturesCuda(
  o: FeaturesCudaBenchOptions,
  out: Output,
): Promise<FeaturesCudaBenchResult> {
  const info = cudaInfo();
  if (!info.usable) throw new CommandFailed(`--device cuda: ${info.reason}`);
  const gpu = info.devices[o.cuda.device ?? 0]?.name ?? 'unknown';
  const work = o.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'asc-bench-cuda-'));
  try {
    out.info(`writing ${o.clips} synthetic ${SECONDS} s stereo 24-bit clips to ${work}`);
    const clips = writeClips(work, o.clips);
    const build = async (list: typeof clips, dir: string, device: 'cpu' | 'cuda') => {
      const report = await buildFeatureCache({
        clips: list,
        cacheDir: path.join(work, dir),
        device,
        cuda: o.cuda,
        threads: o.threads,
      });
      if (report.extracted !== list.length) {
        throw new CommandFailed(
          `the ${device} build extracted ${report.extracted} of ${list.length} clips`,
        );
      }
      return report;
    };
    // Driver, context and cuFFT load once per process: keep them out of the timings.
    await build(clips.slice(0, Math.min(8, clips.length)), 'cache-warm', 'cuda');
    const cuda = await build(clips, 'cache-cuda', 'cuda');
    const cudaFilesPerSec = cuda.files / cuda.seconds;
    out.info(
      `CUDA, WAV on disk -> cached segments: ${cudaFilesPerSec.toFixed(0)} files/s ` +
        `(${o.clips} clips, ${o.threads} host threads; ${cuda.deviceRun?.description})`,
    );
    const compared = clips.slice(0, Math.min(o.cpuClips, clips.length));
    const cpu = await build(compared, 'cache-cpu', 'cpu');
    const cpuFilesPerSec = cpu.files / cpu.seconds;
    const maxAbsDbDiffVsCpu = largestDifference(
      path.join(work, 'cache-cpu'),
      path.join(work, 'cache-cuda'),
      compared.map((c) => c.file),
    );
    out.info(
      `CPU, same pipeline: ${cpuFilesPerSec.toFixed(0)} files/s (${compared.length} clips); ` +
        `max |CUDA - CPU| ${maxAbsDbDiffVsCpu.toExponential(2)} dB`,
    );
    const auto = await computeFilesPerSec(o.cuda, o.cuda.fft ?? 'auto', o.computeClips);
    const builtin =
      auto.fft === 'builtin' ? auto : await computeFilesPerSec(o.cuda, 'builtin', o.computeClips);
    const cufft =
      auto.fft === 'cufft'
        ? auto
        : info.cufft.found
          ? await computeFilesPerSec(o.cuda, 'cufft', o.computeClips)
          : null;
    out.info(
      `CUDA compute alone: ${auto.filesPerSec.toFixed(0)} files/s (${auto.fft}); built-in FFT ` +
        `${builtin.filesPerSec.toFixed(0)}, cuFFT ${cufft ? cufft.filesPerSec.toFixed(0) : 'n/a'}`,
    );
    const torch = o.python
      ? runTorch(
          o.python,
          o.scriptsDir ?? path.join(__dirname, '..', '..', 'bench'),
          work,
          o.computeClips,
          compared.slice(0, 2),
          path.join(work, 'cache-cpu'),
        )
      : { filesPerSec: null, maxAbsDbDiffVsCpu: null, error: 'not run (no python)' };
    if (torch.filesPerSec === null) out.warn(`PyTorch reference failed: ${torch.error}`);
    else
      out.info(
        `PyTorch (torch.stft + matmul + log10) compute alone: ${torch.filesPerSec.toFixed(0)} files/s; ` +
          `max |PyTorch - CPU| ${torch.maxAbsDbDiffVsCpu?.toExponential(2)} dB`,
      );
    const loadAverage = os.loadavg()[0];
    out.info(`load average ${loadAverage.toFixed(2)}`);
    return {
      cudaFilesPerSec,
      cudaComputeFilesPerSec: auto.filesPerSec,
      torchCudaFilesPerSec: torch.filesPerSec,
      maxAbsDbDiffVsCpu,
      gpu,
      description: cuda.deviceRun?.description ?? '',
      fft: auto.fft,
      cudaComputeFilesPerSecBuiltinFft: builtin.filesPerSec,
      cudaComputeFilesPerSecCufft: cufft ? cufft.filesPerSec : null,
      cpuFilesPerSec,
      cudaOverCpu: cudaFilesPerSec / cpuFilesPerSec,
      cudaComputeOverTorch: torch.filesPerSec ? auto.filesPerSec / torch.filesPerSec : null,
      torchMaxAbsDbDiffVsCpu: torch.maxAbsDbDiffVsCpu,
      ...(torch.error ? { torchError: torch.error } : {}),
      clips: o.clips,
      cpuClips: compared.length,
      computeClips: o.computeClips,
      threads: o.threads,
      deviceBytes: cuda.deviceRun?.deviceBytes ?? 0,
      loadAverage,
    };
  } finally {
    if (!o.workDir) fs.rmSync(work, { recursive: true, force: true });
  }
}
