import {
  binEdges,
  ChartRenderError,
  renderVegaLiteSvgs,
  svgToPng,
  formatCell,
  histogram,
  median,
  niceBins,
  parseRunRecord,
  RunRecordError,
  tableToCsv,
  type Table,
} from '@asc/report';

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
  const good = {
    model: 'B',
    spec: null,
    backend: 'cpu',
    recipe: { epochs: 60 },
    seed: 3,
    epochsDone: 2,
    history: [{ seconds: 1.5 }, { seconds: 2 }],
    final: { testAccuracy: 0.9, testLoss: 0.3, perClass: [], confusion: [] },
    export: { fp32Bytes: 10, fp16Bytes: 5 },
  };

  it('keeps the fields the report reads', () => {
    const r = parseRunRecord('B', '/s/retrain/B/run.json', good);
    expect(r.trainingSeconds).toBe(3.5);
    expect(r.epochsPlanned).toBe(60);
    expect(r.final).toEqual({ testAccuracy: 0.9, testLoss: 0.3 });
  });

  it('names the file and the field that is wrong', () => {
    const bad = { ...good, final: { testAccuracy: 'high', testLoss: 0.3 } };
    expect(() => parseRunRecord('B', '/s/retrain/B/run.json', bad)).toThrow(RunRecordError);
    expect(() => parseRunRecord('B', '/s/retrain/B/run.json', bad)).toThrow(
      '/s/retrain/B/run.json: final.testAccuracy: must be a finite number, got "high"',
    );
    expect(() => parseRunRecord('B', 'f', { ...good, model: '' })).toThrow(
      'f: model: must be a non-empty string',
    );
    expect(() => parseRunRecord('B', 'f', [])).toThrow('f: a run record must be a JSON object');
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
