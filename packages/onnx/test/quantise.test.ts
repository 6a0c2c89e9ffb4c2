import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { MODEL_B, buildModel } from '@asc/zoo';
import {
  OnnxModel,
  activationQuantisation,
  calibrate,
  decodeModel,
  encodeModel,
  graphFromLayersModel,
  quantiseQdq,
  quantisedActivations,
  roundHalfEven,
  type DecodedModel,
} from '../src';
import { amplifyHead, fitBatchNorms, nativeTf, structuredSegments, uniform } from './helpers';

const SHAPE: [number, number, number] = [128, 128, 2];
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * numpy's reading of the rule (written independently of quantise.ts): per output channel
 * scale = max|W| / 127 in float32, q = round-half-even(W / scale) clipped to [-127, 127]
 * (in float64, so no float32 tie can fall differently); bias q = round(b / (s_x * s_w)).
 */
const NUMPY_RULE = `
import json, sys, numpy as np
d = sys.argv[1]
spec = json.load(open(d + '/spec.json'))
out = {}
for t in spec['tensors']:
    w = np.fromfile(d + '/' + t['name'] + '.f32', dtype=np.float32).reshape(t['dims'])
    axis = t['axis']
    other = tuple(i for i in range(w.ndim) if i != axis)
    absmax = np.abs(w).max(axis=other)
    scale = np.where(absmax > 0, absmax / np.float32(127), np.float32(1)).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w.astype(np.float64) / scale.reshape(shape).astype(np.float64)), -127, 127).astype(np.int8)
    res = {'q': q.ravel().tolist(), 'scale': scale.tolist()}
    if 'bias' in t:
        b = np.fromfile(d + '/' + t['name'] + '.bias.f32', dtype=np.float32)
        bs = (np.float32(t['inputScale']) * scale).astype(np.float32)
        res['bias'] = np.round(b.astype(np.float64) / bs.astype(np.float64)).astype(np.int64).tolist()
    out[t['name']] = res
print(json.dumps(out))
`;

function values(m: DecodedModel, name: string): ArrayBufferView {
  const t = m.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  const b = t.bytes.buffer;
  if (t.type === 'int8') return new Int8Array(b);
  if (t.type === 'int32') return new Int32Array(b);
  return new Float32Array(b);
}

describe('int8 QDQ quantisation', () => {
  let float: ReturnType<typeof graphFromLayersModel>;
  let raw: Float32Array;
  let ranges: Awaited<ReturnType<typeof calibrate>>['ranges'];
  let dir: string;

  beforeAll(async () => {
    await nativeTf();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-int8-'));
    const model = buildModel(tf, MODEL_B, { seed: 1 });
    const mean = uniform(256, 3, -40, -20);
    const scale = uniform(256, 4, 10, 30);
    raw = structuredSegments(16, SHAPE, 5);
    const x = tf.tidy(() =>
      tf.div(
        tf.sub(tf.tensor4d(raw, [16, ...SHAPE]), tf.tensor4d(mean, [1, 1, 128, 2])),
        tf.tensor4d(scale, [1, 1, 128, 2]),
      ),
    );
    fitBatchNorms(model, x, 7);
    amplifyHead(model, x);
    x.dispose();
    float = graphFromLayersModel(model, { normalisation: { mean, scale } });
    model.dispose();
    ({ ranges } = await calibrate(float, [
      { segments: raw.subarray(0, 8 * 128 * 128 * 2), count: 8 },
      { segments: raw.subarray(8 * 128 * 128 * 2), count: 8 },
    ]));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('quantises weights and biases as numpy does, read back from the file', () => {
    const int8 = decodeModel(encodeModel(quantiseQdq(float, ranges), { producerVersion: 'test' }));
    const weighted = float.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm');
    expect(weighted.length).toBe(16); // stem, 14 module convolutions, dense
    const tensors = weighted.map((n) => {
      const w = float.initializers.get(n.inputs[1])!;
      const b = float.initializers.get(n.inputs[2])!;
      fs.writeFileSync(path.join(dir, `${w.name}.f32`), w.data as Float32Array);
      fs.writeFileSync(path.join(dir, `${w.name}.bias.f32`), b.data as Float32Array);
      return {
        name: w.name,
        dims: w.dims,
        axis: n.op === 'Conv' ? 0 : 1,
        bias: true,
        inputScale: activationQuantisation(ranges.get(n.inputs[0])!).scale,
      };
    });
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ tensors }));
    const py = spawnSync(PYTHON, ['-c', NUMPY_RULE, dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (py.status !== 0) throw new Error(`numpy failed: ${py.stderr}`);
    const numpy = JSON.parse(py.stdout) as Record<
      string,
      { q: number[]; scale: number[]; bias: number[] }
    >;
    for (const t of tensors) {
      const ours = {
        q: Array.from(values(int8, `${t.name}_int8`) as Int8Array),
        scale: Array.from(values(int8, `${t.name}_scale`) as Float32Array),
        bias: Array.from(
          values(int8, `${t.name.replace(/_weight$/, '_bias')}_int32`) as Int32Array,
        ),
      };
      expect({ name: t.name, ...ours }).toEqual({ name: t.name, ...numpy[t.name] });
      expect(int8.initializers.get(`${t.name}_int8`)!.dims).toEqual(t.dims);
    }
  });

  it('quantises activations per tensor to uint8 with zero exactly representable', () => {
    // ranges [lo, hi] widened to hold 0; scale (hi - lo) / 255, zero point round(-lo / scale)
    expect(activationQuantisation({ min: -1, max: 3 })).toEqual({
      scale: Math.fround(4 / 255),
      zeroPoint: 64,
    });
    expect(activationQuantisation({ min: 0.5, max: 2 })).toEqual({
      scale: Math.fround(2 / 255),
      zeroPoint: 0,
    });
    expect(activationQuantisation({ min: -6, max: -1 })).toEqual({
      scale: Math.fround(6 / 255),
      zeroPoint: 255,
    });
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2]);
    // every quantised tensor: the stem's input, each weighted op's input and output, each
    // swish and pool (the logits, read by the outputs, stay float)
    const names = quantisedActivations(float);
    expect(names).toContain('to_nchw');
    expect(names).not.toContain('logits');
    for (const n of names) expect(ranges.get(n)!.max).toBeGreaterThan(ranges.get(n)!.min);
  });

  it('runs close to float32 on onnxruntime, at the basic level and fully optimised', async () => {
    const bytes = encodeModel(quantiseQdq(float, ranges), { producerVersion: 'test' });
    const reference = await OnnxModel.open(encodeModel(float, { producerVersion: 'test' }), {
      optimization: 'basic',
    });
    const want = await reference.run(raw, 16);
    await reference.release();
    for (const optimization of ['basic', 'all'] as const) {
      const m = await OnnxModel.open(bytes, { optimization, threads: 2 });
      const got = await m.run(raw, 16);
      await m.release();
      let diff = 0;
      for (let i = 0; i < got.probabilities.length; i++) {
        diff = Math.max(diff, Math.abs(got.probabilities[i] - want.probabilities[i]));
      }
      // calibrated on these very segments: 8 bits keep every probability within 0.05
      expect({ optimization, close: diff < 0.05 }).toEqual({ optimization, close: true });
    }
  });
});
