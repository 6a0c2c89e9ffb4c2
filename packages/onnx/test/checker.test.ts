import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { MODEL_B, buildModel, shufflenetV2, type LayersModel } from '@asc/zoo';
import { ONNX_IR_VERSION, ONNX_OPSET, decodeModel, exportOnnx, type OnnxDtype } from '../src';
import { nativeTf, structuredSegments, uniform } from './helpers';

const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** onnx.checker with full shape inference, from Debian's python3-onnx (ONNX 1.12). */
const CHECK = `
import sys, onnx
for f in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(f), full_check=True)
    print('ok', f)
`;

function onnxAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
}

describe('exported files', () => {
  let dir: string;
  const files: string[] = [];

  beforeAll(async () => {
    await nativeTf();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-onnx-check-'));
    const models: [string, LayersModel][] = [
      ['model-b', buildModel(tf, MODEL_B, { seed: 1 })],
      ['shufflenet-v2', shufflenetV2.build(tf, { seed: 2, inputShape: [64, 64, 2] })],
    ];
    for (const [name, model] of models) {
      const shape = model.inputs[0].shape.slice(1) as [number, number, number];
      const normalisation = {
        mean: uniform(shape[1] * shape[2], 1, -40, -20),
        scale: uniform(shape[1] * shape[2], 2, 10, 30),
      };
      for (const dtype of ['float32', 'float16', 'int8'] as OnnxDtype[]) {
        const calibration = [{ segments: structuredSegments(4, shape, 3), count: 4 }];
        const r = await exportOnnx(model, { dtype, normalisation, calibration });
        const file = path.join(dir, `${name}-${dtype}.onnx`);
        fs.writeFileSync(file, r.bytes);
        files.push(file);
      }
      model.dispose();
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('state their version, opset, input, outputs and metadata', () => {
    for (const file of files) {
      const m = decodeModel(fs.readFileSync(file));
      expect({ file, ir: m.irVersion, opset: m.opset }).toEqual({
        file,
        ir: ONNX_IR_VERSION,
        opset: ONNX_OPSET,
      });
      expect(m.inputs.map((i) => [i.name, i.shape?.[0]])).toEqual([['segment', null]]);
      expect(m.outputs.map((o) => o.name)).toEqual(['probabilities', 'logits']);
      expect(m.metadata['asc.format']).toBe('asc-onnx/1');
      expect(file.endsWith(`${m.metadata['asc.dtype']}.onnx`)).toBe(true);
      expect(m.producer).toMatch(/^asc-nas \d/);
      // normalisation travels as the first nodes
      expect(m.nodes.map((n) => n.op).filter((op) => op === 'Sub' || op === 'Div')).toEqual([
        'Sub',
        'Div',
      ]);
    }
    const int8 = decodeModel(fs.readFileSync(files[2]));
    expect(JSON.parse(int8.metadata['asc.quantisation'])).toMatchObject({
      format: 'QDQ',
      calibration: 'minmax',
      calibrationSegments: 4,
    });
  });

  it('pass the ONNX checker (python3-onnx)', () => {
    if (!onnxAvailable()) {
      console.warn('python3-onnx is not installed (apt-get install python3-onnx): checker skipped');
      return;
    }
    const r = spawnSync(PYTHON, ['-c', CHECK, ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(files.length);
  });
});
