import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../src';

describe('checkpoint files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-ckpt-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips metadata and tensors and leaves no temporary files', () => {
    const file = path.join(dir, 'a.ckpt');
    const tensors = [
      { name: 'w:0', values: Float32Array.from([1.5, -2, 3e-8]) },
      { name: 'adam.m:0', values: new Float32Array(0) },
      { name: 'adam.v:0', values: Float32Array.from([7]) },
    ];
    writeCheckpoint(file, { epochsDone: 2, rng: [1, 2, 3, 4] }, tensors);
    const back = readCheckpoint<{ epochsDone: number; rng: number[] }>(file);
    expect(back.meta).toEqual({ epochsDone: 2, rng: [1, 2, 3, 4] });
    expect(back.tensors.map((t) => [t.name, Array.from(t.values)])).toEqual(
      tensors.map((t) => [t.name, Array.from(t.values)]),
    );
    expect(fs.readdirSync(dir)).toEqual(['a.ckpt']);
  });

  it('rejects truncated and foreign files, naming them', () => {
    const file = path.join(dir, 'b.ckpt');
    writeCheckpoint(file, {}, [{ name: 'w', values: new Float32Array(100) }]);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 8));
    expect(() => readCheckpoint(file)).toThrow(/b.ckpt: truncated at 'w'/);
    fs.writeFileSync(file, 'hello world, not a checkpoint');
    expect(() => readCheckpoint(file)).toThrow(CheckpointError);
  });
});
