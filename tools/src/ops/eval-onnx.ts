// asc's operations layer (tools/src/ops): an exported ONNX model on an evaluate split.
import * as fs from 'fs';
import { OnnxModel, OnnxModelFileError } from '@asc/onnx';
import { evaluateSplit, type EvaluateSplitOptions, type FinalMetrics } from '@asc/trainer';

/** One ONNX file scored on an evaluate split, with what its metadata says it is. */
export type OnnxEvaluation = FinalMetrics & {
  file: string;
  model: string | null;
  dtype: string | null;
  fileBytes: number;
  warnings: string[];
};

/**
 * `asc eval --model-file`: runs an exported ONNX model through onnxruntime over the
 * evaluate split of a dataset's feature cache; the cache must hold the features the
 * model was exported for (its `asc.featureConfigHash`), and clips are indexed by the
 * classes it names (`asc.classes`, the order of its outputs).
 */
export async function evaluateOnnxFile(
  file: string,
  o: Pick<
    EvaluateSplitOptions,
    'datasetDir' | 'cacheDir' | 'batchSize' | 'split' | 'trainedSplitDigest'
  > & { threads?: number },
): Promise<OnnxEvaluation> {
  const model = await OnnxModel.open(file, { threads: o.threads });
  try {
    const meta = model.decoded.metadata;
    const { metrics, warnings } = await evaluateSplit(
      async (segments, count) => (await model.run(segments, count)).probabilities,
      {
        ...o,
        classes: classesOf(file, meta['asc.classes'], model.classes),
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
      warnings,
    };
  } finally {
    await model.release();
  }
}

/** The class names of the model's outputs (`asc.classes`), or undefined when it names none. */
function classesOf(file: string, raw: string | undefined, outputs: number): string[] | undefined {
  if (!raw) return undefined;
  let classes: unknown = null;
  try {
    classes = JSON.parse(raw);
  } catch {
    // reported below with the text itself
  }
  if (
    !Array.isArray(classes) ||
    classes.length !== outputs ||
    classes.some((c) => typeof c !== 'string')
  ) {
    throw new OnnxModelFileError(
      file,
      `its metadata asc.classes should list ${outputs} class names (one per output), got ${raw}`,
    );
  }
  return classes as string[];
}
