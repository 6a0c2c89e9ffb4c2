import { runAsc } from './helpers';

describe('asc zoo', () => {
  it('lists the named models with Table 4 sizes (MB = MiB, float32 and float16)', () => {
    const r = runAsc(['zoo', 'list', '--json']);
    expect(r.status).toBe(0);
    const models = r.json().models as {
      name: string;
      params: number;
      sizeKB: number;
      sizeMB: number;
      sizeMBFp16: number;
      id?: string;
    }[];
    const by = Object.fromEntries(models.map((m) => [m.name, m]));
    expect(by.B).toMatchObject({ params: 76_611, id: 'id_035015215315_64_1.000' });
    expect(by.A.params).toBe(111_306);
    expect(by['A-table3'].params).toBe(107_658);
    // Table 4, to the printed precision.
    expect(by.alexnet.sizeMB.toFixed(1)).toBe('33.8');
    expect(by['mobilenet-v1'].sizeMB.toFixed(1)).toBe('12.2');
    expect(by['mobilenet-v2'].sizeMB.toFixed(1)).toBe('8.5');
    expect(by['shufflenet-v2'].sizeMB.toFixed(1)).toBe('4.8');
    expect(by.A.sizeMB.toFixed(2)).toBe('0.42');
    expect(by.A.sizeMBFp16.toFixed(2)).toBe('0.21');
    expect(by.B.sizeMB.toFixed(2)).toBe('0.29');
    expect(by.B.sizeMBFp16.toFixed(2)).toBe('0.15');
    expect(by.B.sizeKB).toBeCloseTo((76_611 * 4) / 1024, 2);
    expect(r.stderr).toContain('B');
  });

  it('shows Model B as Table 3 prints it', () => {
    const r = runAsc(['zoo', 'show', 'B', '--json']);
    expect(r.status).toBe(0);
    const layers = (r.json().layers as { layer: string }[]).map((l) => l.layer);
    expect(layers).toEqual([
      '3 × 3 Stem Conv. (64)',
      '3 × 3 IRwLB (64)',
      '2 × 2 AvgPool',
      '3 × 3 DSC (64)',
      '2 × 2 AvgPool',
      '5 × 5 DSC (64)',
      '3 × 3 DSC (64)',
      '2 × 2 AvgPool',
      '3 × 3 IRwLB (64)',
      '3 × 3 DSC (64)',
      '2 × 2 AvgPool',
      'GlobalAvgPool',
      'Fully Connected',
      '3-way Sigmoid',
    ]);
    expect(runAsc(['zoo', 'show', 'id_415226_76_1.750']).stdout).toContain('111,306 parameters');
  });

  it('gives the DCASE complexity figures under their JSON names', () => {
    const b = runAsc(['zoo', 'show', 'B', '--param-bytes', '1', '--json']).json();
    // 76,611 parameters of which 2,944 batch-norm scales and shifts; 121.9 M MACs per
    // 1.28 s segment (the zoo's test counts them by hand)
    expect(b).toMatchObject({
      parameters: 76_611,
      nonZeroParameters: 73_667,
      sizeDcase2020Bytes: 73_667,
      sizeDcase2022Bytes: 76_611,
      macsPerSegment: 121_883_715,
      macsPerSecond: Math.round(121_883_715 / 1.28),
    });
    const rows = b.layers as { macs: number }[];
    expect(rows.reduce((n, r) => n + r.macs, 0)).toBe(121_883_715);
    const v2 = runAsc(['zoo', 'show', 'mobilenet-v2', '--json']).json();
    expect(v2.sizeDcase2022Bytes).toBe(4 * 2_227_427);
  });

  it('exits 2 on an unknown model, naming the known ones', () => {
    const r = runAsc(['zoo', 'show', 'resnet50']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown model "resnet50".*mobilenet-v2/);
  });

  it('samples under DCASE 2022 style limits (128 KB of int8, 30 MMACs per second)', () => {
    const r = runAsc([
      ...['zoo', 'sample', '--seed', '3', '--count', '5', '--json', '--param-bytes', '1'],
      ...['--min-kb', '0', '--max-kb', '128', '--max-mmacs', '30', '--max-params', '60000'],
    ]);
    expect(r.status).toBe(0);
    const samples = r.json().samples as { params: number; macsPerSecond: number }[];
    expect(samples).toHaveLength(5);
    for (const s of samples) {
      expect(s.params).toBeLessThanOrEqual(60_000);
      expect(s.macsPerSecond).toBeLessThanOrEqual(30e6);
    }
    expect(r.json().window).toMatchObject({
      bytesPerParam: 1,
      maxParams: 60000,
      maxMacsPerSecond: 30e6,
    });
    expect(runAsc(['zoo', 'sample', '--seed', '3', '--max-mmacs', '-1']).status).toBe(2);
    expect(runAsc(['zoo', 'sample', '--seed', '3', '--param-bytes', '3']).status).toBe(2);
  });

  it('samples reproducibly inside the size window', () => {
    const args = ['zoo', 'sample', '--seed', '7', '--count', '6', '--json'];
    const a = runAsc(args);
    expect(a.status).toBe(0);
    const samples = a.json().samples as { id: string; sizeKB: number; params: number }[];
    expect(samples).toHaveLength(6);
    expect(new Set(samples.map((s) => s.id)).size).toBe(6);
    for (const s of samples) expect(s.sizeKB > 250 && s.sizeKB < 500).toBe(true);
    expect(runAsc(args).json().samples).toEqual(samples);
    expect(
      runAsc(['zoo', 'sample', '--seed', '7', '--min-kb', '500', '--max-kb', '250']).status,
    ).toBe(2);
  });
});
