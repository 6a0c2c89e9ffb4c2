import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  featureConfigHash,
  morletFilterbank,
  resolveFeatureBackend,
  resolveFeatureConfig,
} from '@asc/native';
import { readRunRecord, runPaths, RunRecordError, type ExportDtype } from '@asc/trainer';
import { DemoError } from './errors';
import { DEMO_FORMAT, type DemoManifest } from './manifest';

/** The built page (index.html, the bundle, styles, worklet, wasm), from src/ or dist/. */
export const PAGE_DIR = path.resolve(__dirname, '..', 'dist', 'page');

/** What a demo folder holds besides the page: the manifest, the model, the bank. */
export const MANIFEST_FILE = 'demo.json';
const MODEL_DIR = 'model';
const FILTERBANK_FILE = 'filterbank.bin';

export interface WriteDemoOptions {
  runDir: string;
  outDir: string;
  /** Which of the run's exports to ship (default float32; float16 halves the weights). */
  dtype?: ExportDtype;
}

export interface WrittenDemo {
  outDir: string;
  manifest: DemoManifest;
  /** Every file written, relative to outDir, with its size. */
  files: { path: string; bytes: number }[];
  bytes: number;
}

function listFiles(dir: string, prefix = ''): { path: string; bytes: number }[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const rel = path.posix.join(prefix, e.name);
      const full = path.join(dir, e.name);
      return e.isDirectory()
        ? listFiles(full, rel)
        : [{ path: rel, bytes: fs.statSync(full).size }];
    });
}

/** Refuses to replace a folder that holds something other than an earlier demo. */
function checkReplaceable(outDir: string): void {
  if (!fs.existsSync(outDir)) return;
  if (!fs.statSync(outDir).isDirectory()) {
    throw new DemoError('demo-folder-taken', outDir, 'exists and is not a folder');
  }
  const entries = fs.readdirSync(outDir);
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new DemoError(
      'demo-folder-taken',
      outDir,
      'is not empty and holds no demo (demo.json); choose another --out',
    );
  }
}

/**
 * Writes a self-contained demo folder for a finished run: the page, the run's exported
 * model, its filter bank and demo.json. The folder is assembled beside `outDir` and
 * renamed into place, so an earlier demo there is replaced only by a complete one.
 */
export function writeDemo(options: WriteDemoOptions): WrittenDemo {
  const { runDir } = options;
  const outDir = path.resolve(options.outDir);
  const dtype = options.dtype ?? 'float32';
  if (!fs.existsSync(path.join(PAGE_DIR, 'index.html'))) {
    throw new DemoError(
      'demo-page-missing',
      PAGE_DIR,
      'the page is not built (npx nx run demo:build)',
    );
  }
  const record = readRunRecord(runDir);
  const recordFile = runPaths(runDir).record;
  if (!record.export) {
    throw new RunRecordError(
      `the run has not finished (${record.epochsDone}/${record.epochs} epochs): no exported model yet`,
      recordFile,
    );
  }
  const config = resolveFeatureConfig(record.data.featureConfig ?? {});
  const [frames, bands, planes] = record.data.inputShape;
  const designedBy = resolveFeatureBackend();
  const bank = morletFilterbank({ nFft: config.nFft, J: config.J, Q: config.Q });
  if (frames !== config.segmentFrames || bands !== bank.bands || planes !== 2) {
    throw new RunRecordError(
      `the model takes ${frames}x${bands}x${planes} inputs; the feature config gives ` +
        `${config.segmentFrames}x${bank.bands}x2`,
      recordFile,
    );
  }
  const { normalisation: norm } = record;
  if (norm.bands !== bands || norm.planes !== planes) {
    throw new RunRecordError(
      `normalisation is for ${norm.bands} bands x ${norm.planes} planes, inputs have ${bands} x ${planes}`,
      recordFile,
    );
  }
  const modelSource = path.join(
    runDir,
    dtype === 'float16' ? record.export.fp16Dir : record.export.fp32Dir,
  );
  if (!fs.existsSync(path.join(modelSource, 'model.json'))) {
    throw new DemoError(
      'demo-model-missing',
      modelSource,
      'the exported model (model.json) is missing',
    );
  }

  checkReplaceable(outDir);
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  const staging = fs.mkdtempSync(`${outDir}.partial-`);
  try {
    fs.cpSync(PAGE_DIR, staging, { recursive: true });
    fs.cpSync(modelSource, path.join(staging, MODEL_DIR), { recursive: true });
    const weights = Buffer.from(
      bank.weights.buffer,
      bank.weights.byteOffset,
      bank.weights.byteLength,
    );
    if (os.endianness() !== 'LE') {
      throw new DemoError(
        'demo-big-endian',
        outDir,
        'filterbank.bin is little-endian; this machine is not',
      );
    }
    fs.writeFileSync(path.join(staging, FILTERBANK_FILE), weights);
    const weightsBytes = listFiles(path.join(staging, MODEL_DIR))
      .filter((f) => f.path !== 'model.json')
      .reduce((n, f) => n + f.bytes, 0);
    const manifest: DemoManifest = {
      format: DEMO_FORMAT,
      createdAt: new Date().toISOString(),
      model: {
        id: record.model,
        file: `${MODEL_DIR}/model.json`,
        dtype,
        params: record.params,
        weightsBytes,
      },
      labels: record.data.classes,
      inputShape: record.data.inputShape,
      featureConfig: config,
      featureConfigHash: featureConfigHash(config),
      normalisation: norm,
      filterbank: {
        file: FILTERBANK_FILE,
        bands: bank.bands,
        bins: bank.bins,
        centreHz: Array.from(bank.xi, (xi) => xi * config.sampleRateHz),
        designedBy,
      },
      run: {
        dir: path.resolve(runDir),
        seed: record.seed,
        recipe: record.recipe.name,
        epochs: record.epochsDone,
        testAccuracy: record.final?.testAccuracy ?? null,
        testLoss: record.final?.testLoss ?? null,
      },
    };
    fs.writeFileSync(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
    const files = listFiles(outDir);
    return { outDir, manifest, files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
