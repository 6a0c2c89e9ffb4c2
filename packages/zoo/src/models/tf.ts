import type * as tfjs from '@tensorflow/tfjs';

/**
 * The tfjs namespace the caller chose (`@tensorflow/tfjs`, or `@tensorflow/tfjs-node`
 * which re-exports it): models are built with the caller's instance so that they run on
 * the caller's backend and kernels.
 */
export type Tf = typeof tfjs;
export type LayersModel = tfjs.LayersModel;
export type SymbolicTensor = tfjs.SymbolicTensor;

/** Options of every model builder. */
export interface BuildOptions {
  /** Input shape (height, width, channels); (128, 128, 2) by default. */
  inputShape?: [number, number, number];
  classes?: number;
  /** Seeds the initialisers so that a trial's seed gives the same initial weights. */
  seed?: number;
  /** How the weights start; PyTorch's defaults unless asked otherwise (see WeightInit). */
  init?: WeightInit;
}

/**
 * How a model's weights start, and the conventions that go with them.
 * - 'pytorch' (the default): what the authors' PyTorch code got, `nn.Conv2d` and
 *   `nn.Linear`'s `reset_parameters`: kernels uniform in +-1/sqrt(fan_in) (kaiming_uniform
 *   with a = sqrt(5)), fan_in counting the inputs of one output (k*k*in for a convolution,
 *   k*k for a depthwise one, `in_features` for a dense layer); biases uniform in the same
 *   bounds; layers without bias have none. The search-space models' stride-2 stem pads one
 *   row and column on each side, as `padding=1`.
 * - 'glorot': Keras's conventions, the zoo's models before PyTorch's became the default:
 *   Glorot-uniform kernels, zero biases, and a 'same' stem (TensorFlow pads a stride-2 3x3
 *   convolution of an even input 0 before and 1 after). The same seed gives the same
 *   weights as those models did.
 * Batch normalisation starts at gamma 1, beta 0 under both.
 */
export type WeightInit = 'pytorch' | 'glorot';
export const WEIGHT_INITS: readonly WeightInit[] = ['pytorch', 'glorot'];
export const DEFAULT_WEIGHT_INIT: WeightInit = 'pytorch';

type Initializer = ReturnType<Tf['initializers']['glorotUniform']>;

export const DEFAULT_INPUT_SHAPE: [number, number, number] = [128, 128, 2];

/** The paper's classes (TAU 2020 3Class: indoor, outdoor, transportation): every head's default. */
export const PAPER_CLASSES = 3;

/** Applies a layer in the functional API (tfjs types `apply` loosely). */
export function apply(
  layer: { apply(x: SymbolicTensor | SymbolicTensor[]): unknown },
  x: SymbolicTensor | SymbolicTensor[],
): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

/**
 * The initialisers of one model, numbered in build order, so that one seed gives the same
 * weights in every process (training rebuilds the model with seeds drawn from its run seed;
 * see the trainer's seededCopy).
 */
export class WeightInitialisers {
  readonly init: WeightInit;
  private readonly seed: number | undefined;
  private n = 0;

  constructor(
    private readonly tf: Tf,
    o: BuildOptions,
  ) {
    this.init = o.init ?? DEFAULT_WEIGHT_INIT;
    this.seed = o.seed;
  }

  private nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed + 7919 * this.n++;
  }

  /** A kernel's initialiser; `fanIn`: the inputs of one output (see WeightInit). */
  kernel(fanIn: number): Initializer | undefined {
    if (this.init === 'glorot') {
      const seed = this.nextSeed();
      return seed === undefined ? undefined : this.tf.initializers.glorotUniform({ seed });
    }
    return this.uniform(fanIn);
  }

  /** A bias's initialiser (undefined: tfjs's zeros). */
  bias(fanIn: number): Initializer | undefined {
    return this.init === 'glorot' ? undefined : this.uniform(fanIn);
  }

  private uniform(fanIn: number): Initializer {
    const bound = 1 / Math.sqrt(fanIn);
    return this.tf.initializers.randomUniform({
      minval: -bound,
      maxval: bound,
      seed: this.nextSeed(),
    });
  }
}

/** Trainable parameters of a built model: what the analytic counts must equal. */
export function trainableParams(model: LayersModel): number {
  return model.trainableWeights.reduce(
    (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
    0,
  );
}

/**
 * Non-zero trainable parameters outside batch norm (what DCASE 2020 Task 1B counts): the
 * weights and biases a pruned or sparse model really stores.
 */
export function nonZeroParams(model: LayersModel): number {
  let n = 0;
  for (const layer of model.layers) {
    if (layer.weights.some((w) => w.originalName.endsWith('moving_variance'))) continue;
    for (const w of layer.trainableWeights) {
      const values = w.read().dataSync();
      for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
    }
  }
  return n;
}
