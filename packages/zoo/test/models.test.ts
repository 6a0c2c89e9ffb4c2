import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nativeKernelNames } from '@asc/native';
import * as tf from '@tensorflow/tfjs';
import { archId } from '../src/arch-id';
import { shufflenetV2 } from '../src/models/baselines';
import { buildModel, withSigmoidHead } from '../src/models/build';
import { registerZooLayers } from '../src/models/layers';
import { MODEL_A, MODEL_B, UnknownModelError, resolveModel } from '../src/models/named';
import { ArchSpecError, type ArchSpec } from '../src/spec';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const small: ArchSpec = {
  stemFilters: 8,
  growth: 1.5,
  blocks: [
    [3, 1, 'avg'],
    [0, 4, 'max'],
  ],
};

describe('buildModel', () => {
  it('computes Swish as x * sigmoid(x), checked against Math.exp', () => {
    const swish = registerZooLayers(tf).swish('s');
    const xs = [-6, -1.5, -0.1, 0, 0.3, 2, 7];
    const y = Array.from((swish.apply(tf.tensor1d(xs)) as tf.Tensor).dataSync());
    xs.forEach((x, i) => expect(y[i]).toBeCloseTo(x / (1 + Math.exp(-x)), 6));
  });

  it('has the stem, stride-2 shapes, pools and a 3-way logit output', () => {
    const model = buildModel(tf, MODEL_B, { inputShape: [32, 32, 2], seed: 1 });
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 2]);
    expect(model.getLayer('stem_conv').outputShape).toEqual([null, 16, 16, 64]);
    expect(model.getLayer('block4_avgpool').outputShape).toEqual([null, 1, 1, 64]);
    expect(model.outputs[0].shape).toEqual([null, 3]);
    const stem = model.getLayer('stem_conv').getConfig();
    expect(stem).toMatchObject({ strides: [2, 2], padding: 'valid', useBias: false });
    model.dispose();
  });

  it('adds the residual only when an IRwLB keeps its width', () => {
    const model = buildModel(tf, small, { inputShape: [16, 16, 2], seed: 2 });
    const names = model.layers.map((l) => l.name);
    expect(names).toContain('block1_a_residual'); // IRwLB 8 -> 8
    expect(names).not.toContain('block2_b_residual'); // IRwLB 12 -> 18
    expect(model.getLayer('block2_b_project').outputShape).toEqual([null, 4, 4, 18]);
    model.dispose();
  });

  it('outputs logits; the sigmoid head is their sigmoid with shared weights', () => {
    const model = buildModel(tf, small, { inputShape: [16, 16, 2], seed: 3 });
    const x = tf.randomNormal([4, 16, 16, 2], 0, 1, 'float32', 5);
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const probs = (withSigmoidHead(tf, model).predict(x) as tf.Tensor).arraySync() as number[][];
    logits.flat().forEach((l, i) => expect(probs.flat()[i]).toBeCloseTo(1 / (1 + Math.exp(-l)), 5));
    model.dispose();
  });

  it('gives the same initial weights for the same seed', () => {
    const w = (seed: number) => {
      const m = buildModel(tf, small, { inputShape: [16, 16, 2], seed });
      const v = Array.from(m.getLayer('stem_conv').getWeights()[0].dataSync());
      m.dispose();
      return v;
    };
    expect(w(7)).toEqual(w(7));
    expect(w(7)).not.toEqual(w(8));
  });

  it('saves and loads with the custom layers, predicting the same', async () => {
    const model = buildModel(tf, small, { inputShape: [16, 16, 2], seed: 4 });
    const x = tf.randomNormal([2, 16, 16, 2], 0, 1, 'float32', 6);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(artifacts!.modelTopology)).toContain('"class_name":"BatchNormSwish"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    Array.from(after).forEach((v, i) => expect(v).toBeCloseTo(before[i], 5));
    model.dispose();
    loaded.dispose();
  });
});

describe('the zoo batch normalisation', () => {
  it("serialises as tfjs's own BatchNormalization and trains like it without a fused kernel", () => {
    const args = { momentum: 0.9, epsilon: 1e-5, name: 'bn' };
    const ours = registerZooLayers(tf).batchNormalization(args);
    const theirs = tf.layers.batchNormalization(args);
    expect(ours.getClassName()).toBe('BatchNormalization');
    expect(ours.getConfig()).toEqual(theirs.getConfig());
    const fused = nativeKernelNames()?.batchNormTraining;
    expect(fused === undefined || tf.getKernel(fused, 'cpu') === undefined).toBe(true);
    const x = tf.randomNormal([4, 3, 3, 5], 2, 3, 'float32', 9);
    const y = [ours, theirs].map((l) => (l.apply(x, { training: true }) as tf.Tensor).dataSync());
    expect(Array.from(y[0])).toEqual(Array.from(y[1]));
    // The moving statistics moved the same way.
    const stats = [ours, theirs].map((l) => l.getWeights().map((w) => Array.from(w.dataSync())));
    expect(stats[0]).toEqual(stats[1]);
    expect(stats[0][2]).not.toEqual([0, 0, 0, 0, 0]);
  });

  it.each([
    ['swish', 'BatchNormSwish', (v: number) => v / (1 + Math.exp(-v))],
    ['relu', 'BatchNormRelu', (v: number) => Math.max(0, v)],
    ['relu6', 'BatchNormRelu6', (v: number) => Math.min(Math.max(0, v), 6)],
  ] as const)('%s fused: %s is the activation of that batch normalisation', (act, cls, f) => {
    // gamma 4 puts normalised values beyond 6, where relu6 clips.
    const args = {
      momentum: 0.9,
      epsilon: 1e-5,
      name: 'bn',
      gammaInitializer: tf.initializers.constant({ value: 4 }),
    };
    const fused = registerZooLayers(tf).batchNormActivation(args, act);
    const plain = tf.layers.batchNormalization(args);
    expect(fused.getClassName()).toBe(cls);
    expect(fused.getConfig()).toEqual(plain.getConfig());
    const x = tf.randomNormal([3, 4, 2, 6], -1, 2, 'float32', 3);
    for (const training of [true, false]) {
      const y = (fused.apply(x, { training }) as tf.Tensor).dataSync();
      const z = (plain.apply(x, { training }) as tf.Tensor).dataSync();
      Array.from(z).forEach((v, i) => expect(y[i]).toBeCloseTo(f(v), 5));
    }
  });
});

describe('ShuffleNet V2 layers', () => {
  it('shuffles two channel groups as reshape(2, c/2) -> transpose (hand-computed order)', () => {
    const shuffle = registerZooLayers(tf).channelShuffle(2);
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5], [1, 1, 1, 6]);
    expect(Array.from((shuffle.apply(x) as tf.Tensor).dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
    const slice = registerZooLayers(tf).channelSlice(2, 3);
    expect(Array.from((slice.apply(x) as tf.Tensor).dataSync())).toEqual([2, 3, 4]);
  });

  it('runs a forward pass with 2 input channels and 3 outputs', () => {
    const model = shufflenetV2.build(tf, { inputShape: [64, 64, 2], seed: 1 });
    const y = model.predict(tf.zeros([1, 64, 64, 2])) as tf.Tensor;
    expect(y.shape).toEqual([1, 3]);
    model.dispose();
  });
});

describe('resolveModel', () => {
  it('resolves names, aliases and identifiers', () => {
    expect(resolveModel('B').spec).toEqual(MODEL_B);
    expect(resolveModel('b').params).toBe(76_611);
    expect(resolveModel('A').params).toBe(111_306);
    expect(resolveModel('A-table3').params).toBe(107_658);
    expect(resolveModel('MobileNetV1').name).toBe('mobilenet-v1');
    expect(resolveModel('alexnet-modified').name).toBe('alexnet');
    const byId = resolveModel(archId(MODEL_A));
    expect(byId.spec).toEqual(MODEL_A);
    expect(byId.name).toBe('id_415226_76_1.750');
    expect(resolveModel(MODEL_A).params).toBe(111_306);
  });

  it('reads a spec file (bare or wrapped in {"spec": ...}) and names the file in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-spec-'));
    try {
      const bare = path.join(dir, 'a.json');
      fs.writeFileSync(bare, JSON.stringify(MODEL_A));
      expect(resolveModel(bare).params).toBe(111_306);
      const wrapped = path.join(dir, 'run.json');
      fs.writeFileSync(wrapped, JSON.stringify({ model: 'x', spec: MODEL_B }));
      expect(resolveModel(wrapped).spec).toEqual(MODEL_B);
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ ...MODEL_B, growth: 9 }));
      expect(() => resolveModel(bad)).toThrow(ArchSpecError);
      expect(() => resolveModel(bad)).toThrow(`${bad}: growth must be`);
      const broken = path.join(dir, 'broken.json');
      fs.writeFileSync(broken, '{"stemFilters": 4,');
      expect(() => resolveModel(broken)).toThrow(`${broken}: not valid JSON`);
      expect(() => resolveModel(path.join(dir, 'missing.json'))).toThrow(/cannot read spec file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the known names when nothing matches', () => {
    expect(() => resolveModel('resnet50')).toThrow(UnknownModelError);
    expect(() => resolveModel('resnet50')).toThrow(/mobilenet-v1.*A-table3/);
  });
});
