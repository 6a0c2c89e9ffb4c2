import * as tf from '@tensorflow/tfjs';
import { archId } from '../src/arch-id';
import { audioTiming, complexityOf, DCASE2020_LIMIT_BYTES } from '../src/complexity';
import { BASELINES, mobilenetV1, mobilenetV2, shufflenetV2 } from '../src/models/baselines';
import { buildModel } from '../src/models/build';
import { MODEL_A, MODEL_B, namedModels } from '../src/models/named';
import type { LayersModel } from '../src/models/tf';
import { specCost } from '../src/params';
import { RandomSampler } from '../src/sampler';
import { countArchitectures, type SearchSpace, type SizeWindow } from '../src/space';
import { everyTwoBlockSpec } from './two-block-space';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const TIMING = { segmentSeconds: 1.28, segmentsPerClip: 8 };

/**
 * torchinfo's rule, written a second time over a built tfjs model (an independent
 * reference for the analytic counts): a layer's trainable weights times its output
 * height x width for convolutions, times 1 for everything else with weights.
 */
function torchinfoMacs(model: LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const params = layer.trainableWeights.reduce(
      (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
      0,
    );
    const shape = layer.outputShape as number[];
    const isConv = /Conv2D$/.test(layer.getClassName());
    macs += isConv ? params * shape[1] * shape[2] : params;
  }
  return macs;
}

describe('MACs by torchinfo rule', () => {
  it('Model B by hand: 121,883,715 per 1.28 s segment, about 95 MMACs per second', () => {
    // conv + its BN (2 x channels, not per pixel), at each stage's output size
    const conv = (k: number, inC: number, outC: number, side: number) =>
      k * k * inC * outC * side * side + 2 * outC;
    const dw = (k: number, c: number, side: number) => k * k * c * side * side + 2 * c;
    const irwlb3 = (side: number) =>
      conv(1, 64, 192, side) + dw(3, 192, side) + conv(1, 192, 64, side);
    const dsc = (k: number, side: number) => dw(k, 64, side) + conv(1, 64, 64, side);
    const stem = conv(3, 2, 64, 64);
    const blocks = irwlb3(64) + dsc(3, 32) + dsc(5, 16) + dsc(3, 16) + irwlb3(8) + dsc(3, 8);
    const dense = 64 * 3 + 3;
    expect(stem + blocks + dense).toBe(121_883_715);
    expect(specCost(MODEL_B).macs).toBe(121_883_715);
    const c = complexityOf(specCost(MODEL_B), { ...TIMING, bytesPerParam: 2 });
    expect(c.macsPerSecond / 1e6).toBeCloseTo(95.22, 2);
    expect(c.macsPerClip).toBe(8 * 121_883_715);
  });

  it('MobileNet V1 by hand at the default input', () => {
    // stem 3x3/2 to 64x64, then 13 depthwise-separable blocks (stride 2 at 1, 3, 5, 11)
    const blocks: [number, number][] = [
      [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
      [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
    ]; // prettier-ignore
    let side = 64;
    let macs = 9 * 2 * 32 * 64 * 64 + 64;
    let c = 32;
    for (const [out, stride] of blocks) {
      side /= stride;
      macs += 9 * c * side * side + 2 * c + c * out * side * side + 2 * out;
      c = out;
    }
    macs += 1024 * 3 + 3;
    expect(mobilenetV1.cost().macs).toBe(macs);
  });

  it('the ImageNet baselines at 224 x 224 x 3, 1000 classes, match their papers', () => {
    const imagenet = { inputShape: [224, 224, 3] as [number, number, number], classes: 1000 };
    // Howard et al. 2017, Table 8: 569 M mult-adds, 4.2 M parameters.
    expect(mobilenetV1.cost(imagenet).macs / 1e6).toBeCloseTo(569, -1);
    // Keras MobileNet 1.0: 4,253,864 parameters of which 21,888 are BN moving statistics.
    expect(mobilenetV1.cost(imagenet).params).toBe(4_253_864 - 21_888);
    // Sandler et al. 2018, Table 4: 300 M multiply-adds; Keras MobileNetV2 1.0:
    // 3,538,984 parameters of which 34,112 are BN moving statistics.
    expect(mobilenetV2.cost(imagenet).macs / 1e6).toBeCloseTo(300, -1);
    expect(mobilenetV2.cost(imagenet).params).toBe(3_538_984 - 34_112);
    // Ma et al. 2018, Table 5: ShuffleNet V2 1.0x 146 M FLOPs (multiply-adds); torchvision
    // shufflenet_v2_x1_0 has 2,278,604 parameters.
    expect(shufflenetV2.cost(imagenet).macs / 1e6).toBeCloseTo(146, -1);
    expect(shufflenetV2.cost(imagenet).params).toBe(2_278_604);
  });

  it('the analytic counts equal the rule applied to the built models', () => {
    const sampler = new RandomSampler({ seed: 5 });
    for (let i = 0; i < 20; i++) {
      const spec = sampler.drawRaw();
      const model = buildModel(tf, spec, { seed: i });
      expect({ id: archId(spec), macs: torchinfoMacs(model) }).toEqual({
        id: archId(spec),
        macs: specCost(spec).macs,
      });
      model.dispose();
    }
    for (const b of BASELINES) {
      const model = b.build(tf, { seed: 1 });
      expect({ name: b.name, macs: torchinfoMacs(model) }).toEqual({
        name: b.name,
        macs: b.cost().macs,
      });
      model.dispose();
    }
  });
});

describe('timing', () => {
  it('cuts a 10 s clip at 48 kHz, hop 480, into eight 1.28 s segments (1001 frames padded to 1024)', () => {
    expect(audioTiming({ sampleRateHz: 48000, hopSamples: 480, segmentFrames: 128 })).toEqual(
      TIMING,
    );
    // 2 s clips (the tests' synthetic data): 201 frames, 2 segments
    expect(
      audioTiming({ sampleRateHz: 48000, hopSamples: 480, segmentFrames: 128 }, 2).segmentsPerClip,
    ).toBe(2);
  });
});

describe('DCASE sizes', () => {
  const byName = Object.fromEntries(namedModels().map((m) => [m.name, m.cost()]));

  it("reproduce Table 4's sizes (all parameters x 4 bytes, MB = 2^20 bytes)", () => {
    for (const [name, mb] of [
      ['alexnet', '33.8'],
      ['mobilenet-v1', '12.2'],
      ['mobilenet-v2', '8.5'],
      ['shufflenet-v2', '4.8'],
      ['A', '0.42'],
      ['B', '0.29'],
    ]) {
      const c = complexityOf(byName[name], { ...TIMING, bytesPerParam: 4 });
      expect(`${name} ${(c.sizeDcase2022Bytes / 2 ** 20).toFixed(mb.split('.')[1].length)}`).toBe(
        `${name} ${mb}`,
      );
    }
    const half = (name: string) =>
      complexityOf(byName[name], { ...TIMING, bytesPerParam: 2 }).sizeDcase2022Bytes / 2 ** 20;
    expect([half('A').toFixed(2), half('B').toFixed(2)]).toEqual(['0.21', '0.15']);
  });

  it('Model B: DCASE 2020 counts the non-zero weights outside batch norm', () => {
    // 76,611 parameters, 2,944 of them batch-norm scales and shifts (2 x 1,472 channels)
    const c = complexityOf(specCost(MODEL_B), { ...TIMING, bytesPerParam: 2 });
    expect(c.parameters).toBe(76_611);
    expect(c.nonZeroParameters).toBe(76_611 - 2_944);
    expect(c.sizeDcase2020Bytes).toBe(2 * 73_667);
    expect(c.sizeDcase2020Bytes).toBeLessThan(DCASE2020_LIMIT_BYTES);
    expect(c.sizeDcase2022Bytes).toBe(2 * 76_611);
    // trained weights with zeros: the caller counts them
    const pruned = complexityOf(specCost(MODEL_B), {
      ...TIMING,
      bytesPerParam: 1,
      nonZeroParameters: 50_000,
    });
    expect(pruned.sizeDcase2020Bytes).toBe(50_000);
    expect(pruned.sizeDcase2022Bytes).toBe(76_611);
    expect(specCost(MODEL_A).macs).toBeGreaterThan(specCost(MODEL_B).macs);
  });
});

describe('search limits', () => {
  const tiny: SearchSpace = {
    blockCounts: [2],
    moduleA: [0, 2],
    moduleB: [1, 3],
    pools: ['avg', 'max'],
    stemFilters: [4, 8, 12],
    growths: [1, 2],
  };

  function bruteForce(space: SearchSpace, w: SizeWindow): Set<string> {
    const inside = everyTwoBlockSpec(space).filter((spec) => {
      const { params, macs } = specCost(spec);
      const kib = (params * (w.bytesPerParam ?? 4)) / 1024;
      return (
        kib > w.minKiB &&
        kib < w.maxKiB &&
        (w.maxParams === undefined || params <= w.maxParams) &&
        (w.maxMacsPerSecond === undefined || macs / w.segmentSeconds! <= w.maxMacsPerSecond)
      );
    });
    return new Set(inside.map(archId));
  }

  it.each([
    ['a MAC limit', { minKiB: 0, maxKiB: 10, maxMacsPerSecond: 3e6, segmentSeconds: 1.28 }],
    ['a parameter limit', { minKiB: 0, maxKiB: 10, maxParams: 700 }],
    ['int8 bytes', { minKiB: 0.5, maxKiB: 1.5, bytesPerParam: 1 as const }],
    [
      'all of them',
      {
        minKiB: 0,
        maxKiB: 2,
        bytesPerParam: 1 as const,
        maxParams: 1500,
        maxMacsPerSecond: 4e6,
        segmentSeconds: 1.28,
      },
    ],
  ])('counts and samples the space under %s exactly', (_what, w: SizeWindow) => {
    const expected = bruteForce(tiny, w);
    const all = bruteForce(tiny, { minKiB: 0, maxKiB: 1e6 });
    expect(expected.size).toBeGreaterThan(2);
    expect(expected.size).toBeLessThan(all.size);
    expect(countArchitectures(tiny, w)).toBe(expected.size);
    const sampler = new RandomSampler({ seed: 3, space: tiny, window: w });
    const ids = Array.from({ length: expected.size }, (_, i) => sampler.at(i).archId);
    expect(new Set(ids)).toEqual(expected);
  });

  it('keeps Model B out of a DCASE 2022 budget and lets smaller models in', () => {
    const dcase2022: SizeWindow = {
      minKiB: 0,
      maxKiB: 128,
      bytesPerParam: 1,
      maxMacsPerSecond: 30e6,
      segmentSeconds: 1.28,
    };
    const sampler = new RandomSampler({ seed: 1, window: dcase2022 });
    for (let i = 0; i < 20; i++) {
      const { params, macs } = specCost(sampler.at(i).spec);
      expect(params).toBeLessThan(128 * 1024);
      expect(macs / 1.28).toBeLessThanOrEqual(30e6);
    }
    expect(specCost(MODEL_B).macs / 1.28).toBeGreaterThan(3 * 30e6);
  });

  it('refuses limits that make no sense', () => {
    expect(
      () => new RandomSampler({ seed: 1, window: { minKiB: 0, maxKiB: 9, maxParams: 0 } }),
    ).toThrow(/positive integer/);
    expect(
      () => new RandomSampler({ seed: 1, window: { minKiB: 0, maxKiB: 9, maxMacsPerSecond: 1e6 } }),
    ).toThrow(/segment duration/);
    expect(
      () =>
        new RandomSampler({
          seed: 1,
          window: { minKiB: 0, maxKiB: 9, bytesPerParam: 3 as unknown as 1 },
        }),
    ).toThrow(/1, 2 or 4/);
  });
});
