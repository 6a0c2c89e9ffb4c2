import { OnnxExportError } from './errors';
import type { OnnxGraph } from './graph';
import { encodeModel } from './proto';
import { quantisedActivations, type TensorRange } from './quantise';
import { OnnxModel } from './runtime';

/** Segments to calibrate on: batches of raw segments, as the model's input takes them. */
export interface CalibrationBatch {
  segments: Float32Array;
  count: number;
}

/**
 * Min-max calibration: runs the float32 graph on onnxruntime over every batch, with each
 * tensor the QDQ pass quantises added as an output, and keeps the smallest and largest
 * value each takes. (Min-max keeps every observed value representable; on these small
 * networks it lost less accuracy than clipping to percentiles would save, see README.)
 */
export async function calibrate(
  graph: OnnxGraph,
  batches: AsyncIterable<CalibrationBatch> | Iterable<CalibrationBatch>,
  o: { threads?: number } = {},
): Promise<{ ranges: Map<string, TensorRange>; segments: number }> {
  const names = quantisedActivations(graph);
  const probe: OnnxGraph = {
    ...graph,
    outputs: [...graph.outputs, ...names.map((name) => ({ name, type: 'float32' as const }))],
  };
  const model = await OnnxModel.open(encodeModel(probe, { producerVersion: 'calibration' }), {
    optimization: 'basic',
    threads: o.threads,
  });
  const ranges = new Map<string, TensorRange>(
    names.map((n) => [n, { min: Infinity, max: -Infinity }]),
  );
  let segments = 0;
  try {
    for await (const batch of batches) {
      const r = await model.run(batch.segments, batch.count);
      for (const [name, range] of ranges) {
        const values = r.extra.get(name);
        if (!values) throw new OnnxExportError(`missing ${name}: ${[...r.extra.keys()].join(',')}`);
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (v < range.min) range.min = v;
          if (v > range.max) range.max = v;
        }
      }
      segments += batch.count;
    }
  } finally {
    await model.release();
  }
  if (segments === 0) throw new OnnxExportError('calibration needs at least one segment');
  return { ranges, segments };
}
