import type * as tfjs from '@tensorflow/tfjs';
import { calibrate, type CalibrationBatch } from './calibrate';
import { OnnxExportError } from './errors';
import { toFloat16Weights } from './float16';
import { graphFromLayersModel, type InputNormalisation } from './from-tfjs';
import type { OnnxGraph } from './graph';
import { encodeModel } from './proto';
import { quantiseQdq } from './quantise';

export type OnnxDtype = 'float32' | 'float16' | 'int8';
export const ONNX_DTYPES: readonly OnnxDtype[] = ['float32', 'float16', 'int8'];

/** Bytes one stored weight takes in each export. */
export const BYTES_PER_PARAM: Record<OnnxDtype, 1 | 2 | 4> = { float32: 4, float16: 2, int8: 1 };

/** The calibration method of the int8 export (see calibrate.ts). */
export const CALIBRATION_METHOD = 'minmax';

export interface OnnxExportOptions {
  dtype: OnnxDtype;
  /** The run's input statistics; the graph then normalises raw segments itself. */
  normalisation?: InputNormalisation;
  /** int8 only: raw training segments to calibrate the activation ranges on. */
  calibration?: Iterable<CalibrationBatch> | AsyncIterable<CalibrationBatch>;
  /** More model metadata (model name, classes, feature configuration...). */
  metadata?: Record<string, string>;
  /** onnxruntime threads for calibration. */
  threads?: number;
}

export interface OnnxExport {
  bytes: Uint8Array;
  dtype: OnnxDtype;
  graph: OnnxGraph;
  /** int8: how many segments the activation ranges were calibrated on. */
  calibrationSegments: number | null;
}

const VERSION = (require('../package.json') as { version: string }).version;

/**
 * Writes a trained tfjs model (logits out) as an ONNX model, opset 13: input `segment`
 * [batch, frames, bands, planes], outputs `probabilities` and `logits` [batch, classes]
 * (from-tfjs.ts). float16 stores the weights in half precision (float16.ts); int8 is the
 * QDQ graph of quantise.ts with activation ranges calibrated on the given segments.
 */
export async function exportOnnx(
  model: tfjs.LayersModel,
  o: OnnxExportOptions,
): Promise<OnnxExport> {
  const float = graphFromLayersModel(model, { normalisation: o.normalisation });
  let graph = float;
  let calibrationSegments: number | null = null;
  if (o.dtype === 'float16') graph = toFloat16Weights(float);
  if (o.dtype === 'int8') {
    if (!o.calibration) throw new OnnxExportError('an int8 export needs calibration segments');
    const { ranges, segments } = await calibrate(float, o.calibration, { threads: o.threads });
    graph = quantiseQdq(float, ranges);
    calibrationSegments = segments;
  }
  graph.metadata = {
    'asc.format': 'asc-onnx/1',
    'asc.dtype': o.dtype,
    'asc.input': o.normalisation
      ? 'segment: scalogram segments in dB [batch, frames, bands, planes], normalised inside the graph ' +
        '(nodes normalise_sub and normalise_div, initializers normalisation_mean and normalisation_scale)'
      : 'segment: normalised scalogram segments [batch, frames, bands, planes]',
    'asc.outputs': 'probabilities: sigmoid per class [batch, classes]; logits [batch, classes]',
    ...(o.dtype === 'int8'
      ? {
          'asc.quantisation': JSON.stringify({
            format: 'QDQ',
            weights: 'int8, per output channel, symmetric, [-127, 127]',
            activations: 'uint8, per tensor, asymmetric',
            bias: 'int32, scale = input scale x weight scale',
            calibration: CALIBRATION_METHOD,
            calibrationSegments,
          }),
        }
      : {}),
    ...(o.metadata ?? {}),
  };
  graph.doc =
    `asc-nas scene classifier (${o.dtype}): ${graph.metadata['asc.input']}; ` +
    graph.metadata['asc.outputs'];
  const bytes = encodeModel(graph, { producerVersion: VERSION });
  return { bytes, dtype: o.dtype, graph, calibrationSegments };
}
