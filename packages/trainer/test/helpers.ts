import * as tf from '@tensorflow/tfjs';
import type { ArchSpec } from '@asc/zoo';
import { syntheticSet, type BackendInfo, type SyntheticSet } from '../src';

/** The backend record of tests that run tfjs's own JS kernels on 'cpu'. */
export const JS_CPU_BACKEND: BackendInfo = {
  requested: 'cpu-js',
  name: 'cpu',
  package: '@tensorflow/tfjs',
  version: tf.version.tfjs,
  threads: 1,
  nativeKernels: false,
  notes: [],
};

/** A small architecture of the search space (two blocks, 4 stem filters) for 16x16 inputs. */
export const TINY_SPEC: ArchSpec = {
  stemFilters: 4,
  growth: 1,
  blocks: [
    [0, 1, 'avg'],
    [2, 1, 'max'],
  ],
};

/** A tiny CNN of the search space's flavour (conv, BN, swish, pool, dense logits). */
export function tinyModel(
  inputShape: [number, number, number],
  classes: number,
  filters = 4,
): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x = tf.layers
    .conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input) as tf.SymbolicTensor;
  // PyTorch BatchNorm2d default momentum 0.1 (= 0.9 here), as the models of the paper.
  x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'swish' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.averagePooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/**
 * The set the candidate evaluator's tests train TINY_SPEC on: 6 clips of 16x16x2 with 2
 * segments each (12 training segments), 3 clips to evaluate, 3 classes.
 */
export function tinySet(): SyntheticSet {
  return syntheticSet({
    clips: 6,
    evaluateClips: 3,
    segmentsPerClip: 2,
    shape: [16, 16, 2],
    classes: 3,
    seed: 1,
  });
}

export { syntheticSet, type SyntheticSet };
