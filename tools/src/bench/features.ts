import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Argv } from 'yargs';
import { encodeWavPcm24 } from '@asc/datasets';
import {
  addonAvailable,
  buildFeatureCache,
  computeClipFeatures,
  DEFAULT_FEATURE_CONFIG,
  morletFilterbank,
  nativeFeatures,
  type FeatureBackend,
} from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed } from '../cli/errors';
import type { Output } from '../cli/output';
import { checkPositiveIntegers } from '../cli/flags';

interface FeaturesBenchArgs {
  clips: number;
  threads?: number;
  jsClips: number;
  numpyClips: number;
}

/** `asc bench features --json` (the keys first). */
export interface FeaturesBenchResult {
  nativeFilesPerSec: number;
  nativeFilesPerSec1Thread: number;
  jsFilesPerSec: number;
  numpyFilesPerSec: number | null;
  fftOnlyFilesPerSec: number;
  threads: number;
  clips: number;
  jsClips: number;
  numpyClips: number;
  nativeOverNumpy: number | null;
  nativeOverFftOnly: number;
  /**
   * CPU time (user + system, all threads) per file of the multi-threaded native run: on
   * a shared machine the wall-clock rates above depend on the load, this does not.
   */
  nativeCpuMsPerFile: number;
  peakRssMiB: number;
  numpyError?: string;
}

const SECONDS = 10;
const RATE_HZ = DEFAULT_FEATURE_CONFIG.sampleRateHz;

// A stereo scene-like clip: tones, a sweep and noise, different per seed, so the files
// differ (the cache is content-addressed) and the spectra are not trivial.
function syntheticClip(seed: number): Float64Array[] {
  const n = SECONDS * RATE_HZ;
  let state = (seed * 2654435761) >>> 0 || 1;
  const noise = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const f0 = 100 + (seed % 13) * 70;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE_HZ;
    const tone =
      0.2 * Math.sin(2 * Math.PI * f0 * t) +
      0.05 * Math.sin(2 * Math.PI * (f0 * 7.3 + 300 * t) * t);
    left[i] = tone + 0.05 * noise();
    right[i] = 0.8 * tone + 0.05 * noise();
  }
  return [left, right];
}

function filesPerSec(files: number, seconds: number): number {
  return seconds > 0 ? files / seconds : 0;
}

async function timedBuild(
  clips: { file: string; path: string }[],
  cacheDir: string,
  backend: FeatureBackend,
  threads: number,
): Promise<number> {
  const report = await buildFeatureCache({ clips, cacheDir, backend, threads });
  if (report.extracted !== clips.length) {
    throw new CommandFailed(
      `the ${backend} build extracted ${report.extracted} of ${clips.length} clips`,
    );
  }
  return filesPerSec(clips.length, report.seconds);
}

function runNumpy(wavs: string[], workDir: string): { filesPerSec: number | null; error?: string } {
  const bank = morletFilterbank({
    nFft: DEFAULT_FEATURE_CONFIG.nFft,
    J: DEFAULT_FEATURE_CONFIG.J,
    Q: DEFAULT_FEATURE_CONFIG.Q,
  });
  const bankFile = path.join(workDir, 'bank.f32');
  fs.writeFileSync(
    bankFile,
    Buffer.from(bank.weights.buffer, bank.weights.byteOffset, bank.weights.byteLength),
  );
  const script = path.join(__dirname, '..', '..', 'bench', 'features_numpy.py');
  const r = spawnSync(
    'python3',
    [
      script,
      '--bank',
      bankFile,
      '--bands',
      `${bank.bands}`,
      '--bins',
      `${bank.bins}`,
      '--out',
      path.join(workDir, 'numpy'),
      ...wavs,
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) {
    return {
      filesPerSec: null,
      error: (r.error?.message ?? r.stderr.trim()) || `exit ${r.status}`,
    };
  }
  const lines = r.stdout.trim().split('\n');
  return {
    filesPerSec: (JSON.parse(lines[lines.length - 1]) as { filesPerSec: number }).filesPerSec,
  };
}

async function bench(args: FeaturesBenchArgs, out: Output): Promise<FeaturesBenchResult> {
  if (!addonAvailable())
    throw new CommandFailed('the native addon is not built: npx nx run native:build');
  const threads = args.threads ?? os.availableParallelism();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-bench-features-'));
  try {
    out.info(`writing ${args.clips} synthetic ${SECONDS} s stereo 24-bit clips to ${work}`);
    const clips = Array.from({ length: args.clips }, (_, i) => {
      const file = `audio/clip-${i}.wav`;
      const full = path.join(work, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, encodeWavPcm24(syntheticClip(i + 1), RATE_HZ));
      return { file, path: full };
    });
    // Plans and the filter bank are made once per process; keep that out of the timings.
    await computeClipFeatures(clips[0].path, {}, { backend: 'native' });
    await computeClipFeatures(clips[0].path, {}, { backend: 'js' });

    const native1 = await timedBuild(clips, path.join(work, 'cache-1'), 'native', 1);
    out.info(
      `native, 1 thread:      ${native1.toFixed(1)} files/s (WAV on disk -> cached segments)`,
    );
    const cpuBefore = process.cpuUsage();
    const nativeN = await timedBuild(clips, path.join(work, 'cache-n'), 'native', threads);
    const cpu = process.cpuUsage(cpuBefore);
    const nativeCpuMsPerFile = (cpu.user + cpu.system) / 1000 / clips.length;
    out.info(
      `native, ${threads} threads:     ${nativeN.toFixed(1)} files/s ` +
        `(${nativeCpuMsPerFile.toFixed(1)} ms CPU per file)`,
    );
    const jsClips = clips.slice(0, Math.min(args.jsClips, clips.length));
    const js = await timedBuild(jsClips, path.join(work, 'cache-js'), 'js', 1);
    out.info(`TypeScript (fftw-js):  ${js.toFixed(2)} files/s (${jsClips.length} clips)`);
    const numpyWavs = clips.slice(0, Math.min(args.numpyClips, clips.length)).map((c) => c.path);
    const numpy = runNumpy(numpyWavs, work);
    if (numpy.filesPerSec === null) out.warn(`numpy reference failed: ${numpy.error}`);
    else
      out.info(
        `numpy (float64):       ${numpy.filesPerSec.toFixed(2)} files/s (${numpyWavs.length} clips)`,
      );
    const fftSeconds = await nativeFeatures().timeFftOnly(
      { ...DEFAULT_FEATURE_CONFIG },
      SECONDS * RATE_HZ,
      2,
      args.clips,
      threads,
    );
    const fftOnly = filesPerSec(args.clips, fftSeconds);
    out.info(`FFT stage only, ${threads} threads: ${fftOnly.toFixed(1)} files/s`);
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    const result: FeaturesBenchResult = {
      nativeFilesPerSec: nativeN,
      nativeFilesPerSec1Thread: native1,
      jsFilesPerSec: js,
      numpyFilesPerSec: numpy.filesPerSec,
      fftOnlyFilesPerSec: fftOnly,
      threads,
      clips: args.clips,
      jsClips: jsClips.length,
      numpyClips: numpyWavs.length,
      nativeOverNumpy: numpy.filesPerSec ? nativeN / numpy.filesPerSec : null,
      nativeOverFftOnly: nativeN / fftOnly,
      nativeCpuMsPerFile,
      peakRssMiB,
      ...(numpy.error ? { numpyError: numpy.error } : {}),
    };
    out.info(
      `ratios: native/numpy ${result.nativeOverNumpy?.toFixed(1) ?? 'n/a'}x, ` +
        `native/FFT-only ${result.nativeOverFftOnly.toFixed(2)}, native/TypeScript ${(nativeN / js).toFixed(0)}x; ` +
        `peak RSS ${peakRssMiB.toFixed(0)} MiB`,
    );
    return result;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `asc bench features`: the feature pipeline's throughput against numpy and the FFT floor. */
export const featuresBenchCommand = defineCommand<FeaturesBenchArgs>({
  command: 'features',
  describe:
    'Feature extraction throughput: native (1 and all threads), TypeScript, numpy, FFT only',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('clips', {
        type: 'number',
        default: 100,
        describe: 'Synthetic 10 s clips for the native runs',
      })
      .option('threads', {
        type: 'number',
        describe: 'Threads of the multi-threaded run (default: the cores)',
      })
      .option('js-clips', {
        type: 'number',
        default: 8,
        describe: 'Clips for the TypeScript run (one worker thread)',
      })
      .option('numpy-clips', {
        type: 'number',
        default: 12,
        describe: 'Clips for the numpy run',
      }) as unknown as Argv<FeaturesBenchArgs>,
  run: async (args, out) => {
    checkPositiveIntegers({
      '--clips': args.clips,
      '--threads': args.threads,
      '--js-clips': args.jsClips,
      '--numpy-clips': args.numpyClips,
    });
    return bench(args, out);
  },
});
