import type * as tfjs from '@tensorflow/tfjs';
import {
  BATCH_NORM_CLASSES,
  batchNormAffine,
  foldableBatchNorm,
  layerWeights,
  tensorReaders,
  type FusedActivation,
} from '@asc/zoo';
import { GraphBuilder, type OnnxGraph } from './graph';
import { OnnxExportError } from './errors';

type Layer = tfjs.layers.Layer;
type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | FusedActivation;

/** The input statistics, channels-last ([band][plane]) as the trainer lays them out. */
export interface InputNormalisation {
  mean: Float32Array;
  scale: Float32Array;
}

export interface GraphOptions {
  /**
   * When given, the graph's input is the raw scalogram segment and its first two nodes
   * normalise it, `(x - mean) / scale`, broadcast over frames; otherwise the input is
   * taken as normalised already.
   */
  normalisation?: InputNormalisation;
}

/** The names of the graph's input and outputs (documented in the package README). */
export const ONNX_INPUT = 'segment';
export const ONNX_PROBABILITIES = 'probabilities';
export const ONNX_LOGITS = 'logits';

/** An ONNX tensor standing for a tfjs tensor: 4-D ones are NCHW in the graph. */
interface Value {
  name: string;
  /** The tfjs shape without the batch axis (channels-last for images). */
  shape: number[];
  /**
   * Zero padding [top, left, bottom, right] still to apply: a ZeroPadding2D read only by
   * a convolution becomes that convolution's `pads` (`name` is the unpadded tensor).
   */
  pads?: number[];
}

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D']);

function need<T>(map: Map<string, T>, key: string, layer: Layer): T {
  const v = map.get(key);
  if (v === undefined) throw new OnnxExportError(`layer ${layer.name} has no weight "${key}"`);
  return v;
}

function pair(x: number | number[] | undefined, fallback: number): [number, number] {
  if (x === undefined) return [fallback, fallback];
  return Array.isArray(x) ? [x[0], x[1] ?? x[0]] : [x, x];
}

/** ONNX pads [top, left, bottom, right] for tfjs 'same' / 'valid' (TF pads the extra cell after). */
function padsFor(
  padding: string,
  input: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new OnnxExportError(`padding "${padding}" is not supported`);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(input[i] / strides[i]);
    const effective = (kernel[i] - 1) * dilations[i] + 1;
    const total = Math.max((out - 1) * strides[i] + effective - input[i], 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/**
 * Walks a tfjs-layers functional model (the zoo's candidates and baselines) in
 * topological order and writes the equivalent float32 ONNX graph:
 * - images are NCHW: the channels-last input is transposed once, after normalisation;
 * - every batch norm that directly follows a convolution (whose output nothing else
 *   reads) is folded into it: W' = W * s, b' = (b - mean) * s + beta with
 *   s = gamma / sqrt(variance + epsilon), computed in double precision;
 * - the zoo's fused BatchNormSwish / Relu / Relu6 layers become the folded convolution
 *   and their activation; swish is `x * Sigmoid(x)`, relu6 is `Clip(x, 0, 6)`;
 * - a batch norm not after a convolution becomes a per-channel Mul and Add;
 * - a ZeroPadding2D (the PyTorch-style stem's `padding=1`) becomes the `pads` of the
 *   convolution that reads it, as PyTorch's own export writes it, else a Pad node;
 * - dropout is dropped (inference), Flatten flattens in tfjs's channels-last order;
 * - the model's output (logits) is the `logits` output, and `Sigmoid` of it the
 *   `probabilities` output.
 */
export function graphFromLayersModel(model: tfjs.LayersModel, o: GraphOptions = {}): OnnxGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new OnnxExportError(
      `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; one of each is supported`,
    );
  }
  const b = new GraphBuilder(model.name);
  b.reserve(ONNX_LOGITS, ONNX_PROBABILITIES);
  const values = new Map<number, Value>();
  const readers = tensorReaders(model);

  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.some((d) => d === null) || inputShape.length !== 3) {
    throw new OnnxExportError(
      `the model's input must be a fixed (height, width, channels), got ${JSON.stringify(model.inputs[0].shape)}`,
    );
  }
  let x = b.input({
    name: ONNX_INPUT,
    type: 'float32',
    shape: [null, ...inputShape],
    doc: o.normalisation
      ? 'scalogram segments in dB, channels-last [batch, frames, bands, planes]; normalised by the first two nodes'
      : 'normalised scalogram segments, channels-last [batch, frames, bands, planes]',
  });
  if (o.normalisation) {
    const [, bands, planes] = inputShape;
    const dims = [1, 1, bands, planes];
    if (o.normalisation.mean.length !== bands * planes) {
      throw new OnnxExportError(
        `normalisation has ${o.normalisation.mean.length} values, the input has ${bands} bands x ${planes} planes`,
      );
    }
    x = b.node(
      'Sub',
      [x, b.constant('normalisation_mean', 'float32', dims, o.normalisation.mean)],
      'normalise_sub',
    );
    x = b.node(
      'Div',
      [x, b.constant('normalisation_scale', 'float32', dims, o.normalisation.scale)],
      'normalise_div',
    );
  }
  x = b.node('Transpose', [x], 'to_nchw', { perm: [0, 3, 1, 2] });
  values.set(model.inputs[0].id, { name: x, shape: inputShape });

  const scalar = new Map<number, string>();
  const constScalar = (v: number) => {
    let name = scalar.get(v);
    if (!name) {
      name = b.constant(`const_${String(v).replace('.', '_')}`, 'float32', [], Float32Array.of(v));
      scalar.set(v, name);
    }
    return name;
  };
  const activate = (v: Value, act: Activation, name: string): Value => {
    switch (act) {
      case 'linear':
        return v;
      case 'relu':
        return { ...v, name: b.node('Relu', [v.name], `${name}_relu`) };
      case 'relu6':
        return {
          ...v,
          name: b.node('Clip', [v.name, constScalar(0), constScalar(6)], `${name}_relu6`),
        };
      case 'sigmoid':
        return { ...v, name: b.node('Sigmoid', [v.name], `${name}_sigmoid`) };
      case 'tanh':
        return { ...v, name: b.node('Tanh', [v.name], `${name}_tanh`) };
      case 'swish': {
        const s = b.node('Sigmoid', [v.name], `${name}_sigmoid`);
        return { ...v, name: b.node('Mul', [v.name, s], `${name}_swish`) };
      }
    }
  };
  const activationOf = (layer: Layer, config: tfjs.serialization.ConfigDict): Activation => {
    const a = (config.activation as string | undefined) ?? 'linear';
    if (!['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'swish'].includes(a)) {
      throw new OnnxExportError(`layer ${layer.name}: activation "${a}" is not supported`);
    }
    return a as Activation;
  };

  const folded = new Set<Layer>();

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer' || folded.has(layer)) continue;
    if (layer.inboundNodes.length !== 1) {
      throw new OnnxExportError(
        `layer ${layer.name} is applied ${layer.inboundNodes.length} times; shared layers are not supported`,
      );
    }
    const node = layer.inboundNodes[0];
    const ins = node.inputTensors.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new OnnxExportError(`layer ${layer.name}: input ${t.name} was not produced`);
      if (v.pads && !CONV_CLASSES.has(cls)) {
        throw new OnnxExportError(`layer ${layer.name}: input ${t.name} is still to be padded`);
      }
      return v;
    });
    const outTensor = node.outputTensors[0];
    const outShape = (outTensor.shape as number[]).slice(1);
    const config = layer.getConfig();
    const name = layer.name;
    let out: Value;
    if (CONV_CLASSES.has(cls)) {
      out = conv(layer, cls, config, ins[0], outShape);
    } else if (BATCH_NORM_CLASSES.has(cls)) {
      out = batchNorm(layer, ins[0]);
      out = activate(out, BATCH_NORM_CLASSES.get(cls) ?? 'linear', name);
    } else if (cls === 'Activation') {
      out = activate(ins[0], activationOf(layer, config), name);
    } else if (cls === 'Swish') {
      out = activate(ins[0], 'swish', name);
    } else if (cls === 'Add') {
      let sum = ins[0].name;
      for (let i = 1; i < ins.length; i++) sum = b.node('Add', [sum, ins[i].name], name);
      out = { name: sum, shape: outShape };
    } else if (cls === 'AveragePooling2D' || cls === 'MaxPooling2D') {
      const kernel = pair(config.poolSize as number[], 2);
      const strides = pair((config.strides as number[] | null) ?? kernel, kernel[0]);
      const pads = padsFor(
        config.padding as string,
        [ins[0].shape[0], ins[0].shape[1]],
        kernel,
        strides,
      );
      out = {
        name: b.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [ins[0].name], name, {
          kernel_shape: kernel,
          strides,
          pads,
        }),
        shape: outShape,
      };
    } else if (cls === 'GlobalAveragePooling2D') {
      if (config.keepDims) throw new OnnxExportError(`layer ${name}: keepDims is not supported`);
      const pooled = b.node('GlobalAveragePool', [ins[0].name], name);
      out = { name: b.node('Flatten', [pooled], `${name}_flatten`, { axis: 1 }), shape: outShape };
    } else if (cls === 'Dense') {
      out = dense(layer, config, ins[0], outShape);
    } else if (cls === 'ZeroPadding2D') {
      out = zeroPadding(layer, config, ins[0], outShape);
    } else if (cls === 'Dropout') {
      out = ins[0];
    } else if (cls === 'Flatten') {
      // tfjs flattens channels-last: go back to NHWC first so Dense weights line up.
      const nhwc =
        ins[0].shape.length === 3
          ? b.node('Transpose', [ins[0].name], `${name}_to_nhwc`, { perm: [0, 2, 3, 1] })
          : ins[0].name;
      out = { name: b.node('Flatten', [nhwc], name, { axis: 1 }), shape: outShape };
    } else if (cls === 'Concatenate') {
      const axis = config.axis as number;
      const rank = ins[0].shape.length + 1;
      const tfAxis = axis < 0 ? axis + rank : axis;
      // channels-last axis 3 is ONNX axis 1; H and W move one place right
      const onnxAxis = rank === 4 ? [0, 2, 3, 1][tfAxis] : tfAxis;
      out = {
        name: b.node(
          'Concat',
          ins.map((v) => v.name),
          name,
          { axis: onnxAxis },
        ),
        shape: outShape,
      };
    } else if (cls === 'ChannelSlice') {
      const begin = config.begin as number;
      const size = config.size as number;
      const i64 = (v: number) => BigInt64Array.of(BigInt(v));
      out = {
        name: b.node(
          'Slice',
          [
            ins[0].name,
            b.constant(`${name}_starts`, 'int64', [1], i64(begin)),
            b.constant(`${name}_ends`, 'int64', [1], i64(begin + size)),
            b.constant(`${name}_axes`, 'int64', [1], i64(1)),
          ],
          name,
        ),
        shape: outShape,
      };
    } else if (cls === 'ChannelShuffle') {
      const g = config.groups as number;
      const [h, w, c] = ins[0].shape;
      const shape = (dims: number[]) =>
        b.constant(`${name}_shape`, 'int64', [dims.length], BigInt64Array.from(dims.map(BigInt)));
      const grouped = b.node(
        'Reshape',
        [ins[0].name, shape([-1, g, c / g, h, w])],
        `${name}_group`,
      );
      const swapped = b.node('Transpose', [grouped], `${name}_transpose`, {
        perm: [0, 2, 1, 3, 4],
      });
      out = { name: b.node('Reshape', [swapped, shape([-1, c, h, w])], name), shape: outShape };
    } else {
      throw new OnnxExportError(
        `layer ${name}: ${cls} layers are not supported by the ONNX export`,
      );
    }
    values.set(outTensor.id, out);
  }

  const logits = values.get(model.outputs[0].id);
  if (!logits) throw new OnnxExportError('the model output was not produced');
  if (logits.shape.length !== 1) {
    throw new OnnxExportError(
      `the model output must be [batch, classes], got ${JSON.stringify(model.outputs[0].shape)}`,
    );
  }
  const classes = logits.shape[0];
  const logitsName = b.nodeNamed('Identity', [logits.name], ONNX_LOGITS);
  const probs = b.nodeNamed('Sigmoid', [logits.name], ONNX_PROBABILITIES);
  b.graph.outputs.push(
    {
      name: probs,
      type: 'float32',
      shape: [null, classes],
      doc: 'sigmoid of the logits, per class',
    },
    { name: logitsName, type: 'float32', shape: [null, classes], doc: 'the dense head output' },
  );
  return b.graph;

  function conv(
    layer: Layer,
    cls: string,
    config: tfjs.serialization.ConfigDict,
    input: Value,
    outShape: number[],
  ): Value {
    const w = layerWeights(layer);
    const depthwise = cls === 'DepthwiseConv2D';
    const kernel = need(w, depthwise ? 'depthwise_kernel' : 'kernel', layer);
    const [kh, kw, inC, m] = kernel.shape;
    const outC = depthwise ? inC * m : m;
    const strides = pair(config.strides as number[], 1);
    const dilations = pair(config.dilationRate as number[], 1);
    // tfjs [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]) -> ONNX [out, in/group, kh, kw]
    const inPerGroup = depthwise ? 1 : inC;
    const weight = new Float64Array(outC * inPerGroup * kh * kw);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let c = 0; c < inC; c++) {
          for (let k = 0; k < m; k++) {
            const v = kernel.values[((i * kw + j) * inC + c) * m + k];
            const [o, ci] = depthwise ? [c * m + k, 0] : [k, c];
            weight[((o * inPerGroup + ci) * kh + i) * kw + j] = v;
          }
        }
      }
    }
    const bias = new Float64Array(outC);
    const hasBias = w.has('bias');
    if (hasBias) bias.set(need(w, 'bias', layer).values);
    let outputTensor = layer.inboundNodes[0].outputTensors[0];
    let act = activationOf(layer, config);
    let name = layer.name;
    const bn = act === 'linear' ? foldableBatchNorm(model, readers, outputTensor) : undefined;
    if (bn) {
      const { scale, shift } = affineOf(bn);
      const per = inPerGroup * kh * kw;
      for (let o = 0; o < outC; o++) {
        for (let e = 0; e < per; e++) weight[o * per + e] *= scale[o];
        bias[o] = bias[o] * scale[o] + shift[o];
      }
      folded.add(bn);
      outputTensor = bn.inboundNodes[0].outputTensors[0];
      act = BATCH_NORM_CLASSES.get(bn.getClassName()) ?? 'linear';
      name = bn.name;
    }
    const inputs = [
      input.name,
      b.constant(
        `${layer.name}_weight`,
        'float32',
        [outC, inPerGroup, kh, kw],
        Float32Array.from(weight),
        'weight',
      ),
    ];
    if (hasBias || bn)
      inputs.push(
        b.constant(`${layer.name}_bias`, 'float32', [outC], Float32Array.from(bias), 'bias'),
      );
    const y = b.node('Conv', inputs, layer.name, {
      kernel_shape: [kh, kw],
      strides,
      dilations,
      group: depthwise ? inC : 1,
      pads: padsFor(
        config.padding as string,
        [input.shape[0], input.shape[1]],
        [kh, kw],
        strides,
        dilations,
      ).map((p, i) => p + (input.pads?.[i] ?? 0)),
    });
    const result = activate({ name: y, shape: outShape }, act, name);
    if (bn) values.set(outputTensor.id, result);
    return result;
  }

  /**
   * Zero padding of the height and width: deferred to the convolution that alone reads it
   * (its `pads`), else an ONNX Pad node (NCHW: nothing on batch and channels). Beware a Pad
   * before a MaxPool: from 'basic' on, onnxruntime folds it into the pool's pads, which
   * count as -inf, not 0. The zoo's models pad only before a convolution.
   */
  function zeroPadding(
    layer: Layer,
    config: tfjs.serialization.ConfigDict,
    input: Value,
    outShape: number[],
  ): Value {
    const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
    if (config.dataFormat !== 'channelsLast' || input.shape.length !== 3) {
      throw new OnnxExportError(
        `layer ${layer.name}: ZeroPadding2D is supported on channels-last images only`,
      );
    }
    const pads = [top, left, bottom, right];
    const t = layer.inboundNodes[0].outputTensors[0];
    const reader = model.layers.find((l) =>
      l.inboundNodes.some((n) => n.inputTensors.some((x) => x.id === t.id)),
    );
    if (readers.get(t.id) === 1 && reader && CONV_CLASSES.has(reader.getClassName())) {
      return { name: input.name, shape: outShape, pads };
    }
    const i64 = BigInt64Array.from([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]].map(BigInt));
    return {
      name: b.node(
        'Pad',
        [input.name, b.constant(`${layer.name}_pads`, 'int64', [8], i64)],
        layer.name,
        { mode: 'constant' },
      ),
      shape: outShape,
    };
  }

  /** y = x * scale + shift of an inference batch norm, in double precision. */
  function affineOf(layer: Layer): { scale: Float64Array; shift: Float64Array } {
    const affine = batchNormAffine(layer);
    if (!affine) {
      throw new OnnxExportError(
        `layer ${layer.name}: batch norm over axis ${String(layer.getConfig().axis)} is not supported`,
      );
    }
    return affine;
  }

  function batchNorm(layer: Layer, input: Value): Value {
    if (input.shape.length !== 3) {
      throw new OnnxExportError(`layer ${layer.name}: batch norm is supported on images only`);
    }
    const { scale, shift } = affineOf(layer);
    const dims = [scale.length, 1, 1];
    const mul = b.node(
      'Mul',
      [
        input.name,
        b.constant(`${layer.name}_scale`, 'float32', dims, Float32Array.from(scale), 'weight'),
      ],
      `${layer.name}_mul`,
    );
    return {
      name: b.node(
        'Add',
        [mul, b.constant(`${layer.name}_shift`, 'float32', dims, Float32Array.from(shift), 'bias')],
        layer.name,
      ),
      shape: input.shape,
    };
  }

  function dense(
    layer: Layer,
    config: tfjs.serialization.ConfigDict,
    input: Value,
    outShape: number[],
  ): Value {
    if (input.shape.length !== 1) {
      throw new OnnxExportError(
        `layer ${layer.name}: Dense is supported on [batch, features] inputs only`,
      );
    }
    const w = layerWeights(layer);
    const kernel = need(w, 'kernel', layer);
    const inputs = [
      input.name,
      b.constant(`${layer.name}_weight`, 'float32', kernel.shape, kernel.values, 'weight'),
    ];
    if (w.has('bias'))
      inputs.push(
        b.constant(
          `${layer.name}_bias`,
          'float32',
          [kernel.shape[1]],
          need(w, 'bias', layer).values,
          'bias',
        ),
      );
    const y = b.node('Gemm', inputs, layer.name);
    return activate({ name: y, shape: outShape }, activationOf(layer, config), layer.name);
  }
}
