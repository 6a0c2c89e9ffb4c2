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
  cudaInfo,
  DEFAULT_FEATURE_CONFIG,
  nativeFeatures,
  type FeatureBackend,
} from '@asc/native';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { CommandFailed } from '../cli/errors';
import type { Output } from '../cli/output';
import { checkPositiveIntegers } from '../cli/flags';
import { deviceOptions, withDeviceFlags, type DeviceArgs } from '../cli/device-flags';
import { benchFeaturesCuda, type FeaturesCudaBenchResult } from './features-cuda';
import { syntheticClip, SYNTHETIC_SECONDS as SECONDS, writeFilterBank } from './inputs';

interface FeaturesBenchArgs extends DeviceArgs {
  clips?: number;
  threads?: number;
  jsClips: number;
  numpyClips: number;
  flacClips: number;
  cpuClips: number;
  computeClips: number;
  torch: boolean;
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
  /**
   * The same pipeline from 10 s 44.1 kHz mono FLAC files (decoded by libsndfile,
   * resampled to 48 kHz by libsoxr HQ) and, for reference, from 48 kHz mono 24-bit WAV
   * files of the same signal: CPU time per file of each and their ratio, which is what
   * decoding and resampling add. Null when the `flac` encoder is not installed.
   */
  flacCpuMsPerFile: number | null;
  monoWavCpuMsPerFile: number | null;
  flacOverMonoWav: number | null;
  /** FLAC mono per file over today's path, the stereo 48 kHz WAV run (nativeCpuMsPerFile). */
  flacOverWav: number | null;
  flacClips: number;
  flacError?: string;
  /** 1-minute load average when the run started: other work on the machine slows it. */
  loadAverage: number;
}

const RATE_HZ = DEFAULT_FEATURE_CONFIG.sampleRateHz;
const FLAC_RATE_HZ = 44100;

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
      `the ${backend} build extracted ${report.extracted} of ${clips.length} clips` +
        (report.failed[0] ? ` (first failure: ${report.failed[0].error})` : ''),
    );
  }
  return filesPerSec(clips.length, report.seconds);
}

/** CPU time (user + system, every thread) per file of a native build of `clips`. */
async function cpuMsPerFile(
  clips: { file: string; path: string }[],
  cacheDir: string,
  threads: number,
): Promise<number> {
  const before = process.cpuUsage();
  await timedBuild(clips, cacheDir, 'native', threads);
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000 / clips.length;
}

/**
 * Writes `count` 10 s mono clips twice: 48 kHz 24-bit WAV, and 44.1 kHz WAV encoded to
 * FLAC by the `flac` tool (an encoder outside our code). Null with the reason when `flac`
 * is not installed.
 */
function writeMonoClips(
  work: string,
  count: number,
): { wav: { file: string; path: string }[]; flac: { file: string; path: string }[] } | string {
  const wav: { file: string; path: string }[] = [];
  const flac: { file: string; path: string }[] = [];
  fs.mkdirSync(path.join(work, 'mono'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const file = `mono/clip-${i}`;
    const full = path.join(work, file);
    fs.writeFileSync(`${full}.wav`, encodeWavPcm24([syntheticClip(i + 1)[0]], RATE_HZ));
    fs.writeFileSync(
      `${full}-44k.wav`,
      encodeWavPcm24([syntheticClip(i + 1, FLAC_RATE_HZ)[0]], FLAC_RATE_HZ),
    );
    const r = spawnSync('flac', ['-s', '-f', `${full}-44k.wav`, '-o', `${full}.flac`], {
      encoding: 'utf8',
    });
    if (r.error || r.status !== 0) {
      return `flac did not run (${r.error?.message ?? r.stderr.trim()}); install it: apt-get install flac`;
    }
    wav.push({ file: `${file}.wav`, path: `${full}.wav` });
    flac.push({ file: `${file}.flac`, path: `${full}.flac` });
  }
  return { wav, flac };
}

function runNumpy(wavs: string[], workDir: string): { filesPerSec: number | null; error?: string } {
  const bank = writeFilterBank(workDir);
  const script = path.join(__dirname, '..', '..', 'bench', 'features_numpy.py');
  const r = spawnSync(
    'python3',
    [
      script,
      '--bank',
      bank.file,
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

async function bench(
  args: FeaturesBenchArgs & { clips: number },
  out: Output,
): Promise<FeaturesBenchResult> {
  if (!addonAvailable())
    throw new CommandFailed('the native addon is not built: npx nx run native:build');
  const threads = args.threads ?? os.availableParallelism();
  const loadAverage = os.loadavg()[0];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-bench-features-'));
  try {
    out.info(`load average ${loadAverage.toFixed(1)} at the start`);
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
    const mono = writeMonoClips(work, args.flacClips);
    let flac: Pick<
      FeaturesBenchResult,
      'flacCpuMsPerFile' | 'monoWavCpuMsPerFile' | 'flacOverMonoWav' | 'flacOverWav'
    > & {
      flacError?: string;
    };
    if (typeof mono === 'string') {
      out.warn(`44.1 kHz FLAC not measured: ${mono}`);
      flac = {
        flacCpuMsPerFile: null,
        monoWavCpuMsPerFile: null,
        flacOverMonoWav: null,
        flacOverWav: null,
        flacError: mono,
      };
    } else {
      await computeClipFeatures(mono.flac[0].path, {}, { backend: 'native' });
      const monoWavMs = await cpuMsPerFile(mono.wav, path.join(work, 'cache-mono-wav'), threads);
      const flacMs = await cpuMsPerFile(mono.flac, path.join(work, 'cache-mono-flac'), threads);
      flac = {
        flacCpuMsPerFile: flacMs,
        monoWavCpuMsPerFile: monoWavMs,
        flacOverMonoWav: flacMs / monoWavMs,
        flacOverWav: flacMs / nativeCpuMsPerFile,
      };
      out.info(
        `mono, ${threads} threads: 48 kHz WAV ${monoWavMs.toFixed(1)} ms CPU per file, ` +
          `44.1 kHz FLAC (libsndfile + libsoxr HQ) ${flacMs.toFixed(1)} ms (` +
          `${((flacMs / monoWavMs - 1) * 100).toFixed(1)} % more; ${mono.flac.length} clips); ` +
          `decoding and resampling add ${(((flacMs - monoWavMs) / nativeCpuMsPerFile) * 100).toFixed(0)} % ` +
          `of a stereo WAV clip, the FLAC clip is ${(flacMs / nativeCpuMsPerFile).toFixed(2)}x one`,
      );
    }
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
      ...flac,
      flacClips: typeof mono === 'string' ? 0 : mono.flac.length,
      loadAverage,
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
    'Feature extraction throughput: native (1 and all threads), TypeScript, numpy, FFT only; ' +
    '44.1 kHz FLAC; or CUDA against the CPU and PyTorch (--device cuda)',
  builder: (y: Argv<GlobalOptions>) =>
    withDeviceFlags(y, 'cpu')
      .option('clips', {
        type: 'number',
        describe: 'Synthetic 10 s clips for the native runs (default 100; with --device cuda 2000)',
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
      })
      .option('flac-clips', {
        type: 'number',
        default: 40,
        describe: 'Clips for the 44.1 kHz mono FLAC run and its 48 kHz mono WAV reference',
      })
      .option('cpu-clips', {
        type: 'number',
        default: 64,
        describe: '--device cuda: clips the CPU path also computes (difference and ratio)',
      })
      .option('compute-clips', {
        type: 'number',
        default: 2048,
        describe: '--device cuda: clips of the compute-only runs (ours and PyTorch)',
      })
      .option('torch', {
        type: 'boolean',
        default: true,
        describe: '--device cuda: run the PyTorch pipeline with python3 (--no-torch skips it)',
      }) as unknown as Argv<FeaturesBenchArgs>,
  run: async (args, out): Promise<FeaturesBenchResult | FeaturesCudaBenchResult> => {
    checkPositiveIntegers({
      '--clips': args.clips,
      '--threads': args.threads,
      '--js-clips': args.jsClips,
      '--numpy-clips': args.numpyClips,
      '--flac-clips': args.flacClips,
      '--cpu-clips': args.cpuClips,
      '--compute-clips': args.computeClips,
    });
    const { device: requested, cuda } = deviceOptions(args);
    const device = requested === 'auto' ? (cudaInfo().usable ? 'cuda' : 'cpu') : requested;
    if (device === 'cuda') {
      if (!addonAvailable()) {
        throw new CommandFailed('the native addon is not built: npx nx run native:build');
      }
      return benchFeaturesCuda(
        {
          clips: args.clips ?? 2000,
          cpuClips: args.cpuClips,
          computeClips: args.computeClips,
          threads: args.threads ?? os.availableParallelism(),
          cuda,
          python: args.torch ? 'python3' : null,
        },
        out,
      );
    }
    return bench({ ...args, clips: args.clips ?? 100 }, out);
  },
});
