import * as tf from '@tensorflow/tfjs';
import { float32ToHalfBytes, halfToFloat32 } from '@asc/native';
import {
  MODEL_A,
  MODEL_B,
  alexnet,
  buildModel,
  mobilenetV2,
  shufflenetV2,
  type ArchSpec,
  type LayersModel,
} from '@asc/zoo';
import {
  OnnxModel,
  encodeModel,
  graphFromLayersModel,
  toFloat16Weights,
  type OptimizationLevel,
} from '../src';
import { amplifyHead, fitBatchNorms, nativeTf, structuredSegments, uniform } from './helpers';

const BATCH = 4;

/** A candidate with every module type (identity, DSC 3/5, IRwLB 3/5 with and without residual) and both pools. */
const EVERY_MODULE: ArchSpec = {
  stemFilters: 16,
  growth: 1.5,
  blocks: [
    [1, 2, 'avg'],
    [3, 4, 'max'],
    [0, 1, 'avg'],
  ],
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const sigmoid = (x: Float32Array) => x.map((v) => 1 / (1 + Math.exp(-v)));

interface Outputs {
  logits: Float32Array;
  probabilities: Float32Array;
}

/**
 * The model with batch norms fitted to structured inputs, the raw inputs and input
 * statistics, and tfjs's logits computed the way the trainer does (normalise, predict).
 */
function prepare(model: LayersModel) {
  const SHAPE = model.inputs[0].shape.slice(1) as [number, number, number];
  const mean = uniform(SHAPE[1] * SHAPE[2], 3, -40, -20);
  const scale = uniform(SHAPE[1] * SHAPE[2], 4, 10, 30);
  const raw = structuredSegments(BATCH, SHAPE, 5);
  const x = tf.tidy(() =>
    tf.div(
      tf.sub(tf.tensor4d(raw, [BATCH, ...SHAPE]), tf.tensor4d(mean, [1, 1, SHAPE[1], SHAPE[2]])),
      tf.tensor4d(scale, [1, 1, SHAPE[1], SHAPE[2]]),
    ),
  );
  fitBatchNorms(model, x, 7);
  amplifyHead(model, x);
  const run = (): Outputs => {
    const logits = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    return { logits, probabilities: sigmoid(logits) };
  };
  const expected = run();
  // tfjs's own float16 weights (its layers-model export rounds every weight to binary16)
  const saved = model.getWeights().map((w) => w.clone());
  model.setWeights(
    saved.map((w) => {
      const v = w.dataSync() as Float32Array;
      return tf.tensor(halfToFloat32(float32ToHalfBytes(v), v.length), w.shape);
    }),
  );
  const tfjsHalf = run();
  model.setWeights(saved);
  tf.dispose(saved);
  x.dispose();
  return { raw, normalisation: { mean, scale }, expected, tfjsHalf };
}

async function runOnnx(
  bytes: Uint8Array,
  raw: Float32Array,
  optimization: OptimizationLevel = 'basic',
): Promise<Outputs> {
  const m = await OnnxModel.open(bytes, { optimization, threads: 2 });
  try {
    return await m.run(raw, BATCH);
  } finally {
    await m.release();
  }
}

// At the paper's input, except ShuffleNet V2 and AlexNet (which add layer types, not
// size effects) on smaller ones, to keep the test quick.
const MODELS: [string, () => LayersModel][] = [
  ['Model B', () => buildModel(tf, MODEL_B, { seed: 1 })],
  ['Model A', () => buildModel(tf, MODEL_A, { seed: 2 })],
  ['a candidate with every module and both pools', () => buildModel(tf, EVERY_MODULE, { seed: 3 })],
  ['MobileNet V2', () => mobilenetV2.build(tf, { seed: 4 })],
  ['ShuffleNet V2', () => shufflenetV2.build(tf, { seed: 6, inputShape: [64, 64, 2] })],
  ['AlexNet (modified)', () => alexnet.build(tf, { seed: 7, inputShape: [64, 64, 2] })],
];

describe('ONNX export against tfjs (batch norms fitted, structured inputs, onnxruntime at basic)', () => {
  beforeAll(async () => {
    await nativeTf();
  });

  it.each(MODELS)('%s', async (name, build) => {
    const model = build();
    try {
      const { raw, normalisation, expected, tfjsHalf } = prepare(model);
      const graph = graphFromLayersModel(model, { normalisation });
      const got = await runOnnx(encodeModel(graph, { producerVersion: 'test' }), raw);
      // The outputs depend on the input, by far more than the tolerance below: a swapped
      // axis or sample would show (the least, AlexNet's: 0.035).
      expect(maxAbsDiff(expected.logits.slice(0, 3), expected.logits.slice(3, 6))).toBeGreaterThan(
        0.01,
      );
      // float32: the same function, up to summation order
      expect({ name, logits: maxAbsDiff(got.logits, expected.logits) < 1e-4 }).toEqual({
        name,
        logits: true,
      });
      expect(maxAbsDiff(got.probabilities, expected.probabilities)).toBeLessThan(1e-4);

      // float16 weights: the search-space models' probabilities within 1e-3 of tfjs float32
      // (measured: 3.5e-4 to 5.3e-4). The vision baselines with PyTorch's initialisation move
      // further through binary16 rounding itself, as tfjs's own float16 weights do
      // (MobileNet V2 6.1e-3 against tfjs's 9.8e-3; ShuffleNet V2 9.5e-3 against 1.4e-2;
      // with Glorot's, MobileNet V2 stayed under 1e-3): there the bound is that deviation.
      const half = await runOnnx(
        encodeModel(toFloat16Weights(graph), { producerVersion: 'test' }),
        raw,
      );
      const halfDiff = maxAbsDiff(half.probabilities, expected.probabilities);
      const tfjsHalfDiff = maxAbsDiff(tfjsHalf.probabilities, expected.probabilities);
      if (!['MobileNet V2', 'ShuffleNet V2', 'AlexNet (modified)'].includes(name)) {
        expect(halfDiff).toBeLessThan(1e-3);
      } else {
        expect(halfDiff).toBeLessThan(Math.max(1e-3, 1.5 * tfjsHalfDiff));
      }
    } finally {
      model.dispose();
    }
  });
});

describe('zero padding (the PyTorch-style stem)', () => {
  beforeAll(async () => {
    await nativeTf();
  });

  it("becomes the pads of the convolution that alone reads it, else a Pad node; outputs equal tfjs's", async () => {
    const input = tf.input({ shape: [9, 10, 2] });
    const padded = tf.layers
      .zeroPadding2d({
        padding: [
          [1, 2],
          [0, 3],
        ],
      })
      .apply(input);
    const conv = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', name: 'conv' })
      .apply(padded);
    const repadded = tf.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(conv);
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(repadded);
    const gap = tf.layers.globalAveragePooling2d({}).apply(pooled);
    const logits = tf.layers.dense({ units: 3 }).apply(gap) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits });
    const stem = buildModel(tf, MODEL_B, { seed: 1 });
    try {
      const graph = graphFromLayersModel(model);
      const ops = graph.nodes.map((n) => n.op);
      // Height [1, 2] and width [0, 3] as ONNX's [top, left, bottom, right].
      expect(graph.nodes.find((n) => n.name === 'conv')!.attributes.pads).toEqual([1, 0, 2, 3]);
      expect(ops.filter((op) => op === 'Pad')).toHaveLength(1);
      expect(graph.nodes.find((n) => n.op === 'Pad')!.name).toBe('pad');
      const raw = uniform(BATCH * 9 * 10 * 2, 11);
      const expected = tf.tidy(() =>
        (model.predict(tf.tensor4d(raw, [BATCH, 9, 10, 2])) as tf.Tensor).dataSync(),
      );
      // Unoptimised: from 'basic' on, onnxruntime folds a zero Pad into the MaxPool after it,
      // whose pads count as -inf, not 0 (the fold onnx/optimizer#318 fixes for its own pass):
      // windows of negative values then differ. The zoo's models pad only before a convolution.
      const got = await runOnnx(encodeModel(graph, { producerVersion: 'test' }), raw, 'disabled');
      expect(maxAbsDiff(got.logits, expected)).toBeLessThan(1e-5);
      // The zoo's default stem: one row and column on each side, no Pad node.
      const b = graphFromLayersModel(stem);
      expect(b.nodes.find((n) => n.name === 'stem_conv')!.attributes.pads).toEqual([1, 1, 1, 1]);
      expect(b.nodes.some((n) => n.op === 'Pad')).toBe(false);
    } finally {
      model.dispose();
      stem.dispose();
    }
  });
});
