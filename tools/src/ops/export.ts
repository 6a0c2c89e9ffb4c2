// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them. Here: exporting a trained run.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_FEATURE_CONFIG } from '@asc/native';
import {
  BYTES_PER_PARAM,
  CALIBRATION_METHOD,
  OnnxModel,
  exportOnnx,
  type CalibrationBatch,
  type OnnxDtype,
} from '@asc/onnx';
import {
  exportLayersModel,
  loadExportedModel,
  normalisationVectors,
  openRunData,
  readRunRecord,
  runDataOptions,
  runPaths,
  RunRecordError,
  segmentSize,
  selectBackend,
  tfjsScorer,
  InputNormaliser,
  type RunData,
  type SegmentSource,
  type ClipRef,
} from '@asc/trainer';
import { foldedSeedRng, writeFileAtomic } from '@asc/core';
import { nonZeroParams, runComplexity, type Complexity, type LayersModel } from '@asc/zoo';

export type ExportFormat = 'onnx' | 'tfjs';

export interface ExportRunOptions {
  runDir: string;
  format: ExportFormat;
  dtype: OnnxDtype;
  /** The ONNX file, or the tfjs model's directory. */
  out: string;
  /** int8: training segments to calibrate on. */
  calibrationSegments: number;
  threads?: number;
  datasetDir?: string;
  cacheDir?: string;
  onProgress?: (line: string) => void;
}

/** What `asc export --json` prints: the file, the DCASE complexity figures and the check. */
export type ExportRunResult = Complexity & {
  run: string;
  model: string;
  format: ExportFormat;
  dtype: OnnxDtype;
  file: string;
  fileBytes: number;
  calibrationSegments: number | null;
  calibrationMethod: string | null;
  /** Largest |probability difference| against the run's tfjs float32 model (null: not checked). */
  maxAbsDiff: number | null;
  checkedSegments: number;
};

/** Segments compared between the export and the run's tfjs model. */
const CHECK_SEGMENTS = 64;
const BATCH = 64;

/**
 * Up to `limit` segments of the clips, `batch` at a time, clips in a seeded order so the
 * sample covers the split rather than its first files.
 */
export function* segmentBatches(
  source: SegmentSource,
  clips: readonly ClipRef[],
  limit: number,
  seed: number,
  batch = BATCH,
): Generator<CalibrationBatch> {
  const order = Array.from(foldedSeedRng(seed).permutation(clips.length), (i) => clips[i].file);
  const size = segmentSize(source.segmentShape);
  let buffer = new Float32Array(batch * size);
  let filled = 0;
  let total = 0;
  for (const file of order) {
    const { segments, count } = source.read(file);
    for (let s = 0; s < count && total < limit; s++, total++) {
      buffer.set(segments.subarray(s * size, (s + 1) * size), filled * size);
      if (++filled === batch) {
        yield { segments: buffer, count: filled };
        buffer = new Float32Array(batch * size);
        filled = 0;
      }
    }
    if (total >= limit) break;
  }
  if (filled > 0) yield { segments: buffer.subarray(0, filled * size), count: filled };
}

function fileBytes(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, f) => n + fs.statSync(path.join(p, f)).size, 0);
}

/**
 * `asc export`: a finished run's model as ONNX (float32, float16 or int8 QDQ) or as a tfjs
 * layers model (float32 or float16), its DCASE complexity figures, and a check of the
 * export's outputs against the run's float32 tfjs model on evaluate segments.
 */
export async function exportRun(o: ExportRunOptions): Promise<ExportRunResult> {
  const record = readRunRecord(o.runDir);
  if (!record.export) {
    throw new RunRecordError(
      runPaths(o.runDir).record,
      `the run has not finished (${record.epochsDone}/${record.epochs} epochs): no trained model to export`,
    );
  }
  const { tf } = await selectBackend('auto', { threads: o.threads });
  const model: LayersModel = await loadExportedModel(
    tf,
    path.join(o.runDir, record.export.fp32Dir, 'model.json'),
  );
  const inputs = new InputNormaliser(tf, record.data.inputShape, record.normalisation);
  const { datasetDir, cacheDir, split, classes } = runDataOptions(o.runDir, record, o);
  // Calibration needs the training segments; a float export only checks itself on the
  // evaluate split, and is still written when the data has moved away.
  let data: RunData | null = null;
  try {
    data = await openRunData(datasetDir, cacheDir, { split, classes });
  } catch (err) {
    if (o.dtype === 'int8') throw err;
    o.onProgress?.(`no check against the run's model: ${(err as Error).message}`);
  }
  try {
    if (
      data &&
      record.data.featureConfigHash &&
      data.cache.configHash !== record.data.featureConfigHash
    ) {
      throw new RunRecordError(
        runPaths(o.runDir).record,
        `the run trained on features ${record.data.featureConfigHash}, the cache ${cacheDir} holds ${data.cache.configHash}`,
      );
    }
    let calibrationSegments: number | null = null;
    let score: (segments: Float32Array, count: number) => Promise<Float32Array>;
    let release = async () => {};
    if (o.format === 'tfjs') {
      await exportLayersModel(tf, model, o.out, o.dtype as 'float32' | 'float16');
      const exported = await loadExportedModel(tf, path.join(o.out, 'model.json'));
      score = tfjsScorer(tf, exported, inputs);
      release = async () => {
        exported.dispose();
      };
    } else {
      if (o.dtype === 'int8') {
        o.onProgress?.(
          `calibrating on ${o.calibrationSegments} training segments (${CALIBRATION_METHOD})`,
        );
      }
      const exported = await exportOnnx(model, {
        dtype: o.dtype,
        normalisation: normalisationVectors(record.normalisation),
        calibration:
          data && o.dtype === 'int8'
            ? segmentBatches(
                data.train.source,
                data.train.clips,
                o.calibrationSegments,
                record.seed,
              )
            : undefined,
        threads: o.threads,
        metadata: {
          'asc.model': record.model,
          ...(record.spec ? { 'asc.spec': JSON.stringify(record.spec) } : {}),
          'asc.classes': JSON.stringify(record.data.classes),
          'asc.featureConfigHash': record.data.featureConfigHash ?? '',
          'asc.featureConfig': JSON.stringify(record.data.featureConfig),
          'asc.normalisationSegments': String(record.normalisation.segments),
        },
      });
      calibrationSegments = exported.calibrationSegments;
      fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
      await writeFileAtomic(o.out, exported.bytes);
      const onnx = await OnnxModel.open(o.out, { threads: o.threads });
      score = async (segments, count) => (await onnx.run(segments, count)).probabilities;
      release = async () => {
        await onnx.release();
      };
    }
    const reference = tfjsScorer(tf, model, inputs);
    let maxAbsDiff: number | null = null;
    let checked = 0;
    try {
      const evaluate = data
        ? segmentBatches(data.evaluate.source, data.evaluate.clips, CHECK_SEGMENTS, 1)
        : [];
      for (const b of evaluate) {
        const [a, e] = [await score(b.segments, b.count), await reference(b.segments, b.count)];
        for (let i = 0; i < a.length; i++)
          maxAbsDiff = Math.max(maxAbsDiff ?? 0, Math.abs(a[i] - e[i]));
        checked += b.count;
      }
    } finally {
      await release();
    }
    return {
      run: o.runDir,
      model: record.model,
      format: o.format,
      dtype: o.dtype,
      file: path.resolve(o.out),
      ...runComplexity(record, {
        bytesPerParam: BYTES_PER_PARAM[o.dtype],
        nonZeroParameters: nonZeroParams(model),
        geometry: DEFAULT_FEATURE_CONFIG,
      })!,
      fileBytes: fileBytes(o.out),
      calibrationSegments,
      calibrationMethod: calibrationSegments === null ? null : CALIBRATION_METHOD,
      maxAbsDiff,
      checkedSegments: checked,
    };
  } finally {
    data?.close();
    model.dispose();
    inputs.dispose();
  }
}
