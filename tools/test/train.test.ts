import * as fs from 'fs';
import * as path from 'path';
import { cudaInfo } from '@asc/native';
import { runAsc, trainingFixture } from './helpers';

// End to end through the built CLI: a short synthetic dataset (2 s clips: 2 segments
// each), its feature cache, a small architecture from a spec file, 2 epochs.
describe('asc train / eval / predict', () => {
  let dir: string;
  let dataset: string;
  let cache: string;
  let run: string;
  let spec: string;

  beforeAll(() => {
    ({ dir, dataset, spec } = trainingFixture('asc-train-', 3));
    cache = path.join(dir, 'cache');
    run = path.join(dir, 'run');
    const features = runAsc(['features', '--dataset', dataset, '--cache', cache]);
    if (features.status !== 0) throw new Error(`asc features failed: ${features.stderr}`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, writes the run record and both exports, and a re-run resumes (here: is done)', () => {
    const args = ['train', '--model', spec, '--dataset', dataset, '--cache', cache, '--run', run];
    const r = runAsc([...args, '--recipe', 'search', '--epochs', '2', '--seed', '5', '--json']);
    expect(r.status).toBe(0);
    const result = r.json();
    expect(result).toMatchObject({ model: 'id_015015_8_1.000', epochsDone: 2 });
    expect(r.stderr).toMatch(/^backend cpu/m);
    expect(r.stderr).toMatch(/epoch 2\/2: train loss/);
    const record = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(record.status).toBe('complete');
    expect(record.history).toHaveLength(2);
    expect(record.data.trainClips + record.data.evaluateClips).toBe(24);
    expect(record.data.featureConfigHash).toMatch(/^[0-9a-f]+$/);
    expect(record.export.fp32Bytes).toBe(2 * record.export.fp16Bytes);
    expect(record.export.fp16MaxAbsDiff).toBeLessThan(1e-2);
    expect(result.testAccuracy).toBe(record.final.testAccuracy);
    const log = fs
      .readFileSync(path.join(run, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log[0]).toMatchObject({ event: 'start', backend: { name: 'cpu' }, seed: 5 });
    expect(typeof log[0].backend.version).toBe('string');
    expect(typeof log[0].backend.threads).toBe('number');

    // Same command again: the run is complete, nothing is retrained.
    const again = runAsc([...args, '--recipe', 'search', '--epochs', '2', '--seed', '5', '--json']);
    expect(again.status).toBe(0);
    expect(again.json()).toEqual(result);
    // A different seed in the same directory is refused, naming the field.
    const other = runAsc([...args, '--recipe', 'search', '--epochs', '2', '--seed', '6', '--json']);
    expect(other.status).toBe(1);
    expect(other.json().error).toMatch(/different seed/);
  });

  it('resumes a named model from the run directory alone, keeping its name', () => {
    const named = path.join(dir, 'named');
    const first = runAsc([
      'train',
      '--model',
      'B',
      '--dataset',
      dataset,
      '--cache',
      cache,
      '--run',
      named,
      '--recipe',
      'search',
      '--epochs',
      '1',
      '--json',
    ]);
    expect(first.status).toBe(0);
    expect(first.json()).toMatchObject({ model: 'B', epochsDone: 1 });
    // Model, data, recipe and seed all come from run.json: the finished run is returned.
    const again = runAsc(['train', '--run', named, '--json']);
    expect(again.status).toBe(0);
    expect(again.json()).toEqual(first.json());
  });

  it('eval reproduces the run record; fp16 agrees', () => {
    const record = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    const r = runAsc(['eval', '--run', run, '--json']);
    expect(r.status).toBe(0);
    const m = r.json();
    expect(m.testAccuracy).toBe(record.final.testAccuracy);
    expect(m.testLoss as number).toBeCloseTo(record.final.testLoss, 6);
    expect(m.confusion).toEqual(record.final.confusion);
    const h = runAsc(['eval', '--run', run, '--dtype', 'float16', '--json']);
    expect(h.status).toBe(0);
    expect(Math.abs((h.json().testLoss as number) - record.final.testLoss)).toBeLessThan(1e-2);
  });

  it('predict prints class probabilities per file and names a bad file', () => {
    const wavs = fs
      .readdirSync(path.join(dataset, 'audio'))
      .slice(0, 2)
      .map((f) => path.join(dataset, 'audio', f));
    const r = runAsc(['predict', '--run', run, ...wavs, '--json']);
    expect(r.status).toBe(0);
    const predictions = r.json().predictions as {
      file: string;
      probabilities: Record<string, number>;
      predicted: string;
      segments: number;
    }[];
    expect(predictions.map((p) => p.file)).toEqual(wavs);
    for (const p of predictions) {
      expect(Object.keys(p.probabilities)).toEqual(['indoor', 'outdoor', 'transportation']);
      for (const v of Object.values(p.probabilities)) expect(v > 0 && v < 1).toBe(true);
      expect(p.segments).toBe(2);
    }
    const bad = path.join(dir, 'not-audio.wav');
    fs.writeFileSync(bad, 'hello');
    const b = runAsc(['predict', '--run', run, bad, '--json']);
    expect(b.status).toBe(1);
    expect(b.json().error).toContain('not-audio.wav');
  });

  it('exports ONNX float32, float16 and int8 with their DCASE figures, checked against tfjs', () => {
    const results: Record<string, Record<string, unknown>> = {};
    for (const dtype of ['float32', 'float16', 'int8']) {
      const file = path.join(dir, `tiny-${dtype}.onnx`);
      const r = runAsc([
        'export',
        '--run',
        run,
        '--dtype',
        dtype,
        '--out',
        file,
        '--calibration',
        '32',
        '--threads',
        '2',
        '--json',
      ]);
      expect(r.status).toBe(0);
      results[dtype] = r.json();
      expect(results[dtype].fileBytes).toBe(fs.statSync(file).size);
    }
    // The tiny spec: stem 8 (3x3x2x8 + BN) and two 3x3 DSC(8 -> 8) blocks, dense 8 -> 3,
    // on 128 x 128: stem and block 1 at 64 x 64, block 2 at 32 x 32 (torchinfo's rule).
    const dsc = (side: number) => 9 * 8 * side * side + 16 + 64 * side * side + 16;
    const macs = 144 * 64 * 64 + 16 + dsc(64) + dsc(32) + 27;
    const f32 = results.float32;
    expect(f32).toMatchObject({
      model: 'id_015015_8_1.000',
      parameters: 160 + 2 * (72 + 16 + 64 + 16) + 27,
      nonZeroParameters: 144 + 2 * (72 + 64) + 27,
      sizeDcase2022Bytes: 4 * (160 + 2 * (72 + 16 + 64 + 16) + 27),
      macsPerSegment: macs,
      macsPerSecond: Math.round(macs / 1.28),
      calibrationSegments: null,
    });
    expect(f32.maxAbsDiff as number).toBeLessThan(1e-5);
    expect(results.float16.maxAbsDiff as number).toBeLessThan(1e-3);
    expect(results.float16.sizeDcase2020Bytes).toBe((f32.sizeDcase2020Bytes as number) / 2);
    expect(results.int8).toMatchObject({
      calibrationSegments: 32,
      calibrationMethod: 'minmax',
      sizeDcase2020Bytes: (f32.sizeDcase2020Bytes as number) / 4,
    });
    expect(results.int8.maxAbsDiff as number).toBeLessThan(0.05);

    // Side by side on the evaluate split: float32 through onnxruntime scores as tfjs does.
    const tfjs = runAsc(['eval', '--run', run, '--json']).json();
    const e = runAsc([
      'eval',
      '--run',
      run,
      '--model-file',
      ...['float32', 'float16', 'int8'].map((d) => path.join(dir, `tiny-${d}.onnx`)),
      '--json',
    ]);
    expect(e.status).toBe(0);
    const [a, h, q] = e.json().models as Record<string, number | string>[];
    expect([a.dtype, h.dtype, q.dtype]).toEqual(['float32', 'float16', 'int8']);
    expect(a.testAccuracy).toBe(tfjs.testAccuracy);
    expect(a.testLoss as number).toBeCloseTo(tfjs.testLoss as number, 5);
    expect(h.testAccuracy).toBe(tfjs.testAccuracy);
    // int8: at most one clip changes its class (measured: none here, none on 30 clips of a
    // 16-filter model trained to 70 %): the probabilities move by under 0.05 (above), which
    // only flips clips whose two best classes are that close.
    expect((a.testAccuracy as number) - (q.testAccuracy as number)).toBeLessThanOrEqual(
      1 / (a.clips as number) + 1e-9,
    );
    expect(Math.abs((a.testLoss as number) - (q.testLoss as number))).toBeLessThan(0.02);
  });

  it('exports tfjs and refuses what it cannot do, naming the file', () => {
    const out = path.join(dir, 'tfjs-fp16');
    const t = runAsc([
      'export',
      '--run',
      run,
      '--format',
      'tfjs',
      '--dtype',
      'float16',
      '--out',
      out,
      '--json',
    ]);
    expect(t.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'model.json'))).toBe(true);
    expect(t.json().maxAbsDiff as number).toBeLessThan(1e-2);
    const i = runAsc([
      'export',
      '--run',
      run,
      '--format',
      'tfjs',
      '--dtype',
      'int8',
      '--out',
      out,
      '--json',
    ]);
    expect(i.status).toBe(2);
    expect(i.json().error).toMatch(/--format onnx/);
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, 'not a model');
    const b = runAsc(['eval', '--run', run, '--model-file', bad, '--json']);
    expect(b.status).toBe(1);
    expect(b.json().error).toContain('bad.onnx');
    const u = runAsc(['eval', '--model-file', bad, '--json']);
    expect(u.status).toBe(2);
  });

  it('--backend cuda: exit 1 naming the reason without a GPU; on the emulated device, recorded', () => {
    const args = ['train', '--model', spec, '--dataset', dataset, '--cache', cache];
    const info = cudaInfo();
    if (!info.usable) {
      const none = runAsc(
        [...args, '--run', path.join(dir, 'no-gpu'), '--backend', 'cuda', '--json'],
        {
          env: { ASC_CUDA_DEVICE: '' },
        },
      );
      expect(none.status).toBe(1);
      expect(none.json()).toMatchObject({ code: 'backend-unavailable', exitCode: 1 });
      expect(String(none.json().error)).toContain(info.reason);
    }
    // The emulated device (host loops) runs the same backend end to end.
    const emulated = path.join(dir, 'emulated');
    const r = runAsc(
      [
        ...args,
        '--run',
        emulated,
        '--backend',
        'cuda',
        '--recipe',
        'search',
        '--epochs',
        '1',
        '--json',
      ],
      { env: { ASC_CUDA_DEVICE: 'emulated' } },
    );
    expect(r.status).toBe(0);
    expect(r.json()).toMatchObject({ backend: 'asc-cuda', epochsDone: 1 });
    const record = JSON.parse(fs.readFileSync(path.join(emulated, 'run.json'), 'utf8'));
    expect(record.backend).toMatchObject({
      requested: 'cuda',
      name: 'asc-cuda',
      package: '@asc/native',
      cuda: { device: 'emulated', gemm: 'builtin', tf32: false },
    });
    const e = runAsc(['eval', '--run', emulated, '--backend', 'cuda', '--json'], {
      env: { ASC_CUDA_DEVICE: 'emulated' },
    });
    expect(e.status).toBe(0);
    expect(e.json()).toMatchObject({
      backend: 'asc-cuda',
      testAccuracy: record.final.testAccuracy,
    });
  });

  it('rejects bad flags and unfinished runs with clear errors', () => {
    const r = runAsc([
      'train',
      '--model',
      spec,
      '--dataset',
      dataset,
      '--cache',
      cache,
      '--run',
      path.join(dir, 'x'),
      '--epochs',
      '0',
      '--json',
    ]);
    expect(r.status).toBe(2);
    expect(r.json().error).toMatch(/--epochs/);
    expect(r.json().code).toBe('usage');
    const e = runAsc(['eval', '--run', path.join(dir, 'nothing-here'), '--json']);
    expect(e.status).toBe(1);
    expect(e.json().error).toMatch(/run.json: no run record/);
    expect(e.json().code).toBe('run-record-invalid');
    expect(e.json().context).toEqual({ file: path.join(dir, 'nothing-here', 'run.json') });
    const m = runAsc([
      'train',
      '--model',
      'no-such-model',
      '--dataset',
      dataset,
      '--cache',
      cache,
      '--run',
      path.join(dir, 'y'),
      '--json',
    ]);
    expect(m.status).toBe(1);
    expect(m.json().error).toMatch(/no-such-model/);
    expect(m.json().code).toBe('model-unknown');
    // The trainer's options error is the CLI's usage error.
    const n = runAsc(['train', '--run', path.join(dir, 'z'), '--json']);
    expect(n.status).toBe(2);
    expect(n.json()).toMatchObject({ code: 'train-options-invalid', exitCode: 2 });
    expect(n.json().error).toMatch(/no model given/);
  });
});
