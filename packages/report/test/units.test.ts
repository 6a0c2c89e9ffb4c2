import {
  binEdges,
  ChartRenderError,
  renderVegaLiteSvgs,
  svgToPng,
  formatCell,
  histogram,
  median,
  niceBins,
  summariseRun,
  tableToCsv,
  type Table,
} from '@asc/report';
import { parseRunRecord, RunRecordError } from '@asc/zoo';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { datasetFingerprint, DatasetFingerprintError } from '../src/fingerprint';

describe('statistics', () => {
  it('median, by hand', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('bins accuracies on a nice grid and counts a value on an inner edge in the upper bin', () => {
    // 0.921 .. 0.948 spans 0.92 .. 0.95: 0.0025 wide would need 12 bins, 0.005 needs 6.
    const bins = niceBins([0.921, 0.93, 0.948], 6);
    expect(bins.width).toBe(0.005);
    expect(bins.count).toBe(6);
    expect(binEdges(bins, 0)).toEqual([0.92, 0.925]);
    expect(binEdges(bins, 5)).toEqual([0.945, 0.95]);
    expect(histogram([0.921, 0.93, 0.948], bins)).toEqual([1, 0, 1, 0, 0, 1]);
  });

  it('puts every value of a single-valued set in one bin', () => {
    const bins = niceBins([0.5]);
    expect(histogram([0.5], bins).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('cells and CSV', () => {
  it('formats percentages, fixed decimals, integers and gaps', () => {
    expect(formatCell(0.9575, { kind: 'percent', decimals: 1 })).toBe('95.8%');
    expect(formatCell(0.42461, { kind: 'fixed', decimals: 2 })).toBe('0.42');
    expect(formatCell(76611, { kind: 'integer' })).toBe('76,611');
    expect(formatCell(null, { kind: 'integer' })).toBe('');
  });

  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    const table: Table = {
      id: 't',
      title: 't',
      caption: '',
      columns: [
        { key: 'a', label: 'A', format: { kind: 'text' } },
        { key: 'b', label: 'B', format: { kind: 'fixed', decimals: 1 } },
      ],
      rows: [
        { a: 'x, "y"', b: 0.123456 },
        { a: 'line\nbreak', b: null },
      ],
      notes: [],
    };
    expect(tableToCsv(table)).toBe('a,b\r\n"x, ""y""",0.123456\r\n"line\nbreak",\r\n');
  });
});

describe('run records', () => {
  const epoch = (n: number, seconds: number) => ({
    epoch: n,
    trainLoss: 0.5,
    testLoss: 0.4,
    testAccuracy: 0.8,
    segmentAccuracy: 0.79,
    seconds,
    samplesPerSec: 100,
    learningRate: 0.001,
  });
  const good = {
    format: 'asc-run/1',
    status: 'complete',
    model: 'B',
    spec: null,
    backend: { name: 'cpu' },
    recipe: { epochs: 60 },
    seed: 3,
    epochs: 60,
    epochsDone: 2,
    history: [epoch(1, 1.5), epoch(2, 2)],
    normalisation: { planes: 2, bands: 128, mean: [], scale: [], segments: 10 },
    data: {
      datasetDir: '/d',
      cacheDir: '/c',
      featureConfigHash: 'h',
      featureConfig: null,
      inputShape: [128, 128, 2],
      loader: 'worker',
      classes: ['indoor', 'outdoor', 'transportation'],
      trainClips: 3,
      trainSegments: 30,
      evaluateClips: 3,
    },
    final: {
      testAccuracy: 0.9,
      testLoss: 0.3,
      segmentAccuracy: 0.88,
      segmentBce: 0.2,
      perClass: [],
      confusion: [],
      classes: [],
      clips: 3,
      segments: 30,
    },
    export: {
      fp32Bytes: 10,
      fp16Bytes: 5,
      fp32ModelJsonBytes: 100,
      fp16ModelJsonBytes: 100,
      fp32Dir: 'model-fp32',
      fp16Dir: 'model-fp16',
      fp16MaxAbsDiff: 0.001,
      fp16CheckedSegments: 30,
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T01:00:00.000Z',
  };

  it('keeps the fields the report reads', () => {
    const file = '/s/retrain/B/run.json';
    const r = summariseRun('B', file, parseRunRecord(good, file));
    expect(r.trainingSeconds).toBe(3.5);
    expect(r.epochsPlanned).toBe(60);
    expect(r.final).toEqual({ testAccuracy: 0.9, testLoss: 0.3, perClass: [], confusion: [] });
  });

  it('names the file and the field that is wrong', () => {
    const bad = { ...good, final: { ...good.final, testAccuracy: 'high' } };
    expect(() => parseRunRecord(bad, '/s/retrain/B/run.json')).toThrow(RunRecordError);
    expect(() => parseRunRecord(bad, '/s/retrain/B/run.json')).toThrow(
      '/s/retrain/B/run.json: final.testAccuracy: must be a finite number, got "high"',
    );
    expect(() => parseRunRecord({ ...good, model: '' }, 'f')).toThrow(
      'f: model: must be a non-empty string',
    );
    expect(() => parseRunRecord([], 'f')).toThrow('f: a run record must be a JSON object');
    expect(() => parseRunRecord({ ...good, format: 'asc-run/0' }, 'f')).toThrow(
      'f: format: unknown format "asc-run/0"',
    );
    expect(() =>
      parseRunRecord({ ...good, history: [epoch(1, 1), { ...epoch(2, 1), seconds: null }] }, 'f'),
    ).toThrow('f: history[1].seconds: must be a finite number, got null');
    expect(() => parseRunRecord({ ...good, data: { ...good.data, loader: 'gpu' } }, 'f')).toThrow(
      'f: data.loader: must be one of worker, in-thread, got "gpu"',
    );
  });

  it('reads an absent final or export as null (a run still training)', () => {
    const running: Record<string, unknown> = { ...good, status: 'running' };
    delete running.final;
    delete running.export;
    const r = parseRunRecord(running, 'f');
    expect([r.final, r.export]).toEqual([null, null]);
  });
});

describe('dataset fingerprint', () => {
  it('identifies a folder-per-class dataset (no CSVs) by its list of audio files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-report-folders-'));
    try {
      for (const [file, bytes] of [
        ['audio/b/y/z.flac', 5],
        ['audio/a/x.wav', 3],
        ['audio/a/.hidden', 1],
      ] as const) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), Buffer.alloc(bytes));
      }
      const fingerprint = datasetFingerprint(root);
      expect(fingerprint.csvFiles).toEqual([]);
      expect(fingerprint.audioFileCount).toBe(2);
      const list = 'audio/a/x.wav 3\naudio/b/y/z.flac 5\n';
      expect(fingerprint.audioListSha256).toBe(
        execFileSync('sha256sum', { input: list, encoding: 'utf8' }).split(' ')[0],
      );
      fs.rmSync(path.join(root, 'audio'), { recursive: true });
      expect(() => datasetFingerprint(root)).toThrow(DatasetFingerprintError);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('chart rendering', () => {
  const point = {
    width: 100,
    height: 50,
    data: { values: [{ x: 1, y: 2 }] },
    mark: 'point',
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
  };

  it('names the figure whose spec cannot be compiled', async () => {
    const jobs = [
      { id: 'good', spec: point },
      { id: 'figure9', spec: { data: { values: [] }, layer: 'not-a-list' } },
    ];
    const failure = renderVegaLiteSvgs(jobs);
    await expect(failure).rejects.toThrow(ChartRenderError);
    await expect(failure).rejects.toThrow(/^figure 'figure9': (?!the renderer)/);
  });

  it('renders an SVG that resvg turns into a PNG of twice its size', async () => {
    const svg = (await renderVegaLiteSvgs([{ id: 'f', spec: point }])).get('f')!;
    expect(svg).toMatch(/^<svg/);
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const png = svgToPng('f', svg, 2);
    // The PNG's IHDR chunk holds the width as a big-endian 32-bit integer at byte 16.
    expect(png.readUInt32BE(16)).toBe(width * 2);
  });
});
