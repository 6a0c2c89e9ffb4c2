import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  readRunRecord,
  RunRecordError,
  runRecordFile,
  writeRunRecord,
  type RunRecord,
} from '../src';

const record: RunRecord = {
  format: 'asc-run/1',
  status: 'running',
  model: 'B',
  spec: null,
  params: 76611,
  backend: { name: 'cpu' },
  recipe: { name: 'final', epochs: 60 },
  seed: 0,
  epochs: 60,
  epochsDone: 1,
  history: [
    {
      epoch: 1,
      trainLoss: 0.6,
      testLoss: 0.5,
      testAccuracy: 0.7,
      segmentAccuracy: 0.68,
      seconds: 12.5,
      samplesPerSec: 80,
      learningRate: 0.001,
    },
  ],
  normalisation: { planes: 2 },
  data: {
    datasetDir: '/data',
    cacheDir: '/cache',
    featureConfigHash: 'abc',
    featureConfig: null,
    inputShape: [128, 128, 2],
    loader: 'in-thread',
    classes: ['indoor', 'outdoor', 'transportation'],
    trainClips: 10,
    trainSegments: 100,
    evaluateClips: 5,
  },
  final: null,
  export: null,
  startedAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('run.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-run-record-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back what it wrote, with updatedAt stamped', () => {
    const before = Date.now();
    writeRunRecord(dir, record);
    const back = readRunRecord(dir);
    expect({ ...back, updatedAt: record.updatedAt }).toEqual(record);
    expect(Date.parse(back.updatedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(fs.readdirSync(dir)).toEqual(['run.json']);
  });

  it('names the file, with a code and context, when there is no record or it is broken', () => {
    const file = runRecordFile(dir);
    let err: unknown;
    try {
      readRunRecord(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunRecordError);
    expect((err as RunRecordError).message).toBe(
      `${file}: no run record (is this a run directory?)`,
    );
    expect((err as RunRecordError).code).toBe('run-record-invalid');
    expect((err as RunRecordError).context).toEqual({ file });
    fs.writeFileSync(file, '{"format": ');
    expect(() => readRunRecord(dir)).toThrow(`${file}: not valid JSON`);
    fs.writeFileSync(file, JSON.stringify({ ...record, seed: 'zero' }));
    expect(() => readRunRecord(dir)).toThrow(`${file}: seed: must be a finite number, got "zero"`);
  });
});
