/**
 * Clip-level scores from segment-level outputs. A clip's probability for each class is
 * the mean of its segments' sigmoid outputs; its prediction is the argmax.
 */
export interface ClipMetrics {
  clips: number;
  segments: number;
  /** Clip accuracy: the paper's "accuracy". */
  accuracy: number;
  segmentAccuracy: number;
  /**
   * Multi-class log loss of the clip probabilities, each clip's vector renormalised to
   * sum to 1 and clipped to [1e-15, 1 - 1e-15] (sklearn's log_loss, which DCASE used).
   */
  logLoss: number;
  /** Binary cross-entropy of the segment sigmoids against one-hot targets (training's loss). */
  segmentBce: number;
  /** Recall per class, NaN-free: null for a class with no clips. */
  perClass: (number | null)[];
  /** confusion[true][predicted], counts of clips. */
  confusion: number[][];
  /** clips x classes, row-major. */
  clipProbabilities: Float32Array;
}

const EPS = 1e-15;

function argmax(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

/**
 * @param segmentProbabilities sigmoid outputs, segments x classes, row-major
 * @param segmentClip the clip index of each segment (0..clips-1)
 * @param labels the class index of each clip
 */
export function clipMetrics(
  segmentProbabilities: Float32Array,
  segmentClip: Int32Array,
  labels: ArrayLike<number>,
  classes: number,
): ClipMetrics {
  const clips = labels.length;
  const segments = segmentClip.length;
  if (segmentProbabilities.length !== segments * classes) {
    throw new RangeError(
      `expected ${segments} x ${classes} probabilities, got ${segmentProbabilities.length}`,
    );
  }
  const sums = new Float64Array(clips * classes);
  const counts = new Int32Array(clips);
  let segmentCorrect = 0;
  let bce = 0;
  for (let s = 0; s < segments; s++) {
    const c = segmentClip[s];
    if (!(c >= 0 && c < clips)) throw new RangeError(`segment ${s} names clip ${c} of ${clips}`);
    counts[c] += 1;
    for (let k = 0; k < classes; k++) {
      const p = segmentProbabilities[s * classes + k];
      sums[c * classes + k] += p;
      const q = Math.min(1 - EPS, Math.max(EPS, p));
      bce -= k === labels[c] ? Math.log(q) : Math.log(1 - q);
    }
    if (argmax(segmentProbabilities, s * classes, classes) === labels[c]) segmentCorrect += 1;
  }
  const clipProbabilities = new Float32Array(clips * classes);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let c = 0; c < clips; c++) {
    if (counts[c] === 0) throw new RangeError(`clip ${c} has no segments`);
    let total = 0;
    for (let k = 0; k < classes; k++) {
      const p = sums[c * classes + k] / counts[c];
      clipProbabilities[c * classes + k] = p;
      total += p;
    }
    const predicted = argmax(clipProbabilities, c * classes, classes);
    confusion[labels[c]][predicted] += 1;
    if (predicted === labels[c]) correct += 1;
    const pTrue = total > 0 ? clipProbabilities[c * classes + labels[c]] / total : 1 / classes;
    logLoss -= Math.log(Math.min(1 - EPS, Math.max(EPS, pTrue)));
  }
  const perClass = confusion.map((row, k) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n > 0 ? row[k] / n : null;
  });
  return {
    clips,
    segments,
    accuracy: clips > 0 ? correct / clips : 0,
    segmentAccuracy: segments > 0 ? segmentCorrect / segments : 0,
    logLoss: clips > 0 ? logLoss / clips : 0,
    segmentBce: segments > 0 ? bce / (segments * classes) : 0,
    perClass,
    confusion,
    clipProbabilities,
  };
}
