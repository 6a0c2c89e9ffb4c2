import { nativeKernelNames } from '@asc/native';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tf';

/**
 * Layers tfjs lacks, registered for serialisation so that saved models load with
 * `tf.loadLayersModel` once `registerZooLayers(tf)` has run (buildModel runs it).
 *
 * The fused kernels are the ones @asc/native adds to tfjs, under the names its addon
 * exports (`nativeKernelNames()`): a layer dispatches one when the backend has it
 * (@asc/native registers them on 'cpu'), and computes the same with tfjs ops otherwise,
 * which is always the case without the addon (no names, no kernels).
 *
 * - Swish: `x * sigmoid(x)` (beta = 1), as the `swish` kernel (one pass forward and one
 *   backward instead of two and four), else as tfjs's Sigmoid and Multiply kernels. The
 *   zoo's models fuse swish into their batch norms (below); the layer stays for models
 *   saved before, and for models built by hand.
 * - BatchNormalization: tfjs's own (same class name and config, so saved models load
 *   without the zoo), which dispatches the `batchNormTraining` kernel in training: the
 *   batch moments and the normalisation in one kernel (two passes over x) instead of
 *   tfjs's moments and FusedBatchNorm (five passes, two temporaries); in inference
 *   `batchNormInference`.
 * - BatchNormSwish, BatchNormRelu, BatchNormRelu6: act(BatchNormalization(x)) as one
 *   layer (the same weights and config), so that both run in one kernel: in training the
 *   normalised values are never stored and the backward pass reads x and dy twice where
 *   the two layers' gradients take six to eight passes; in inference it is one pass
 *   instead of two or three. Without the kernels it is tfjs's batch norm and then the
 *   activation.
 * - FusedConv2D, FusedDepthwiseConv2D: tfjs's Conv2D and DepthwiseConv2D (same config and
 *   weights) whose bias and activation run inside the convolution kernel (tfjs's
 *   DepthwiseConv2D adds its bias and applies its activation in two more passes; both add
 *   swish as Sigmoid and Multiply). Inference models with folded batch norms
 *   (foldBatchNorms) are made of them. Swish is fused only by @asc/native's CPU kernels
 *   and only outside gradient recording; otherwise these layers compute as tfjs's.
 * - FusedInvertedResidual: an inverted residual block of an inference model (MobileNet V2's,
 *   the zoo's IRwLB; or without the expansion, the zoo's DSC) as one layer: FusedConv2D
 *   1x1 (expansion), FusedDepthwiseConv2D,
 *   FusedConv2D 1x1 (projection), the residual Add and the AveragePooling2D after the
 *   block (when there is one), with their weights. On the CPU
 *   with @asc/native and no gradient recorded, the `invertedResidual` kernel runs it in
 *   one pass over the image whose expanded activations (three or six times the block's
 *   width) never leave the cache; elsewhere the same convolutions run one after another.
 *   foldBatchNorms makes them.
 * - ChannelSlice: channels [begin, begin + size) of an NHWC tensor (ShuffleNet V2's split).
 * - ChannelShuffle: ShuffleNet's shuffle of `groups` channel groups.
 */
export interface ZooLayers {
  swish(name?: string): tfjs.layers.Layer;
  batchNormalization(args: BatchNormalizationArgs): tfjs.layers.Layer;
  batchNormActivation(args: BatchNormalizationArgs, activation: FusedActivation): tfjs.layers.Layer;
  fusedConv2d(config: tfjs.serialization.ConfigDict): tfjs.layers.Layer;
  fusedDepthwiseConv2d(config: tfjs.serialization.ConfigDict): tfjs.layers.Layer;
  fusedInvertedResidual(config: FusedInvertedResidualConfig): tfjs.layers.Layer;
  channelSlice(begin: number, size: number, name?: string): tfjs.layers.Layer;
  channelShuffle(groups: number, name?: string): tfjs.layers.Layer;
}

/** The configuration of a FusedInvertedResidual layer (its weights are set afterwards). */
export interface FusedInvertedResidualConfig {
  name?: string;
  /** Channels of the expansion (the depthwise convolution's). */
  expandedChannels: number;
  /** Channels of the projection (the block's output). */
  outChannels: number;
  /** The depthwise convolution's square kernel, strides and padding. */
  kernelSize: number;
  strides: [number, number];
  padding: 'same' | 'valid';
  expandActivation: FusedConvActivation;
  depthwiseActivation: FusedConvActivation;
  projectActivation: FusedConvActivation;
  /** Adds the block's input to the projection (same shape in and out). */
  residual: boolean;
  /**
   * Average-pools the block's output over averagePool x averagePool windows at that
   * stride, 'valid' (the zoo's blocks end with a 2 x 2 pool); 1 (the default): none.
   */
  averagePool?: number;
  /**
   * False for a block without the 1x1 expansion (a depthwise-separable module, MobileNet
   * V2's first block): the depthwise convolution reads the input, expandedChannels are
   * its channels, and the layer has no expansion weights. Default true.
   */
  expand?: boolean;
}

/** The activations fused into the convolution layers. */
export type FusedConvActivation = 'linear' | 'relu' | 'relu6' | 'swish';

type BatchNormalizationArgs = Parameters<Tf['layers']['batchNormalization']>[0];

/** The activations a batch-norm layer can fuse, with their layer class names. */
export const BATCH_NORM_ACTIVATION_LAYERS = {
  swish: 'BatchNormSwish',
  relu: 'BatchNormRelu',
  relu6: 'BatchNormRelu6',
} as const;
export type FusedActivation = keyof typeof BATCH_NORM_ACTIVATION_LAYERS;

/** The fields of tfjs-layers' BatchNormalization its typings keep private. */
interface BatchNormalizationState {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfjs.LayerVariable;
  beta: tfjs.LayerVariable;
  movingMean: tfjs.LayerVariable;
  movingVariance: tfjs.LayerVariable;
}

/** The fields of tfjs-layers' Conv2D and DepthwiseConv2D its typings keep private. */
interface ConvolutionState {
  kernel?: tfjs.LayerVariable;
  depthwiseKernel?: tfjs.LayerVariable;
  depthMultiplier?: number;
  bias: tfjs.LayerVariable | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { getClassName(): string };
}

const registered = new WeakMap<object, ZooLayers>();

export function registerZooLayers(tf: Tf): ZooLayers {
  const known = registered.get(tf.layers.Layer);
  if (known) return known;
  type Args = tfjs.serialization.ConfigDict & { name?: string };
  const one = (x: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor => (Array.isArray(x) ? x[0] : x);
  const kernelNames = nativeKernelNames();
  /** The name of a fused kernel when the backend has it now, else null. */
  const fusedKernel = (
    role: 'swish' | 'batchNormTraining' | 'batchNormInference' | 'invertedResidual',
  ) => {
    const name = kernelNames?.[role];
    return name !== undefined && tf.getKernel(name, tf.getBackend()) !== undefined ? name : null;
  };
  /**
   * A fused computation that only @asc/native's CPU kernels have (swish inside a
   * convolution, the inverted residual block), when the backend is 'cpu' and no gradient
   * is recorded (tfjs differentiates no fused swish; the block has no gradient); else null.
   */
  const inferenceCpuKernel = (role: 'swish' | 'invertedResidual') => {
    const recording =
      (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
    return tf.getBackend() === 'cpu' && !recording ? fusedKernel(role) : null;
  };

  const swish = (x: tfjs.Tensor): tfjs.Tensor =>
    tf.tidy(() => {
      const kernel = fusedKernel('swish');
      return kernel
        ? (tf.engine().runKernel(kernel, { x }) as tfjs.Tensor)
        : tf.mul(x, tf.sigmoid(x));
    });

  class Swish extends tf.layers.Layer {
    static className = 'Swish';
    override computeOutputShape(s: tfjs.Shape | tfjs.Shape[]): tfjs.Shape | tfjs.Shape[] {
      return s;
    }
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      return swish(one(inputs));
    }
  }

  const activate: Record<'linear' | FusedActivation, (x: tfjs.Tensor) => tfjs.Tensor> = {
    linear: (x) => x,
    swish,
    relu: (x) => tf.relu(x),
    relu6: (x) => tf.relu6(x),
  };

  // tfjs-layers does not export the class; its serialisation registry holds it.
  const TfjsBatchNormalization = tf.serialization.SerializationMap.getMap().classNameMap
    .BatchNormalization[0] as unknown as typeof tf.layers.Layer;

  class BatchNormalization extends TfjsBatchNormalization {
    static className = 'BatchNormalization';
    /** The activation applied to the normalised values. */
    protected readonly activation: 'linear' | FusedActivation = 'linear';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: tfjs.serialization.ConfigDict) {
      const x = one(inputs);
      const state = this as unknown as BatchNormalizationState;
      const training = kwargs.training === true;
      const kernel = fusedKernel(training ? 'batchNormTraining' : 'batchNormInference');
      // The weights are read from tfjs-layers' private fields: a tfjs that renamed them
      // gets its own computation rather than an error.
      const weights = [state.gamma, state.beta, state.movingMean, state.movingVariance];
      const fusable =
        (state.axis === -1 || state.axis === x.rank - 1) &&
        state.center &&
        state.scale &&
        weights.every((w) => typeof w?.read === 'function') &&
        x.dtype === 'float32' &&
        kernel !== null;
      if (!fusable || kernel === null) {
        const y = super.call(inputs, kwargs) as tfjs.Tensor;
        return tf.tidy(() => activate[this.activation](y));
      }
      const attrs = { varianceEpsilon: state.epsilon, activation: this.activation };
      const [scale, offset] = [state.gamma.read(), state.beta.read()];
      if (!training) {
        const [mean, variance] = [state.movingMean.read(), state.movingVariance.read()];
        return tf
          .engine()
          .runKernel(kernel, { x, mean, variance, scale, offset }, attrs) as tfjs.Tensor;
      }
      return tf.tidy(() => {
        const [y, mean, variance] = tf
          .engine()
          .runKernel(kernel, { x, scale, offset }, attrs) as tfjs.Tensor[];
        // The moving averages exactly as tfjs-layers updates them.
        const decay = 1 - state.momentum;
        for (const [variable, value] of [
          [state.movingMean, mean],
          [state.movingVariance, variance],
        ] as const) {
          tf.tidy(() => {
            const previous = variable.read();
            variable.write(tf.sub(previous, tf.mul(tf.sub(previous, value), decay)));
          });
        }
        return y;
      });
    }
  }

  const batchNormActivationClass = (activation: FusedActivation) => {
    const cls = class extends BatchNormalization {
      static override className = BATCH_NORM_ACTIVATION_LAYERS[activation];
      protected override readonly activation = activation;
    };
    tf.serialization.registerClass(cls);
    return cls;
  };
  const batchNormActivationClasses = {
    swish: batchNormActivationClass('swish'),
    relu: batchNormActivationClass('relu'),
    relu6: batchNormActivationClass('relu6'),
  };

  const classNameMap = tf.serialization.SerializationMap.getMap().classNameMap;
  const TfjsConv2D = classNameMap.Conv2D[0] as unknown as typeof tf.layers.Layer;
  const TfjsDepthwiseConv2D = classNameMap.DepthwiseConv2D[0] as unknown as typeof tf.layers.Layer;
  /** The arguments of tf.fused.conv2d and tf.fused.depthwiseConv2d that the layer gives. */
  type FusedConvArgs = Parameters<Tf['fused']['depthwiseConv2d']>[0];

  /**
   * The arguments of a fused convolution computing `layer` on x, or null where tfjs's own
   * computation must run: swish fuses only into @asc/native's CPU kernels (which take any
   * float32 NHWC convolution without dilation and a channel multiplier of 1) and only when
   * no gradient is recorded (tfjs's fused ops do not fuse then, and know no swish).
   */
  const fusedConvArgs = (layer: tfjs.layers.Layer, x: tfjs.Tensor): FusedConvArgs | null => {
    const state = layer as unknown as ConvolutionState;
    const activation = state.activation.getClassName();
    const dilations = [state.dilationRate].flat();
    if (!['linear', 'relu', 'relu6', 'swish'].includes(activation)) return null;
    if (state.dataFormat !== 'channelsLast' || dilations.some((d) => d !== 1)) return null;
    if (activation === 'swish') {
      const native = inferenceCpuKernel('swish') !== null;
      if (!native || (state.depthMultiplier ?? 1) !== 1 || x.dtype !== 'float32') return null;
    }
    const filter = (state.kernel ?? state.depthwiseKernel)?.read();
    if (!filter) return null;
    return {
      x: x as tfjs.Tensor4D,
      filter: filter as tfjs.Tensor4D,
      strides: state.strides,
      pad: state.padding === 'same' ? 'same' : 'valid',
      dataFormat: 'NHWC',
      bias: state.bias?.read(),
      // tfjs's type lacks swish; @asc/native's kernels take it (checked above).
      activation: activation as FusedConvActivation as FusedConvArgs['activation'],
    };
  };

  class FusedConv2D extends TfjsConv2D {
    static className = 'FusedConv2D';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: tfjs.serialization.ConfigDict) {
      const args = fusedConvArgs(this, one(inputs));
      return args ? tf.fused.conv2d(args) : super.call(inputs, kwargs);
    }
  }

  class FusedDepthwiseConv2D extends TfjsDepthwiseConv2D {
    static className = 'FusedDepthwiseConv2D';
    override call(inputs: tfjs.Tensor | tfjs.Tensor[], kwargs: tfjs.serialization.ConfigDict) {
      const args = fusedConvArgs(this, one(inputs));
      return args ? tf.fused.depthwiseConv2d(args) : super.call(inputs, kwargs);
    }
  }

  /** Output length of a convolution over `length` (tfjs-layers' convOutputLength). */
  const convOutputLength = (length: number, k: number, padding: string, stride: number) =>
    Math.ceil((padding === 'same' ? length : length - k + 1) / stride);

  class FusedInvertedResidual extends tf.layers.Layer {
    static className = 'FusedInvertedResidual';
    readonly block: Required<Omit<FusedInvertedResidualConfig, 'name'>>;
    private kernels: tfjs.LayerVariable[] = [];
    constructor(args: FusedInvertedResidualConfig) {
      // Deserialised layers also get tfjs-layers' own fields (trainable, dtype...).
      super(args as unknown as Args);
      this.block = {
        expandedChannels: args.expandedChannels,
        outChannels: args.outChannels,
        kernelSize: args.kernelSize,
        strides: args.strides,
        padding: args.padding,
        expandActivation: args.expandActivation,
        depthwiseActivation: args.depthwiseActivation,
        projectActivation: args.projectActivation,
        residual: args.residual,
        averagePool: args.averagePool ?? 1,
        expand: args.expand ?? true,
      };
    }
    override build(inputShape: tfjs.Shape | tfjs.Shape[]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfjs.Shape;
      const inC = shape[shape.length - 1] as number;
      const { expandedChannels: e, outChannels: o, kernelSize: k } = this.block;
      const weight = (name: string, s: number[]) =>
        this.addWeight(name, s, 'float32', tf.initializers.zeros());
      const expansion = this.block.expand
        ? [weight('expand_kernel', [1, 1, inC, e]), weight('expand_bias', [e])]
        : [];
      this.kernels = [
        ...expansion,
        weight('depthwise_kernel', [k, k, e, 1]),
        weight('depthwise_bias', [e]),
        weight('project_kernel', [1, 1, e, o]),
        weight('project_bias', [o]),
      ];
      this.built = true;
    }
    override computeOutputShape(s: tfjs.Shape | tfjs.Shape[]): tfjs.Shape {
      const [n, h, w] = (Array.isArray(s[0]) ? s[0] : s) as tfjs.Shape;
      const { kernelSize: k, padding, strides, averagePool: pool } = this.block;
      const out = (v: number | null, stride: number) =>
        v === null ? null : Math.floor(convOutputLength(v, k, padding, stride) / pool);
      return [n, out(h, strides[0]), out(w, strides[1]), this.block.outChannels];
    }
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      const x = one(inputs) as tfjs.Tensor4D;
      const b = this.block;
      const values = this.kernels.map((v) => v.read());
      const [ek, eb] = b.expand ? values : [null, null];
      const [dk, db, pk, pb] = values.slice(b.expand ? 2 : 0);
      const kernel = inferenceCpuKernel('invertedResidual');
      if (kernel && x.dtype === 'float32') {
        const attrs = {
          strides: b.strides,
          pad: b.padding,
          expandActivation: b.expandActivation,
          depthwiseActivation: b.depthwiseActivation,
          projectActivation: b.projectActivation,
          residual: b.residual,
          averagePool: b.averagePool,
        };
        const ins = {
          x,
          ...(ek && eb ? { expandFilter: ek, expandBias: eb } : {}),
          depthwiseFilter: dk,
          depthwiseBias: db,
          projectFilter: pk,
          projectBias: pb,
        };
        return tf.engine().runKernel(kernel, ins, attrs) as tfjs.Tensor;
      }
      return tf.tidy(() => {
        const conv = (y: tfjs.Tensor4D, filter: tfjs.Tensor, bias: tfjs.Tensor) =>
          tf.fused.conv2d({
            x: y,
            filter: filter as tfjs.Tensor4D,
            bias,
            strides: 1,
            pad: 'valid',
          });
        let y = ek && eb ? (activate[b.expandActivation](conv(x, ek, eb)) as tfjs.Tensor4D) : x;
        y = activate[b.depthwiseActivation](
          tf.fused.depthwiseConv2d({
            x: y,
            filter: dk as tfjs.Tensor4D,
            bias: db,
            strides: b.strides,
            pad: b.padding,
          }),
        ) as tfjs.Tensor4D;
        y = activate[b.projectActivation](conv(y, pk, pb)) as tfjs.Tensor4D;
        const block = (b.residual ? tf.add(x, y) : y) as tfjs.Tensor4D;
        const pool = b.averagePool;
        return pool > 1 ? tf.avgPool(block, pool, pool, 'valid') : block;
      });
    }
    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), ...this.block };
    }
  }

  class ChannelSlice extends tf.layers.Layer {
    static className = 'ChannelSlice';
    readonly begin: number;
    readonly size: number;
    constructor(args: Args) {
      super(args);
      this.begin = args.begin as number;
      this.size = args.size as number;
    }
    override computeOutputShape(s: tfjs.Shape | tfjs.Shape[]): tfjs.Shape {
      const shape = (Array.isArray(s[0]) ? s[0] : s) as tfjs.Shape;
      return [...shape.slice(0, -1), this.size];
    }
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      const x = one(inputs);
      const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.begin : 0));
      const size = x.shape.map((_, i) => (i === x.rank - 1 ? this.size : -1));
      return tf.slice(x, begin, size);
    }
    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), begin: this.begin, size: this.size };
    }
  }

  class ChannelShuffle extends tf.layers.Layer {
    static className = 'ChannelShuffle';
    readonly groups: number;
    constructor(args: Args) {
      super(args);
      this.groups = args.groups as number;
    }
    override computeOutputShape(s: tfjs.Shape | tfjs.Shape[]): tfjs.Shape | tfjs.Shape[] {
      return s;
    }
    override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
      return tf.tidy(() => {
        const x = one(inputs);
        const [b, h, w, c] = x.shape as number[];
        const g = this.groups;
        const grouped = tf.reshape(x, [b, h, w, g, c / g]);
        return tf.reshape(tf.transpose(grouped, [0, 1, 2, 4, 3]), [b, h, w, c]);
      });
    }
    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), groups: this.groups };
    }
  }

  tf.serialization.registerClass(Swish);
  tf.serialization.registerClass(FusedConv2D);
  tf.serialization.registerClass(FusedDepthwiseConv2D);
  tf.serialization.registerClass(FusedInvertedResidual);
  tf.serialization.registerClass(ChannelSlice);
  tf.serialization.registerClass(ChannelShuffle);
  const layers: ZooLayers = {
    swish: (name) => new Swish({ name }),
    batchNormalization: (args) => new BatchNormalization(args),
    batchNormActivation: (args, activation) => new batchNormActivationClasses[activation](args),
    fusedConv2d: (config) => new FusedConv2D(config),
    fusedDepthwiseConv2d: (config) => new FusedDepthwiseConv2D(config),
    fusedInvertedResidual: (config) => new FusedInvertedResidual(config),
    channelSlice: (begin, size, name) =>
      new ChannelSlice({ begin, size, ...(name ? { name } : {}) }),
    channelShuffle: (groups, name) => new ChannelShuffle({ groups, ...(name ? { name } : {}) }),
  };
  registered.set(tf.layers.Layer, layers);
  return layers;
}
