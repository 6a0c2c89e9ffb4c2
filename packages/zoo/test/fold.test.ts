import {
  nativeKernelDispatchCounts,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  unregisterNativeKernels,
} from '@asc/native';
import * as tf from '@tensorflow/tfjs';
import { addonRequired } from '../../../native/test/addon-required';
import { fitBatchNorms } from './fit-batch-norms';
import { BATCH_NORM_CLASSES, foldBatchNorms } from '../src/models/fold';
import { resolveModel } from '../src/models/named';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const logits = (m: tf.LayersModel, x: tf.Tensor) =>
  tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);

// The reference is the model itself, run by tfjs-layers' own batch-norm layers; the bound
// is the ONNX export's parity bound (that export folds the same way).
describe('foldBatchNorms', () => {
  test.each([
    ['B', 'pytorch'],
    ['B', 'glorot'],
    ['A', 'pytorch'],
    ['mobilenet-v2', 'pytorch'],
  ] as const)(
    'model %s (%s init) on the JS kernels: the same logits to folding rounding, every block one layer',
    (name, init) => {
      const model = resolveModel(name).build(tf, { seed: 3, init, inputShape: [32, 32, 2] });
      const x = tf.randomNormal([3, 32, 32, 2], 0, 1, 'float32', 7);
      fitBatchNorms(model, x, 5);
      const before = logits(model, x);
      const folded = foldBatchNorms(tf, model);
      expect(folded.layers.filter((l) => BATCH_NORM_CLASSES.has(l.getClassName()))).toEqual([]);
      // Every module becomes one layer with the average pool that ends its block: B's two
      // IRwLB and four DSC modules; A's IRwLB and three DSCs (its max pool stays a layer);
      // MobileNet V2's 17 blocks (the first without expansion, five at stride 2). On the
      // JS kernels each runs as its convolutions and pool.
      const classes = folded.layers.map((l) => l.getClassName());
      const blocks = { B: 6, A: 4, 'mobilenet-v2': 17 }[name];
      expect(classes.filter((c) => c === 'FusedInvertedResidual')).toHaveLength(blocks);
      expect(classes.filter((c) => c === 'MaxPooling2D')).toHaveLength(name === 'A' ? 1 : 0);
      expect(classes.filter((c) => /Depthwise/.test(c))).toEqual([]);
      expect(folded.countParams()).toBeLessThan(model.countParams());
      // Logits that vary with the input far beyond the bound, so the bound means something.
      expect(maxAbsDiff(before.slice(0, 3), before.slice(3, 6))).toBeGreaterThan(1e-2);
      // MobileNet V2 (53 convolutions deep, fitted statistics) folds to 1.0e-4 of its
      // largest logit (measured; the convolutions kept apart fold the same): a relative
      // bound there.
      const largest = Math.max(...before.map(Math.abs));
      const bound = name === 'mobilenet-v2' ? 2e-4 * largest : 1e-4;
      expect(maxAbsDiff(logits(folded, x), before)).toBeLessThan(bound);
      // The model folded from is left as it was.
      expect(model.layers.every((l) => l.inboundNodes.length === 1)).toBe(true);
      expect(logits(model, x)).toEqual(before);
      folded.dispose();
      model.dispose();
      x.dispose();
    },
  );

  test('a folded model saves and loads as data (its layers registered by the zoo)', async () => {
    const model = resolveModel('B').build(tf, { seed: 5, inputShape: [16, 16, 2] });
    const x = tf.randomNormal([2, 16, 16, 2], 0, 1, 'float32', 3);
    fitBatchNorms(model, x, 4);
    const folded = foldBatchNorms(tf, model);
    let saved: tf.io.ModelArtifacts | undefined;
    await folded.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(
      folded.layers.map((l) => l.getClassName()),
    );
    expect(logits(loaded, x)).toEqual(logits(folded, x));
    tf.dispose([x]);
    [loaded, folded, model].forEach((m) => m.dispose());
  });

  (addonRequired('fold.test, native fused convolutions') ? it : it.skip)(
    'Model B on the native kernels: every convolution fused with its activation, within 1e-4',
    () => {
      const model = resolveModel('B').build(tf, { seed: 3 });
      const x = tf.randomNormal([2, 128, 128, 2], 0, 1, 'float32', 11);
      expect(registerNativeKernels(tf, { threads: 2 }).active).toBe(true);
      try {
        fitBatchNorms(model, x, 9);
        const before = logits(model, x);
        const convolutions = foldBatchNorms(tf, model, { invertedResiduals: false });
        resetNativeKernelDispatchCounts();
        const unfused = logits(convolutions, x);
        expect(maxAbsDiff(unfused, before)).toBeLessThan(1e-4);
        const convCounts = nativeKernelDispatchCounts();
        expect({
          conv: convCounts.FusedConv2D,
          depthwise: convCounts.FusedDepthwiseConv2D,
          unfused: convCounts.DepthwiseConv2dNative,
        }).toEqual({
          conv: { native: 9, fallback: 0 },
          depthwise: { native: 6, fallback: 0 },
          unfused: { native: 0, fallback: 0 },
        });
        convolutions.dispose();
        // Each block as one kernel: the same sums in the same order, so the same logits to
        // the bit.
        const folded = foldBatchNorms(tf, model);
        resetNativeKernelDispatchCounts();
        const after = logits(folded, x);
        const counts = nativeKernelDispatchCounts();
        expect(after).toEqual(unfused);
        expect({
          conv: counts.FusedConv2D,
          depthwise: counts.FusedDepthwiseConv2D,
          pools: counts.AvgPool,
          blocks: counts.AscInvertedResidual,
        }).toEqual({
          conv: { native: 1, fallback: 0 },
          depthwise: { native: 0, fallback: 0 },
          pools: { native: 0, fallback: 0 },
          blocks: { native: 6, fallback: 0 },
        });
        // While gradients are recorded, swish is applied as tfjs's own ops.
        const [value] = tf.tidy(() => {
          const { value: v } = tf.valueAndGrad((t: tf.Tensor) =>
            tf.sum(folded.apply(t) as tf.Tensor),
          )(x);
          return [v.dataSync()[0]];
        });
        expect(Math.abs(value - after.reduce((a, b) => a + b, 0))).toBeLessThan(1e-4);
        folded.dispose();
      } finally {
        unregisterNativeKernels(tf);
        model.dispose();
        x.dispose();
      }
    },
  );
});
