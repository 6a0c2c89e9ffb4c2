import { OnnxExportError } from './errors';
import { consumers, type Initializer, type OnnxGraph, type OnnxNode } from './graph';

/**
 * Post-training static quantisation in QDQ form (QuantizeLinear / DequantizeLinear pairs
 * around float operators, which onnxruntime fuses into integer kernels):
 * - weights of every Conv and Gemm: int8, per output channel, symmetric (zero point 0)
 *   over [-127, 127]: scale_c = max|W_c| / 127, q = round_half_even(W / scale_c);
 * - activations: int8, per tensor, asymmetric: the inputs and outputs of every Conv and
 *   Gemm (except outputs that feed the graph's outputs, which stay float32), with the
 *   range [min(0, lo), max(0, hi)] from calibration (so that zero is exact):
 *   scale = (hi - lo) / 255, zero point = round_half_even(-128 - lo / scale);
 * - biases: int32 with scale = input scale x weight scale_c and zero point 0, as ONNX's
 *   QLinearConv and onnxruntime's QDQ fusion expect.
 * Everything between (Sigmoid, Mul, Add, pooling) runs in float32 on dequantised values.
 */

/** Observed range of one tensor over the calibration data. */
export interface TensorRange {
  min: number;
  max: number;
}

export const INT8_WEIGHT_MAX = 127;

/** ONNX QuantizeLinear's rounding: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per-channel symmetric int8 weights along `axis` (0 for Conv [O, I, kh, kw], 1 for Gemm [in, out]). */
export function quantiseWeightsPerChannel(
  values: Float32Array,
  dims: readonly number[],
  axis: number,
): { q: Int8Array; scales: Float32Array } {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absMax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    absMax[c] = Math.max(absMax[c], Math.abs(values[i]));
  }
  // An all-zero channel gets scale 1: its values quantise to 0 either way.
  const scales = absMax.map((m) => (m > 0 ? m / INT8_WEIGHT_MAX : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = roundHalfEven(values[i] / scales[c]);
    q[i] = Math.max(-INT8_WEIGHT_MAX, Math.min(INT8_WEIGHT_MAX, v));
  }
  return { q, scales };
}

/** Per-tensor asymmetric int8 parameters of an activation range. */
export function activationQuantisation(range: TensorRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** Operators with int8 weights. */
const WEIGHTED_OPS = new Set(['Conv', 'Gemm']);

/**
 * Operators whose outputs are quantised: those onnxruntime has integer kernels for
 * (QLinearConv, QGemm, QLinearSigmoid, QLinearMul, QLinearAdd, QLinearAveragePool,
 * QLinearGlobalAveragePool; Relu and Clip fold into the Q before them). Data movement
 * (Transpose, Reshape, Slice, Concat, Flatten, MaxPool) keeps its input's quantisation.
 */
const QUANTISED_OUTPUTS = new Set([
  'Conv',
  'Gemm',
  'Relu',
  'Clip',
  'Sigmoid',
  'Mul',
  'Add',
  'AveragePool',
  'GlobalAveragePool',
]);

/** The activation tensors the QDQ pass quantises, in graph order (what calibration must observe). */
export function quantisedActivations(graph: OnnxGraph): string[] {
  const readers = consumers(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const feedsOutput = (t: string) =>
    outputs.has(t) || (readers.get(t) ?? []).some((n) => n.outputs.some((o) => outputs.has(o)));
  const names: string[] = [];
  const add = (t: string) => {
    if (!names.includes(t) && !graph.initializers.has(t)) names.push(t);
  };
  for (const node of graph.nodes) {
    if (WEIGHTED_OPS.has(node.op)) add(node.inputs[0]);
    if (QUANTISED_OUTPUTS.has(node.op) && !feedsOutput(node.outputs[0])) add(node.outputs[0]);
  }
  return names;
}

/**
 * The int8 QDQ graph of a float32 graph, given the calibrated range of every tensor that
 * `quantisedActivations` lists.
 */
export function quantiseQdq(graph: OnnxGraph, ranges: ReadonlyMap<string, TensorRange>): OnnxGraph {
  const initializers = new Map(graph.initializers);
  const activation = new Map<string, { scale: string; zeroPoint: string; scaleValue: number }>();
  const added: OnnxNode[] = [];
  const rename = new Map<string, string>();

  const constant = (t: Omit<Initializer, 'role'>) => {
    initializers.set(t.name, { ...t, role: 'constant' });
    return t.name;
  };

  for (const t of quantisedActivations(graph)) {
    const range = ranges.get(t);
    if (!range) throw new OnnxExportError(`no calibration range for tensor ${t}`);
    const { scale, zeroPoint } = activationQuantisation(range);
    const s = constant({
      name: `${t}_scale`,
      type: 'float32',
      dims: [],
      data: Float32Array.of(scale),
    });
    const z = constant({
      name: `${t}_zero_point`,
      type: 'uint8',
      dims: [],
      data: Uint8Array.of(zeroPoint),
    });
    activation.set(t, { scale: s, zeroPoint: z, scaleValue: scale });
    rename.set(t, `${t}_dq`);
  }

  const weightDq = (node: OnnxNode, weightName: string, axis: number): { scales: Float32Array } => {
    const w = graph.initializers.get(weightName);
    if (!w || w.type !== 'float32')
      throw new OnnxExportError(`${node.name}: weight ${weightName} is not a float32 initializer`);
    const { q, scales } = quantiseWeightsPerChannel(w.data as Float32Array, w.dims, axis);
    initializers.delete(weightName);
    const qName = constant({ name: `${weightName}_int8`, type: 'int8', dims: w.dims, data: q });
    initializers.set(qName, { ...initializers.get(qName)!, role: 'weight' });
    const s = constant({
      name: `${weightName}_scale`,
      type: 'float32',
      dims: [scales.length],
      data: scales,
    });
    const z = constant({
      name: `${weightName}_zero_point`,
      type: 'int8',
      dims: [scales.length],
      data: new Int8Array(scales.length),
    });
    added.push({
      op: 'DequantizeLinear',
      name: `${weightName}_dq`,
      inputs: [qName, s, z],
      outputs: [weightName],
      attributes: { axis },
    });
    return { scales };
  };

  const nodes: OnnxNode[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => rename.get(i) ?? i);
    if (WEIGHTED_OPS.has(node.op)) {
      const input = activation.get(node.inputs[0]);
      if (!input)
        throw new OnnxExportError(`${node.name}: its input ${node.inputs[0]} is not quantised`);
      const { scales } = weightDq(node, node.inputs[1], node.op === 'Conv' ? 0 : 1);
      const biasName = node.inputs[2];
      if (biasName) {
        const b = graph.initializers.get(biasName);
        if (!b || b.type !== 'float32')
          throw new OnnxExportError(`${node.name}: bias ${biasName} is not a float32 initializer`);
        const biasScales = scales.map((s) => Math.fround(s * input.scaleValue));
        const q = Int32Array.from(b.data as Float32Array, (v, c) =>
          Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundHalfEven(v / biasScales[c]))),
        );
        initializers.delete(biasName);
        const qName = constant({ name: `${biasName}_int32`, type: 'int32', dims: b.dims, data: q });
        initializers.set(qName, { ...initializers.get(qName)!, role: 'bias' });
        const s = constant({
          name: `${biasName}_scale`,
          type: 'float32',
          dims: b.dims,
          data: biasScales,
        });
        // No zero point: 0 of the input's type.
        added.push({
          op: 'DequantizeLinear',
          name: `${biasName}_dq`,
          inputs: [qName, s],
          outputs: [biasName],
          attributes: { axis: 0 },
        });
      }
    }
    nodes.push({ ...node, inputs });
    for (const out of node.outputs) {
      const q = activation.get(out);
      if (q) nodes.push(...qdqPair(out, q));
    }
  }
  const inputQdq = graph.inputs.flatMap((i) => {
    const q = activation.get(i.name);
    return q ? qdqPair(i.name, q) : [];
  });
  return { ...graph, initializers, nodes: [...added, ...inputQdq, ...nodes] };
}

function qdqPair(t: string, q: { scale: string; zeroPoint: string }): OnnxNode[] {
  return [
    {
      op: 'QuantizeLinear',
      name: `${t}_q`,
      inputs: [t, q.scale, q.zeroPoint],
      outputs: [`${t}_q`],
      attributes: {},
    },
    {
      op: 'DequantizeLinear',
      name: `${t}_dq`,
      inputs: [`${t}_q`, q.scale, q.zeroPoint],
      outputs: [`${t}_dq`],
      attributes: {},
    },
  ];
}
