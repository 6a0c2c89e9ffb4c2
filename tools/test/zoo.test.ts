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

  it('exits 2 on an unknown model, naming the known ones', () => {
    const r = runAsc(['zoo', 'show', 'resnet50']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown model "resnet50".*mobilenet-v2/);
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
