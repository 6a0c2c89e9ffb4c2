import type * as tfType from '@tensorflow/tfjs';
import type { InputNormaliser } from './inputs';
import { clipMetrics, type ClipMetrics } from './metrics';
import { segmentSize, type ClipRef, type SegmentSource } from './segments';

type Tf = typeof tfType;

/**
 * Scores `count` raw segments (count x frames x bands x planes, channels-last, not
 * normalised): resolves to their sigmoid outputs, count x classes. Any runtime can
 * provide one (tfjs below; onnxruntime in @asc/onnx).
 */
export type SegmentScorer = (segments: Float32Array, count: number) => Promise<Float32Array>;

/** The scorer of a tfjs model (logits out) with the run's input normalisation. */
export function tfjsScorer(
  tf: Tf,
  model: tfType.LayersModel,
  inputs: InputNormaliser,
): SegmentScorer {
  return async (segments, count) => {
    const probs = tf.tidy(() =>
      tf.sigmoid(
        model.predict(inputs.tensor(segments, count), { batchSize: count }) as tfType.Tensor,
      ),
    );
    const values = (await probs.data()) as Float32Array;
    probs.dispose();
    return values;
  };
}

export interface EvaluateOptions {
  classes: number;
  /** Segments per forward pass. */
  batchSize: number;
  signal?: AbortSignal;
}

/**
 * Runs the scorer (a model in inference mode) over every segment of the clips, streaming
 * clips from the source, and scores it at clip level (mean of segment sigmoids).
 */
export async function evaluateClips(
  score: SegmentScorer,
  source: SegmentSource,
  clips: readonly ClipRef[],
  options: EvaluateOptions,
): Promise<ClipMetrics> {
  const size = segmentSize(source.segmentShape);
  const probabilities: number[] = [];
  const segmentClip: number[] = [];
  const buffer = new Float32Array(options.batchSize * size);
  let filled = 0;
  const flush = async (): Promise<void> => {
    if (filled === 0) return;
    const values = await score(buffer.subarray(0, filled * size), filled);
    if (values.length !== filled * options.classes) {
      throw new RangeError(
        `the model gave ${values.length} scores for ${filled} segments of ${options.classes} classes`,
      );
    }
    for (let i = 0; i < values.length; i++) probabilities.push(values[i]);
    filled = 0;
  };
  for (let c = 0; c < clips.length; c++) {
    options.signal?.throwIfAborted();
    const { segments, count } = source.read(clips[c].file);
    for (let s = 0; s < count; s++) {
      buffer.set(segments.subarray(s * size, (s + 1) * size), filled * size);
      segmentClip.push(c);
      filled += 1;
      if (filled === options.batchSize) await flush();
    }
  }
  await flush();
  return clipMetrics(
    Float32Array.from(probabilities),
    Int32Array.from(segmentClip),
    clips.map((c) => c.classIndex),
    options.classes,
  );
}
