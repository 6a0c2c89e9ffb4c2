import type { ModuleLayers } from '../modules';
import { blockWidths, moduleKind, validateArchSpec, type ArchSpec } from '../spec';
import { registerZooLayers } from './layers';
import {
  DEFAULT_INPUT_SHAPE,
  PAPER_CLASSES,
  WeightInitialisers,
  apply,
  type BuildOptions,
  type LayersModel,
  type Tf,
} from './tf';

/**
 * BatchNorm as PyTorch's defaults (the authors trained in PyTorch): momentum 0.1 there is
 * 0.9 in Keras' convention, epsilon 1e-5.
 */
export const BN_ARGS = { momentum: 0.9, epsilon: 1e-5 } as const;

/**
 * Builds the tfjs model of a spec (docs/search-and-training.md): stem 3x3 stride 2 without bias
 * + BN + ReLU; per block module A (if not identity), module B, 2x2 pool; global average
 * pooling; dense logits. The output is LOGITS; `withSigmoidHead` adds the inference
 * sigmoid. The stem pads as `o.init` says (see WeightInit): one on each side as PyTorch's
 * `padding=1` (a ZeroPadding2D layer, then a 'valid' convolution), or tfjs's 'same'.
 */
export function buildModel(tf: Tf, spec: ArchSpec, o: BuildOptions = {}): LayersModel {
  const s = validateArchSpec(spec);
  const zoo = registerZooLayers(tf);
  const init = new WeightInitialisers(tf, o);
  const classes = o.classes ?? PAPER_CLASSES;
  const input = tf.input({ shape: o.inputShape ?? DEFAULT_INPUT_SHAPE, name: 'input' });

  // The layers every module kind is built from (modules.ts).
  const layers: ModuleLayers = {
    pointwise: (x, filters, name) =>
      apply(
        tf.layers.conv2d({
          filters,
          kernelSize: 1,
          useBias: false,
          kernelInitializer: init.kernel(x.shape[3] as number),
          name,
        }),
        x,
      ),
    depthwise: (x, kernelSize, name) =>
      apply(
        tf.layers.depthwiseConv2d({
          kernelSize,
          padding: 'same',
          useBias: false,
          depthwiseInitializer: init.kernel(kernelSize * kernelSize),
          name,
        }),
        x,
      ),
    batchNorm: (x, name) => apply(zoo.batchNormalization({ ...BN_ARGS, name }), x),
    // BN + Swish as one layer (one training kernel); its weights are named as the BN's.
    batchNormSwish: (x, name) => apply(zoo.batchNormActivation({ ...BN_ARGS, name }, 'swish'), x),
    add: (xs, name) => apply(tf.layers.add({ name }), xs),
  };

  const symmetric = init.init === 'pytorch';
  const stemInput = symmetric
    ? apply(tf.layers.zeroPadding2d({ padding: 1, name: 'stem_pad' }), input)
    : input;
  let x = apply(
    tf.layers.conv2d({
      filters: s.stemFilters,
      kernelSize: 3,
      strides: 2,
      padding: symmetric ? 'valid' : 'same',
      useBias: false,
      kernelInitializer: init.kernel(9 * (input.shape[3] as number)),
      name: 'stem_conv',
    }),
    stemInput,
  );
  x = apply(zoo.batchNormActivation({ ...BN_ARGS, name: 'stem_bn' }, 'relu'), x);
  const widths = blockWidths(s);
  s.blocks.forEach(([a, b, pool], i) => {
    const name = `block${i + 1}`;
    x = moduleKind(a).build(layers, x, widths[i], `${name}_a`);
    x = moduleKind(b).build(layers, x, widths[i + 1], `${name}_b`);
    const poolArgs = { poolSize: 2, strides: 2, name: `${name}_${pool}pool` };
    x = apply(
      pool === 'avg' ? tf.layers.averagePooling2d(poolArgs) : tf.layers.maxPooling2d(poolArgs),
      x,
    );
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  const features = x.shape[1] as number;
  x = apply(
    tf.layers.dense({
      units: classes,
      kernelInitializer: init.kernel(features),
      biasInitializer: init.bias(features),
      name: 'logits',
    }),
    x,
  );
  return tf.model({ inputs: input, outputs: x, name: 'asc_candidate' });
}

/** The inference model: the same layers (shared weights) with a sigmoid on the logits. */
export function withSigmoidHead(tf: Tf, model: LayersModel): LayersModel {
  const probabilities = apply(
    tf.layers.activation({ activation: 'sigmoid', name: 'sigmoid' }),
    model.outputs[0],
  );
  return tf.model({ inputs: model.inputs, outputs: probabilities, name: `${model.name}_sigmoid` });
}
