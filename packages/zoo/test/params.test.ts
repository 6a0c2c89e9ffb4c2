import * as tf from '@tensorflow/tfjs';
import { ALEXNET_HIDDEN_UNITS, BASELINES } from '../src/models/baselines';
import { buildModel } from '../src/models/build';
import { MODEL_A, MODEL_A_TABLE3, MODEL_B, namedModels } from '../src/models/named';
import { trainableParams } from '../src/models/tf';
import { layerTable, modelSize, paramCount, sizeOfParams } from '../src/params';
import { RandomSampler } from '../src/sampler';

const mb = (params: number, bytes = 4) => sizeOfParams(params, bytes).MiB;

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

describe('parameter counts of the paper', () => {
  it('Model B has exactly 76,611 parameters (Table 3, docs/search-and-training.md)', () => {
    expect(paramCount(MODEL_B)).toBe(76_611);
    expect(modelSize(MODEL_B).KiB).toBeCloseTo(299.26, 2);
    expect(modelSize(MODEL_B, { bytesPerParam: 2 }).KiB).toBeCloseTo(149.63, 2);
  });

  it('Model A has 111,306 with the 5x5 IRwLB and 107,658 in the 3x3 reading', () => {
    expect(paramCount(MODEL_A)).toBe(111_306);
    expect(paramCount(MODEL_A_TABLE3)).toBe(107_658);
  });

  it('hand count of Model B: stem + IRwLB3 + 2 DSC3 + DSC5 + IRwLB3 + DSC3 + dense', () => {
    const stem = 3 * 3 * 2 * 64 + 2 * 64;
    const irwlb3 = 64 * 192 + 2 * 192 + 9 * 192 + 2 * 192 + 192 * 64 + 2 * 64;
    const dsc = (k: number) => k * k * 64 + 2 * 64 + 64 * 64 + 2 * 64;
    const dense = 64 * 3 + 3;
    expect(paramCount(MODEL_B)).toBe(
      stem + irwlb3 + dsc(3) + dsc(5) + dsc(3) + irwlb3 + dsc(3) + dense,
    );
  });

  it('Model B with a 10-way head: the dense layer grows by 64 x 7 + 7, nothing else changes', () => {
    expect(paramCount(MODEL_B, { classes: 10 })).toBe(76_611 + 64 * 7 + 7);
    const named = namedModels().find((m) => m.name === 'B')!;
    expect(named.params).toBe(76_611);
    expect(named.cost({ classes: 10 }).params).toBe(77_066);
    expect(layerTable(MODEL_B, { classes: 10 }).slice(-2)).toEqual([
      {
        layer: 'Fully Connected',
        block: null,
        outputChannels: 10,
        params: 650,
        batchNormParams: 0,
        macs: 650,
      },
      {
        layer: '10-way Sigmoid',
        block: null,
        outputChannels: 10,
        params: 0,
        batchNormParams: 0,
        macs: 0,
      },
    ]);
  });

  it('prints the layer table of Table 3 for Model A', () => {
    expect(layerTable(MODEL_A_TABLE3).map((r) => r.layer)).toEqual([
      '3 × 3 Stem Conv. (76)',
      '3 × 3 IRwLB (76)',
      '3 × 3 DSC (133)',
      '2 × 2 AvgPool',
      '5 × 5 DSC (133)',
      '5 × 5 DSC (232)',
      '2 × 2 MaxPool',
      'GlobalAvgPool',
      'Fully Connected',
      '3-way Sigmoid',
    ]);
  });

  it('rejects a byte width that is neither float32 nor float16', () => {
    expect(() => modelSize(MODEL_B, { bytesPerParam: 3 })).toThrow(
      /4 \(float32\) or 2 \(float16\)/,
    );
  });
});

describe('Table 4 sizes to the printed precision', () => {
  const byName = Object.fromEntries(namedModels().map((m) => [m.name, m.params]));
  it.each([
    ['alexnet', 33.8],
    ['mobilenet-v1', 12.2],
    ['mobilenet-v2', 8.5],
    ['shufflenet-v2', 4.8],
    ['A', 0.42],
    ['B', 0.29],
  ])('%s: %s MB', (name, printed) => {
    const decimals = String(printed).split('.')[1].length;
    expect(mb(byName[name]).toFixed(decimals)).toBe(printed.toFixed(decimals));
  });

  it('float16 halves A and B to 0.21 and 0.15 MB', () => {
    expect(mb(byName.A, 2).toFixed(2)).toBe('0.21');
    expect(mb(byName.B, 2).toFixed(2)).toBe('0.15');
  });

  it('matches the published counts of the reference implementations, adapted to 2 inputs and 3 outputs', () => {
    // Keras MobileNet (alpha 1.0, include_top=False) has 3,206,976 trainable parameters with
    // 3 input channels; 2 channels remove 3*3*1*32 = 288; the classifier adds 1024*3 + 3.
    expect(byName['mobilenet-v1']).toBe(3_206_976 - 288 + 3075);
    // Keras MobileNetV2 (include_top=False): 2,223,872 trainable; head 1280*3 + 3.
    expect(byName['mobilenet-v2']).toBe(2_223_872 - 288 + 3843);
    // torchvision shufflenet_v2_x1_0: 2,278,604 with a 1000-way fc (1024*1000 + 1000);
    // 2 input channels remove 3*3*24 = 216.
    expect(byName['shufflenet-v2']).toBe(2_278_604 - 1_025_000 + 3075 - 216);
  });

  it('documents the AlexNet design and its hidden width', () => {
    const alex = BASELINES.find((b) => b.name === 'alexnet')!;
    expect(alex.notes).toContain(String(ALEXNET_HIDDEN_UNITS));
    expect(alex.notes).toMatch(/33\.8 MB/);
  });
});

describe('analytic count equals the built tfjs model', () => {
  it('for 200 random architectures (built on 32x32 input; counts do not depend on it)', () => {
    const sampler = new RandomSampler({ seed: 11 });
    for (let i = 0; i < 200; i++) {
      const spec = sampler.drawRaw();
      const model = buildModel(tf, spec, { inputShape: [32, 32, 2], seed: i });
      expect({ i, params: trainableParams(model) }).toEqual({ i, params: paramCount(spec) });
      // BN moving mean and variance are weights but not trainable parameters.
      const bnLayers = model.layers.filter((l) => l.getClassName().startsWith('BatchNorm'));
      expect(model.countParams() - trainableParams(model)).toBe(
        bnLayers.reduce((n, l) => n + 2 * (l.getWeights()[0].shape[0] as number), 0),
      );
      model.dispose();
    }
  });

  it.each(BASELINES.map((b) => [b.name, b] as const))('for %s', (_name, baseline) => {
    // AlexNet's flatten depends on the input size, so it is built at the default input.
    const inputShape: [number, number, number] =
      baseline.name === 'alexnet' ? [128, 128, 2] : [32, 32, 2];
    const model = baseline.build(tf, { inputShape, seed: 1 });
    expect(trainableParams(model)).toBe(baseline.params({ inputShape }));
    model.dispose();
  });
});
