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
  /** Seeds the kernel initialisers so that a trial's seed gives the same initial weights. */
  seed?: number;
}

export const DEFAULT_INPUT_SHAPE: [number, number, number] = [128, 128, 2];

/** Applies a layer in the functional API (tfjs types `apply` loosely). */
export function apply(
  layer: { apply(x: SymbolicTensor | SymbolicTensor[]): unknown },
  x: SymbolicTensor | SymbolicTensor[],
): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

/** A seeded Glorot-uniform initialiser (tfjs's default kernel initialiser) or the default. */
export function kernelInit(
  tf: Tf,
  seed: number | undefined,
  counter: { n: number },
): ReturnType<Tf['initializers']['glorotUniform']> | undefined {
  if (seed === undefined) return undefined;
  return tf.initializers.glorotUniform({ seed: seed + 7919 * counter.n++ });
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
