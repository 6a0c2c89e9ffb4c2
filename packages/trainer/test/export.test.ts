import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { float32ToHalfBytes, floatToHalfBits } from '@asc/native';
import { exportLayersModel, loadExportedModel, ModelFileError } from '../src';
import { tinyModel } from './helpers';

// Values around every rounding edge: ties, subnormals, overflow (JSON loses -0: see anchors).
const PROBES = [
  0,
  1,
  -1,
  0.1,
  1 / 3,
  65504,
  65519,
  65520,
  1e6,
  -1e6,
  6.1e-5,
  6.0e-8,
  2.9e-8,
  3.0e-8,
  1e-9,
  1.00048828125,
  1.0009765625,
  1.00146484375,
  2049,
  2051,
  0.000030517578125,
  -123.456,
  Infinity,
  -Infinity,
];

describe('float16 encoding', () => {
  it('agrees with numpy astype(float16) bit for bit', () => {
    const values = Float32Array.from(PROBES);
    const bytes = float32ToHalfBytes(values);
    const ours = Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, values.length));
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import sys, json, numpy as np; v = np.array(json.load(sys.stdin), dtype=np.float32); ' +
          'print(json.dumps(v.astype(np.float16).view(np.uint16).tolist()))',
      ],
      {
        input: JSON.stringify(
          Array.from(values, (x) => (Number.isFinite(x) ? x : x > 0 ? 1e300 : -1e300)),
        ),
        encoding: 'utf8',
      },
    );
    if (py.status !== 0) {
      console.warn(`numpy unavailable, comparing with hand-written bits only: ${py.stderr}`);
    } else {
      expect(ours).toEqual(JSON.parse(py.stdout));
    }
    // Hand-checked anchors: 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff (max), 65520 -> Inf,
    // 2^-24 = smallest subnormal 0x0001, NaN stays NaN.
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(-0)).toBe(0x8000);
    expect(floatToHalfBits(-2)).toBe(0xc000);
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00);
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001);
    expect(floatToHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalfBits(NaN) & 0x3ff).not.toBe(0);
  });
});

describe('exportLayersModel', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-export-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes fp32 and fp16 layers-models that load back and agree within 1e-2', async () => {
    const model = tinyModel([16, 16, 2], 3, 8);
    const fp32 = await exportLayersModel(tf, model, path.join(dir, 'fp32'), 'float32');
    const fp16 = await exportLayersModel(tf, model, path.join(dir, 'fp16'), 'float16');
    const params = model.weights.reduce(
      (n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
      0,
    );
    expect(fp32.weightsBytes).toBe(params * 4);
    expect(fp16.weightsBytes).toBe(params * 2);
    expect(fs.statSync(fp16.weightsFile).size).toBe(params * 2);
    const manifest = JSON.parse(fs.readFileSync(fp16.modelJson, 'utf8'));
    for (const w of manifest.weightsManifest[0].weights)
      expect(w.quantization).toEqual({ dtype: 'float16' });

    const a = await loadExportedModel(tf, fp32.modelJson);
    const b = await loadExportedModel(tf, fp16.modelJson);
    const x = tf.randomNormal([8, 16, 16, 2], 0, 1, 'float32', 3);
    const p0 = tf.sigmoid(model.predict(x) as tf.Tensor).dataSync();
    const pa = tf.sigmoid(a.predict(x) as tf.Tensor).dataSync();
    const pb = tf.sigmoid(b.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < p0.length; i++) {
      expect(pa[i]).toBeCloseTo(p0[i], 6);
      expect(Math.abs(pb[i] - p0[i])).toBeLessThan(1e-2);
    }
    // fp16 really rounds: the decoded weights differ from fp32 for some values.
    const wa = a.getWeights()[0].dataSync();
    const wb = b.getWeights()[0].dataSync();
    expect(wa.some((v, i) => v !== wb[i])).toBe(true);
    [model, a, b].forEach((m) => m.dispose());
    x.dispose();
  });

  it('names the file when a model cannot be loaded', async () => {
    const bad = path.join(dir, 'bad', 'model.json');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(
      bad,
      '{"modelTopology": {}, "weightsManifest": [{"paths": ["gone.bin"], "weights": []}]}',
    );
    await expect(loadExportedModel(tf, bad)).rejects.toThrow(/gone.bin: weights file missing/);
    fs.writeFileSync(bad, 'not json');
    await expect(loadExportedModel(tf, bad)).rejects.toThrow(ModelFileError);
  });
});
