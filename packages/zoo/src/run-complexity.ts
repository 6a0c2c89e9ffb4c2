import { audioTiming, complexityOf, type Complexity, type SegmentGeometry } from './complexity';
import { resolveModel } from './models/named';
import type { RunRecord } from './run-record';
import { validateArchSpec } from './spec';

/**
 * The DCASE figures of a run's trained model stored at `bytesPerParam`, counted at the
 * run's input shape and classes, with the non-zero weights the run recorded (or the ones
 * given) and its segments timed by its feature configuration (or `geometry` when the
 * record has none). Null when neither gives the timing.
 */
export function runComplexity(
  record: RunRecord,
  o: { bytesPerParam: number; nonZeroParameters?: number; geometry?: SegmentGeometry },
): Complexity | null {
  const geometry = (record.data.featureConfig as SegmentGeometry | null) ?? o.geometry;
  if (!geometry) return null;
  const model = resolveModel(record.spec ? validateArchSpec(record.spec) : record.model);
  const cost = model.cost({
    inputShape: record.data.inputShape,
    classes: record.data.classes.length,
  });
  return complexityOf(cost, {
    ...audioTiming(geometry),
    bytesPerParam: o.bytesPerParam,
    nonZeroParameters: o.nonZeroParameters ?? record.export?.nonZeroParameters,
  });
}
