import type * as tfjs from '@tensorflow/tfjs';
import { AscError } from '@asc/core';
import {
  BATCH_NORM_ACTIVATION_LAYERS,
  registerZooLayers,
  type FusedActivation,
  type FusedConvActivation,
  type FusedInvertedResidualConfig,
} from './layers';
import type { LayersModel, SymbolicTensor, Tf } from './tf';

type Layer = tfjs.layers.Layer;

const FUSED_BN_CLASSES = new Map<string, FusedActivation>(
  Object.entries(BATCH_NORM_ACTIVATION_LAYERS).map(([act, cls]) => [cls, act as FusedActivation]),
);
/** The batch-norm layer classes, with the activation each applies after normalising. */
export const BATCH_NORM_CLASSES: ReadonlyMap<string, 'linear' | FusedActivation> = new Map([
  ['BatchNormalization', 'linear'],
  ...FUSED_BN_CLASSES,
]);

/** A model foldBatchNorms cannot rewrite (a shared layer, a weight missing). */
export class ModelFoldError extends AscError {
  constructor(
    message: string,
    readonly layer: string,
  ) {
    super('model-fold', message, { context: { layer } });
  }
}

/** A layer's weights by their short names ('kernel', 'gamma', ...), as float32 values. */
export function layerWeights(layer: Layer): Map<string, { shape: number[]; values: Float32Array }> {
  const values = layer.getWeights();
  return new Map(
    layer.weights.map((w, i) => [
      w.originalName.split('/').pop() ?? w.originalName,
      { shape: w.shape as number[], values: values[i].dataSync() as Float32Array },
    ]),
  );
}

/**
 * y = x * scale + shift of an inference batch norm over the last (channel) axis:
 * scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale, in double
 * precision; null for a batch norm over another axis.
 */
export function batchNormAffine(layer: Layer): { scale: Float64Array; shift: Float64Array } | null {
  const config = layer.getConfig();
  if (config.axis !== -1 && config.axis !== 3) return null;
  const w = layerWeights(layer);
  const need = (name: string): Float32Array => {
    const v = w.get(name)?.values;
    if (!v) throw new ModelFoldError(`layer ${layer.name} has no weight ${name}`, layer.name);
    return v;
  };
  const mean = need('moving_mean');
  const variance = need('moving_variance');
  const c = mean.length;
  const gamma = config.scale === false ? new Float32Array(c).fill(1) : need('gamma');
  const beta = config.center === false ? new Float32Array(c) : need('beta');
  const eps = config.epsilon as number;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  return { scale, shift };
}

/** How many layers (and model outputs) read each tensor of `model`, by tensor id. */
export function tensorReaders(model: LayersModel): Map<number, number> {
  const readers = new Map<number, number>();
  const read = (t: SymbolicTensor) => readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes) node.inputTensors.forEach(read);
  }
  model.outputs.forEach(read);
  return readers;
}

/** The only layer of `model` reading `t` (`readers`: tensorReaders(model)), if any. */
function onlyReader(
  model: LayersModel,
  readers: ReadonlyMap<number, number>,
  t: SymbolicTensor,
): Layer | undefined {
  if (readers.get(t.id) !== 1) return undefined;
  return model.layers.find(
    (l) => l.inboundNodes.length === 1 && l.inboundNodes[0].inputTensors.some((i) => i.id === t.id),
  );
}

/**
 * The batch norm of `model` that reads only `t` and is its only reader (`readers`:
 * tensorReaders(model)), if any: one that can be folded into the layer writing `t`.
 */
export function foldableBatchNorm(
  model: LayersModel,
  readers: ReadonlyMap<number, number>,
  t: SymbolicTensor,
): Layer | undefined {
  const reader = onlyReader(model, readers, t);
  return reader &&
    BATCH_NORM_CLASSES.has(reader.getClassName()) &&
    reader.inboundNodes[0].inputTensors.length === 1
    ? reader
    : undefined;
}

/** A convolution with the batch norm after it folded in: the layer a fused one replaces. */
interface FoldedConvolution {
  layer: Layer;
  batchNorm: Layer;
  activation: FusedConvActivation;
  /** The batch norm's output, which the fused convolution computes. */
  output: SymbolicTensor;
  kernel: { shape: number[]; values: Float32Array };
  bias: Float32Array;
}

/** A folded convolution's weights in a fused layer's order: kernel, bias. */
const foldedWeights = (f: FoldedConvolution) => [
  f.kernel,
  { shape: [f.bias.length], values: f.bias },
];

const sameStrides = (strides: unknown, s: number) =>
  [strides].flat().every((v) => v === s || v === undefined);

export interface FoldOptions {
  /**
   * Also make each inverted residual block (1x1 expansion, depthwise, 1x1 projection,
   * each with its batch norm, the residual Add and the average pool after it, if any),
   * and each depthwise-separable one (depthwise, 1x1, ...), one FusedInvertedResidual
   * layer (default true).
   */
  invertedResiduals?: boolean;
}

/**
 * The inference model of `model` with every batch norm that directly follows a
 * convolution (and is its output's only reader) folded into it, as onnxruntime and the
 * ONNX export do: W' = W * scale, b' = b * scale + shift per output channel (in double
 * precision, then float32), the batch norm's activation fused into the convolution
 * (FusedConv2D / FusedDepthwiseConv2D layers), and (options.invertedResiduals) each
 * inverted residual block made of such convolutions one FusedInvertedResidual layer.
 * One pass over each activation instead of two, none over a block's expanded ones;
 * outputs equal the model's to float32 rounding. Other layers are copied with their
 * weights; `model` is left as it was. For inference only: a training step on the folded
 * model would not update any batch statistics.
 */
export function foldBatchNorms(tf: Tf, model: LayersModel, options: FoldOptions = {}): LayersModel {
  const zoo = registerZooLayers(tf);
  const readers = tensorReaders(model);
  const classes = tf.serialization.SerializationMap.getMap().classNameMap;
  const copy = (layer: Layer): Layer => {
    const [cls, fromConfig] = classes[layer.getClassName()];
    return fromConfig(cls, layer.getConfig()) as unknown as Layer;
  };
  const outputOf = (layer: Layer) => layer.inboundNodes[0].outputTensors[0];

  // Each convolution folds once, whether a block's match or the main loop asks first.
  const foldings = new Map<Layer, FoldedConvolution | null>();
  const folded = (layer: Layer | undefined): FoldedConvolution | null => {
    if (!layer) return null;
    if (!foldings.has(layer)) foldings.set(layer, foldConvolution(layer));
    return foldings.get(layer) ?? null;
  };
  const foldConvolution = (layer: Layer): FoldedConvolution | null => {
    if (layer.inboundNodes.length !== 1) return null;
    const cls = layer.getClassName();
    const config = layer.getConfig();
    if ((cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') || config.activation !== 'linear') {
      return null;
    }
    const batchNorm = foldableBatchNorm(model, readers, outputOf(layer));
    const affine = batchNorm ? batchNormAffine(batchNorm) : null;
    if (!batchNorm || !affine) return null;
    const [kernel, bias] = layer.getWeights();
    const { scale, shift } = affine;
    const channels = scale.length;
    // Both kernels' last two axes flatten to the output channel: [.., in, out] and
    // [.., in, multiplier] (channel in * multiplier + m).
    const k = kernel.dataSync();
    const b = bias ? bias.dataSync() : new Float32Array(channels);
    return {
      layer,
      batchNorm,
      activation: BATCH_NORM_CLASSES.get(batchNorm.getClassName()) ?? 'linear',
      output: outputOf(batchNorm),
      kernel: {
        shape: kernel.shape,
        values: Float32Array.from(k, (v, i) => v * scale[i % channels]),
      },
      bias: Float32Array.from(b, (v, o) => v * scale[o] + shift[o]),
    };
  };

  const pointwise = (f: FoldedConvolution | null): f is FoldedConvolution =>
    f !== null &&
    f.layer.getClassName() === 'Conv2D' &&
    f.kernel.shape[0] === 1 &&
    f.kernel.shape[1] === 1 &&
    sameStrides(f.layer.getConfig().strides, 1) &&
    sameStrides(f.layer.getConfig().dilationRate, 1);

  /** The only reader of `t` when it is a square 'valid' average pool at its own stride. */
  const averagePoolAfter = (t: SymbolicTensor) => {
    const layer = onlyReader(model, readers, t);
    if (layer?.getClassName() !== 'AveragePooling2D') return null;
    const config = layer.getConfig();
    const size = [config.poolSize].flat() as number[];
    const strides = [config.strides ?? config.poolSize].flat() as number[];
    const square = (v: number[]) => v.length > 0 && v.every((d) => d === v[0]);
    if (!square(size) || !square(strides) || strides[0] !== size[0]) return null;
    if (config.padding !== 'valid' || (config.dataFormat ?? 'channelsLast') !== 'channelsLast') {
      return null;
    }
    return { layer, size: size[0] };
  };

  /**
   * The inverted residual block starting at `first`'s layer, if it is one: a 1x1
   * expansion then a depthwise convolution, or (no expansion) the depthwise convolution.
   */
  const invertedResidual = (first: FoldedConvolution) => {
    const expand = pointwise(first) ? first : null;
    const dwLayer = expand ? onlyReader(model, readers, expand.output) : first.layer;
    const depthwise =
      dwLayer?.getClassName() !== 'DepthwiseConv2D' ? null : expand ? folded(dwLayer) : first;
    const dwConfig = depthwise?.layer.getConfig();
    if (
      !depthwise ||
      !dwConfig ||
      depthwise.kernel.shape[3] !== 1 ||
      depthwise.kernel.shape[0] !== depthwise.kernel.shape[1] ||
      !sameStrides(dwConfig.dilationRate, 1)
    ) {
      return null;
    }
    const project = folded(onlyReader(model, readers, depthwise.output));
    if (!pointwise(project)) return null;
    const input = first.layer.inboundNodes[0].inputTensors[0];
    const add = onlyReader(model, readers, project.output);
    const addInputs = add?.inboundNodes[0].inputTensors.map((t) => t.id) ?? [];
    const residual =
      add?.getClassName() === 'Add' &&
      addInputs.length === 2 &&
      addInputs.includes(input.id) &&
      addInputs.includes(project.output.id);
    const strides = [dwConfig.strides].flat() as number[];
    const config: FusedInvertedResidualConfig = {
      name: `${first.layer.name}_block`,
      expand: expand !== null,
      expandedChannels: depthwise.kernel.shape[2],
      outChannels: project.kernel.shape[3],
      kernelSize: depthwise.kernel.shape[0],
      strides: [strides[0], strides[1] ?? strides[0]],
      padding: dwConfig.padding === 'same' ? 'same' : 'valid',
      expandActivation: expand?.activation ?? 'linear',
      depthwiseActivation: depthwise.activation,
      projectActivation: project.activation,
      residual,
    };
    const blockOutput = residual && add ? outputOf(add) : project.output;
    const pool = averagePoolAfter(blockOutput);
    if (pool) config.averagePool = pool.size;
    return {
      config,
      parts: expand ? [expand, depthwise, project] : [depthwise, project],
      replaced: [...(residual && add ? [add] : []), ...(pool ? [pool.layer] : [])],
      output: pool ? outputOf(pool.layer) : blockOutput,
    };
  };

  const tensors = new Map<number, SymbolicTensor>();
  for (const [i, input] of model.inputs.entries()) {
    const shape = input.shape.slice(1) as number[];
    tensors.set(input.id, tf.input({ shape, name: model.inputLayers[i].name, dtype: input.dtype }));
  }
  const done = new Set<Layer>();
  const weights: [Layer, tfjs.Tensor[]][] = [];
  const made: tfjs.Tensor[] = [];
  const tensorsOf = (values: { shape: number[]; values: Float32Array }[]) => {
    const t = values.map((v) => tf.tensor(v.values, v.shape));
    made.push(...t);
    return t;
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer' || done.has(layer)) continue;
    if (layer.inboundNodes.length !== 1) {
      throw new ModelFoldError(
        `layer ${layer.name} is applied ${layer.inboundNodes.length} times; shared layers are not supported`,
        layer.name,
      );
    }
    const node = layer.inboundNodes[0];
    const ins = node.inputTensors.map((t) => {
      const v = tensors.get(t.id);
      if (!v) {
        throw new ModelFoldError(
          `layer ${layer.name}: input ${t.name} was not produced`,
          layer.name,
        );
      }
      return v;
    });
    const fold = folded(layer);
    const block = fold && options.invertedResiduals !== false ? invertedResidual(fold) : null;
    if (block) {
      const fused = zoo.fusedInvertedResidual(block.config);
      tensors.set(block.output.id, fused.apply(ins[0]) as SymbolicTensor);
      weights.push([fused, tensorsOf(block.parts.flatMap(foldedWeights))]);
      for (const p of block.parts) done.add(p.layer).add(p.batchNorm);
      for (const l of block.replaced) done.add(l);
      continue;
    }
    if (!fold) {
      const clone = copy(layer);
      tensors.set(
        node.outputTensors[0].id,
        clone.apply(ins.length === 1 ? ins[0] : ins) as SymbolicTensor,
      );
      weights.push([clone, layer.getWeights()]);
      continue;
    }
    const config = layer.getConfig();
    const fusedConfig = {
      ...config,
      useBias: true,
      activation: fold.activation,
      name: fold.batchNorm.name,
    };
    const fused =
      cls === 'Conv2D' ? zoo.fusedConv2d(fusedConfig) : zoo.fusedDepthwiseConv2d(fusedConfig);
    tensors.set(fold.output.id, fused.apply(ins[0]) as SymbolicTensor);
    weights.push([fused, tensorsOf(foldedWeights(fold))]);
    done.add(fold.batchNorm);
  }
  const result = tf.model({
    inputs: model.inputs.map((t) => tensors.get(t.id) as SymbolicTensor),
    outputs: model.outputs.map((t) => tensors.get(t.id) as SymbolicTensor),
    name: `${model.name}_folded`,
  });
  // The variables take their own reference to the values.
  for (const [layer, values] of weights) layer.setWeights(values);
  tf.dispose(made);
  return result;
}
