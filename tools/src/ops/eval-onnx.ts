// asc's operations layer (tools/src/ops): an exported ONNX model on an evaluate split.
import * as fs from 'fs';
import { OnnxModel } from '@asc/onnx';
import { evaluateSplit, type FinalMetrics } from '@asc/trainer';

/** One ONNX file scored on an evaluate split, with what its metadata says it is. */
export type OnnxEvaluation = FinalMetrics & {
  file: string;
  model: string | null;
  dtype: string | null;
  fileBytes: number;
};

/**
 * `asc eval --model-file`: runs an exported ONNX model through onnxruntime over the
 * evaluate split of a dataset's feature cache; the cache must hold the features the
 * model was exported for (its `asc.featureConfigHash`).
 */
export async function evaluateOnnxFile(
  file: string,
  o: { datasetDir: string; cacheDir: string; batchSize: number; threads?: number },
): Promise<OnnxEvaluation> {
  const model = await OnnxModel.open(file, { threads: o.threads });
  try {
    const meta = model.decoded.metadata;
    const metrics = await evaluateSplit(
      async (segments, count) => (await model.run(segments, count)).probabilities,
      {
        datasetDir: o.datasetDir,
        cacheDir: o.cacheDir,
        batchSize: o.batchSize,
        featureConfigHash: meta['asc.featureConfigHash'] || null,
        segmentShape: model.segmentShape,
      },
    );
    return {
      file,
      model: meta['asc.model'] ?? null,
      dtype: meta['asc.dtype'] ?? null,
      fileBytes: fs.statSync(file).size,
      ...metrics,
    };
  } finally {
    await model.release();
  }
}
