import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/models/build';
import { MODEL_A, MODEL_B } from '../src/models/named';
import type { ArchSpec } from '../src/spec';

/**
 * The 'pytorch' initialisation and stem against PyTorch itself: the models of
 * tools/bench/torch_model.py (built in PyTorch, independently of the zoo) give each
 * layer's fan-in bounds from torch's own `_calculate_fan_in_and_fan_out`, and run the
 * stem on the zoo's stem weights. Needs Debian's python3-torch (scripts/setup.sh lists it
 * as optional); without it the tests say so and skip.
 */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const BENCH_DIR = path.resolve(__dirname, '../../../tools/bench');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) process.stderr.write(`[torch tests] skipping: ${PYTHON} cannot import torch\n`);
const describeTorch = hasTorch ? describe : describe.skip;

function torch(script: string, input: unknown): unknown {
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: BENCH_DIR },
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * One PyTorch process for the whole file (importing torch takes seconds): per spec, each
 * weight of the PyTorch model in module order (kind, shape, torch's init bound from its own
 * fan-in computation, the largest value it drew); per stem case, PyTorch's Conv2d (3x3,
 * stride 2, padding=1, no bias) on the zoo's stem weights and input.
 */
const REFERENCE = `
import json, math, sys
import torch
from torch import nn
from torch_model import spec_model
a = json.load(sys.stdin)
bounds = []
for spec in a['specs']:
    out = []
    for mod in spec_model(spec, 2, 3).modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(mod.weight)
            for kind, t in (('kernel', mod.weight), ('bias', mod.bias)):
                if t is not None:
                    out.append({'kind': kind, 'shape': list(t.shape),
                                'bound': 1 / math.sqrt(fan_in), 'max': t.abs().max().item()})
    bounds.append(out)
stems = []
for case in a['stems']:
    w = torch.tensor(case['kernel']).permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
    conv = nn.Conv2d(w.shape[1], w.shape[0], 3, stride=2, padding=1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(w)
    y = conv(torch.tensor(case['x']).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)  # NHWC <-> NCHW
    stems.append({'shape': list(y.shape), 'y': y.flatten().tolist()})
print(json.dumps({'bounds': bounds, 'stems': stems}))
`;

interface TorchWeight {
  kind: string;
  shape: number[];
  bound: number;
  max: number;
}

const SPECS: [string, ArchSpec][] = [
  ['Model B', MODEL_B],
  ['Model A', MODEL_A],
];
const STEM_INPUTS: [number, number][] = [
  [16, 16],
  [15, 17],
];

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

/** The zoo model's initialised weights in build order, with their layer's uniform bound. */
function zooWeights(spec: ArchSpec, init: 'pytorch' | 'glorot', seed: number) {
  const model = buildModel(tf, spec, { inputShape: [32, 32, 2], seed, init });
  const out: { kind: string; shape: number[]; max: number; layer: string }[] = [];
  for (const layer of model.layers) {
    for (const w of layer.trainableWeights) {
      if (/gamma|beta/.test(w.name)) continue;
      const values = w.read().dataSync();
      out.push({
        kind: /bias/.test(w.name) ? 'bias' : 'kernel',
        shape: w.shape as number[],
        max: Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0),
        layer: layer.name,
      });
    }
  }
  model.dispose();
  return out;
}

describeTorch('the PyTorch initialisation, against PyTorch', () => {
  let reference: { bounds: TorchWeight[][]; stems: { shape: number[]; y: number[] }[] };
  const stems: tf.Tensor[] = [];
  beforeAll(() => {
    const cases = STEM_INPUTS.map(([h, w]) => {
      const model = buildModel(tf, MODEL_B, { inputShape: [h, w, 2], seed: 5 });
      const stem = tf.model({ inputs: model.inputs, outputs: model.getLayer('stem_conv').output });
      const x = tf.randomNormal([2, h, w, 2], 0, 1, 'float32', 9);
      stems.push(stem.predict(x) as tf.Tensor);
      return { kernel: model.getLayer('stem_conv').getWeights()[0].arraySync(), x: x.arraySync() };
    });
    reference = torch(REFERENCE, {
      specs: SPECS.map(([, spec]) => spec),
      stems: cases,
    }) as typeof reference;
  });

  it.each(SPECS.map(([name], i) => [name, i] as const))(
    '%s: every kernel and bias lies within the bound PyTorch gives that layer',
    (_, i) => {
      const theirs = reference.bounds[i];
      const ours = zooWeights(SPECS[i][1], 'pytorch', 11);
      expect(ours.map((w) => w.kind)).toEqual(theirs.map((w) => w.kind));
      ours.forEach((w, j) => {
        const { bound } = theirs[j];
        const size = w.shape.reduce((x, y) => x * y, 1);
        // Same number of values (layouts differ: HWIO against OIHW).
        expect(size).toBe(theirs[j].shape.reduce((x, y) => x * y, 1));
        expect(w.max).toBeLessThanOrEqual(bound);
        // Uniform draws reach close to the bound, as PyTorch's own draw does (all but the
        // 3-value logits bias).
        if (size >= 64) {
          expect(w.max).toBeGreaterThan(0.9 * bound);
          expect(theirs[j].max).toBeGreaterThan(0.9 * bound);
        }
      });
      // The biases are drawn, not zero: the logits layer has one.
      expect(ours.filter((w) => w.kind === 'bias').every((w) => w.max > 0)).toBe(true);
    },
  );

  it.each(STEM_INPUTS.map(([h, w], i) => [h, w, i] as const))(
    "the stem on a %ix%i input equals PyTorch's padding=1 stride-2 convolution",
    (_h, _w, i) => {
      const theirs = reference.stems[i];
      expect(stems[i].shape).toEqual(theirs.shape);
      const y = stems[i].dataSync();
      theirs.y.forEach((v, k) => expect(y[k]).toBeCloseTo(v, 5));
    },
  );
});

describe("the 'glorot' initialisation (the zoo's models before PyTorch's became the default)", () => {
  it("keeps tfjs's 'same' stem, Glorot-uniform kernels and zero biases", () => {
    const model = buildModel(tf, MODEL_B, { inputShape: [32, 32, 2], seed: 3, init: 'glorot' });
    expect(model.layers.some((l) => l.name === 'stem_pad')).toBe(false);
    expect(model.getLayer('stem_conv').getConfig().padding).toBe('same');
    for (const layer of model.layers) {
      for (const w of layer.trainableWeights) {
        const values = w.read().dataSync();
        if (/bias/.test(w.name)) expect(Array.from(values).every((v) => v === 0)).toBe(true);
        else if (/kernel/.test(w.name)) {
          // Glorot: sqrt(6 / (fan_in + fan_out)), fans as Keras counts them.
          const s = w.shape as number[];
          const receptive = s.length === 4 ? s[0] * s[1] : 1;
          const [fanIn, fanOut] = [s[s.length - 2] * receptive, s[s.length - 1] * receptive];
          const bound = Math.sqrt(6 / (fanIn + fanOut));
          expect(
            Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0),
          ).toBeLessThanOrEqual(bound);
        }
      }
    }
    model.dispose();
  });

  it('differs from the PyTorch default, which pads the stem', () => {
    const model = buildModel(tf, MODEL_B, { inputShape: [32, 32, 2], seed: 3 });
    expect(model.getLayer('stem_pad').getConfig().padding).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(model.getLayer('stem_conv').getConfig().padding).toBe('valid');
    model.dispose();
  });
});
