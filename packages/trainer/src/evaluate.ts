import type * as tfType from '@tensorflow/tfjs';
import type { InputNormaliser } from './inputs';
import { clipMetrics, type ClipMetrics } from './metrics';
import { segmentSize, type ClipRef, type SegmentSource } from './segments';

type Tf = typeof tfType;

export interface EvaluateOptions {
  classes: number;
  /** Segments per forward pass. */
  batchSize: number;
  signal?: AbortSignal;
}

/**
 * Runs the model (inference mode) over every segment of the clips, streaming clips from
 * the source, and scores it at clip level (mean of segment sigmoids).
 */
export async function evaluateClips(
  tf: Tf,
  model: tfType.LayersModel,
  source: SegmentSource,
  inputs: InputNormaliser,
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
    const probs = tf.tidy(() => {
      const x = inputs.tensor(buffer.subarray(0, filled * size), filled);
      return tf.sigmoid(model.predict(x, { batchSize: filled }) as tfType.Tensor);
    });
    const values = await probs.data();
    probs.dispose();
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
