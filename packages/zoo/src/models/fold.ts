import type * as tfjs from '@tensorflow/tfjs';
import { AscError } from '@asc/core';
import { BATCH_NORM_ACTIVATION_LAYERS, registerZooLayers, type FusedActivation } from './layers';
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

/**
 * The batch norm of `model` that reads only `t` and is its only reader (`readers`:
 * tensorReaders(model)), if any: one that can be folded into the layer writing `t`.
 */
export function foldableBatchNorm(
  model: LayersModel,
  readers: ReadonlyMap<number, number>,
  t: SymbolicTensor,
): Layer | undefined {
  if (readers.get(t.id) !== 1) return undefined;
  return model.layers.find(
    (l) =>
      BATCH_NORM_CLASSES.has(l.getClassName()) &&
      l.inboundNodes.length === 1 &&
      l.inboundNodes[0].inputTensors.length === 1 &&
      l.inboundNodes[0].inputTensors[0].id === t.id,
  );
}

/**
 * The inference model of `model` with every batch norm that directly follows a
 * convolution (and is its output's only reader) folded into it, as onnxruntime and the
 * ONNX export do: W' = W * scale, b' = b * scale + shift per output channel (in double
 * precision, then float32), the batch norm's activation fused into the convolution
 * (FusedConv2D / FusedDepthwiseConv2D layers). One pass over each activation instead of
 * two; outputs equal the model's to float32 rounding. Other layers are copied with their
 * weights; `model` is left as it was. For inference only: a training step on the folded
 * model would not update any batch statistics.
 */
export function foldBatchNorms(tf: Tf, model: LayersModel): LayersModel {
  const zoo = registerZooLayers(tf);
  const readers = tensorReaders(model);
  const classes = tf.serialization.SerializationMap.getMap().classNameMap;
  const copy = (layer: Layer): Layer => {
    const [cls, fromConfig] = classes[layer.getClassName()];
    return fromConfig(cls, layer.getConfig()) as unknown as Layer;
  };
  const tensors = new Map<number, SymbolicTensor>();
  for (const [i, input] of model.inputs.entries()) {
    const shape = input.shape.slice(1) as number[];
    tensors.set(input.id, tf.input({ shape, name: model.inputLayers[i].name, dtype: input.dtype }));
  }
  const folded = new Set<Layer>();
  const weights: [Layer, tfjs.Tensor[]][] = [];
  const made: tfjs.Tensor[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer' || folded.has(layer)) continue;
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
    const out = node.outputTensors[0];
    const config = layer.getConfig();
    const convolution = cls === 'Conv2D' || cls === 'DepthwiseConv2D';
    const bn =
      convolution && config.activation === 'linear'
        ? foldableBatchNorm(model, readers, out)
        : undefined;
    const affine = bn ? batchNormAffine(bn) : null;
    if (!bn || !affine) {
      const clone = copy(layer);
      tensors.set(out.id, clone.apply(ins.length === 1 ? ins[0] : ins) as SymbolicTensor);
      weights.push([clone, layer.getWeights()]);
      continue;
    }
    const activation = BATCH_NORM_CLASSES.get(bn.getClassName()) ?? 'linear';
    const fusedConfig = { ...config, useBias: true, activation, name: bn.name };
    const fused =
      cls === 'Conv2D' ? zoo.fusedConv2d(fusedConfig) : zoo.fusedDepthwiseConv2d(fusedConfig);
    tensors.set(bn.inboundNodes[0].outputTensors[0].id, fused.apply(ins[0]) as SymbolicTensor);
    const [kernel, bias] = layer.getWeights();
    const { scale, shift } = affine;
    const channels = scale.length;
    const k = kernel.dataSync();
    // Both kernels' last two axes flatten to the output channel: [.., in, out] and
    // [.., in, multiplier] (channel in * multiplier + m).
    const k2 = Float32Array.from(k, (v, i) => v * scale[i % channels]);
    const b = bias ? bias.dataSync() : new Float32Array(channels);
    const b2 = Float32Array.from(b, (v, o) => v * scale[o] + shift[o]);
    const values = [tf.tensor(k2, kernel.shape), tf.tensor1d(b2)];
    made.push(...values);
    weights.push([fused, values]);
    folded.add(bn);
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
