import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SqliteTrialStore, specCost, type TrialRecord } from '@asc/zoo';
import { generateReport, type GeneratedReport } from '@asc/report';
import { buildFixtureStudy, FIXTURE_STUDY, writeRun, type Fixture } from './study-fixture';

interface TableJson {
  id: string;
  rows: Record<string, string | number | null>[];
  notes: string[];
}

function readTable(report: GeneratedReport, id: string): TableJson {
  return JSON.parse(fs.readFileSync(path.join(report.outDir, `${id}.json`), 'utf8')) as TableJson;
}

// A minimal RFC 4180 reader, independent of the writer: quoted fields, doubled quotes.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    }
  }
  return rows;
}

async function storeTrials(fixture: Fixture): Promise<TrialRecord[]> {
  const store = await SqliteTrialStore.open(fixture.storeFile);
  try {
    return await store.getTrials(FIXTURE_STUDY);
  } finally {
    await store.close();
  }
}

const close = (digits: number) => (a: number, b: number) => expect(a).toBeCloseTo(b, digits);

describe('report of a small study built through the store API', () => {
  let fixture: Fixture;
  let report: GeneratedReport;
  let trials: TrialRecord[];
  let complete: TrialRecord[];

  beforeAll(async () => {
    fixture = await buildFixtureStudy({ complete: 24, failed: 2, interrupted: 1, runs: true });
    report = await generateReport({ studyDir: fixture.dir, now: new Date('2026-01-02T03:04:05Z') });
    trials = await storeTrials(fixture);
    complete = trials.filter((t) => t.status === 'complete');
  });
  afterAll(() => fixture.cleanup());

  it('writes the HTML, Markdown, figures (SVG and PNG) and tables (CSV and JSON)', () => {
    expect(report.outDir).toBe(path.join(fixture.dir, 'report'));
    expect(report.files.html).toBe(path.join(report.outDir, 'index.html'));
    expect(report.files.markdown).toBe(path.join(report.outDir, 'report.md'));
    const names = (files: string[]) => files.map((f) => path.basename(f)).sort();
    expect(names(report.files.figures)).toEqual([
      'figure3.png',
      'figure3.svg',
      'figure4.png',
      'figure4.svg',
    ]);
    expect(names(report.files.tables)).toEqual(
      expect.arrayContaining([
        'table4.csv',
        'table4.json',
        'table3-best-accuracy.csv',
        'growth-ratio-means.json',
      ]),
    );
    for (const f of [
      report.files.html,
      report.files.markdown,
      ...report.files.figures,
      ...report.files.tables,
    ]) {
      expect(fs.statSync(f).size).toBeGreaterThan(0);
    }
  });

  it('writes PNGs with the PNG signature and SVGs with an <svg> root that has marks', () => {
    for (const f of report.files.figures.filter((x) => x.endsWith('.png'))) {
      expect([...fs.readFileSync(f).subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    }
    for (const f of report.files.figures.filter((x) => x.endsWith('.svg'))) {
      const svg = fs.readFileSync(f, 'utf8');
      expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg.trimEnd()).toMatch(/<\/svg>$/);
      expect(svg).toMatch(/<path|<rect|<line/);
    }
  });

  it('writes CSVs that parse, with the same rows as the JSON tables', () => {
    for (const f of report.files.tables.filter((x) => x.endsWith('.csv'))) {
      const rows = parseCsv(fs.readFileSync(f, 'utf8'));
      const json = JSON.parse(fs.readFileSync(f.replace(/\.csv$/, '.json'), 'utf8')) as TableJson;
      expect(rows.length).toBe(json.rows.length + 1);
      const header = rows[0];
      json.rows.forEach((row, i) => {
        header.forEach((key, j) => {
          const v = row[key];
          expect(rows[i + 1][j]).toBe(v === null || v === undefined ? '' : String(v));
        });
      });
    }
  });

  it('Figure 3 plots exactly the complete trials of the store, selections marked', () => {
    const data = readTable(report, 'figure3-data');
    expect(data.rows.map((r) => r.trialId).sort()).toEqual(complete.map((t) => t.trialId).sort());
    for (const t of complete) {
      const row = data.rows.find((r) => r.trialId === t.trialId)!;
      expect(row.accuracy).toBe(t.accuracy);
      close(9)(row.sizeKiB as number, (t.params * 4) / 1024);
    }
    const maxAccuracy = Math.max(...complete.map((t) => t.accuracy as number));
    const minLoss = Math.min(...complete.map((t) => t.loss as number));
    const marked = data.rows.filter((r) => r.role !== 'candidate');
    expect(
      marked.some((r) => String(r.role).includes('best accuracy') && r.accuracy === maxAccuracy),
    ).toBe(true);
    const lowest = marked.find((r) => String(r.role).includes('lowest loss'))!;
    expect(complete.find((t) => t.trialId === lowest.trialId)!.loss).toBe(minLoss);
  });

  it('Figure 4 and its table: per growth ratio, counts and means recomputed from the store', () => {
    const means = readTable(report, 'growth-ratio-means');
    const bars = readTable(report, 'figure4-data');
    const paper: Record<string, number> = {
      '2': 0.925,
      '1.75': 0.929,
      '1.5': 0.929,
      '1.25': 0.932,
      '1': 0.933,
    };
    for (const g of [2, 1.75, 1.5, 1.25, 1]) {
      const group = complete.filter((t) => t.spec.growth === g);
      const row = means.rows.find((r) => r.growth === g)!;
      expect(row.candidates).toBe(group.length);
      expect(row.paperMeanAccuracy).toBe(paper[String(g)]);
      if (group.length === 0) {
        expect(row.meanAccuracy).toBeNull();
        continue;
      }
      close(12)(
        row.meanAccuracy as number,
        group.reduce((s, t) => s + (t.accuracy as number), 0) / group.length,
      );
      const groupBars = bars.rows.filter((b) => b.growth === g);
      expect(groupBars.reduce((s, b) => s + (b.count as number), 0)).toBe(group.length);
      close(12)(
        groupBars.reduce((s, b) => s + (b.fraction as number), 0),
        1,
      );
      for (const b of groupBars) {
        const inBin = group.filter(
          (t) =>
            (t.accuracy as number) >= (b.binStart as number) - 1e-12 &&
            (t.accuracy as number) < (b.binEnd as number) - 1e-12,
        ).length;
        const last = b.binEnd === Math.max(...groupBars.map((x) => x.binEnd as number));
        // The last bin also holds a value on its upper edge.
        const onUpperEdge = last
          ? group.filter((t) => Math.abs((t.accuracy as number) - (b.binEnd as number)) < 1e-12)
              .length
          : 0;
        expect(b.count).toBe(inBin + onUpperEdge);
      }
    }
  });

  it('Table 3 lays out the best-accuracy and lowest-loss specs from the store', () => {
    const maxAccuracy = Math.max(...complete.map((t) => t.accuracy as number));
    const best = complete
      .filter((t) => t.accuracy === maxAccuracy)
      .sort((a, b) => (a.loss as number) - (b.loss as number))[0];
    const table = readTable(report, 'table3-best-accuracy');
    // Hand-derived widths: stem F, then floor(g * previous) after each block's module B.
    const widths = [best.spec.stemFilters];
    for (let i = 0; i < best.spec.blocks.length; i++)
      widths.push(Math.floor(best.spec.growth * widths[i] + 1e-9));
    const expected: (string | number | null)[][] = [['3 × 3', best.spec.stemFilters]];
    const names = { 1: '3 × 3', 2: '5 × 5', 3: '3 × 3', 4: '5 × 5' } as const;
    best.spec.blocks.forEach(([a, b, pool], i) => {
      if (a !== 0) expected.push([names[a], widths[i]]);
      expected.push([names[b], widths[i + 1]]);
      expected.push(['2 × 2', null]);
      expect(pool === 'avg' ? '2 × 2 AvgPool' : '2 × 2 MaxPool').toBe(
        table.rows[expected.length - 1].layer,
      );
    });
    expect(table.rows.slice(0, expected.length).map((r) => [r.kernel, r.filters])).toEqual(
      expected,
    );
    expect(table.rows.slice(-3).map((r) => r.layer)).toEqual([
      'GlobalAvgPool',
      'Fully Connected',
      '3-way Sigmoid',
    ]);
    // The layer parameters add up to the count the store recorded for the trial.
    expect(table.rows.reduce((s, r) => s + (r.params as number), 0)).toBe(best.params);

    const minLoss = Math.min(...complete.map((t) => t.loss as number));
    const lowest = readTable(report, 'table3-lowest-loss');
    const lowestTrial = complete.find((t) => t.loss === minLoss)!;
    expect(lowest.rows[0].filters).toBe(lowestTrial.spec.stemFilters);
    expect(lowest.rows.reduce((s, r) => s + (r.params as number), 0)).toBe(lowestTrial.params);
  });

  it('Table 4 carries every run with sizes from its spec and accuracy from its record, beside the paper', () => {
    const table = readTable(report, 'table4');
    // In the paper's order: baselines, then Model A's and Model B's roles.
    expect(table.rows.map((r) => r.model)).toEqual([
      'mobilenet-v1',
      'best-accuracy',
      'lowest-loss',
    ]);
    const byName = Object.fromEntries(table.rows.map((r) => [r.model as string, r]));
    for (const name of ['best-accuracy', 'lowest-loss']) {
      const run = JSON.parse(
        fs.readFileSync(path.join(fixture.dir, 'retrain', name, 'run.json'), 'utf8'),
      );
      const trial = complete.find((t) => t.archId === run.model)!;
      const row = byName[name];
      expect(row.accuracy).toBe(run.final.testAccuracy);
      close(12)(row.sizeMB as number, (trial.params * 4) / 2 ** 20);
      close(12)(row.sizeMBFp16 as number, (trial.params * 2) / 2 ** 20);
      close(12)(row.exportMBFp32 as number, run.export.fp32Bytes / 2 ** 20);
      // DCASE figures of the float32 weights: the zoo's cost of the spec, 1.28 s segments
      const cost = specCost(trial.spec);
      expect(row).toMatchObject({
        parameters: trial.params,
        nonZeroParameters: trial.params - cost.batchNormParams,
        sizeDcase2020Bytes: 4 * (trial.params - cost.batchNormParams),
        sizeDcase2022Bytes: 4 * trial.params,
        macsPerSegment: cost.macs,
        macsPerSecond: Math.round(cost.macs / 1.28),
      });
    }
    // The paper's Table 4: Model A 0.42 / 0.21 MB, 95.6 %; Model B 0.29 / 0.15 MB, 95.8 %.
    expect([byName['best-accuracy'].paperSizeMB, byName['best-accuracy'].paperSizeMBFp16]).toEqual([
      0.42, 0.21,
    ]);
    expect(byName['best-accuracy'].paperAccuracy).toBe(0.956);
    expect([byName['lowest-loss'].paperSizeMB, byName['lowest-loss'].paperAccuracy]).toEqual([
      0.29, 0.958,
    ]);
    expect([byName['mobilenet-v1'].paperSizeMB, byName['mobilenet-v1'].paperAccuracy]).toEqual([
      12.2, 0.948,
    ]);
    close(12)(byName['mobilenet-v1'].sizeMB as number, (3_200_000 * 4) / 2 ** 20);
    expect(table.notes.join(' ')).toContain('AlexNet (Modified)');
  });

  it("states the search's facts as the store has them", () => {
    const md = fs.readFileSync(report.files.markdown, 'utf8');
    expect(md).toContain(`| trials complete | ${complete.length} |`);
    expect(md).toContain(`| trials failed | 2 |`);
    expect(md).toContain(`| trials interrupted | 1 |`);
    const lastProposal = [...trials].sort((a, b) => b.sampleIndex - a.sampleIndex)[0];
    expect(md).toContain(
      `| samples rejected by size (raw draws outside the window) | ${lastProposal.rejectedBySize} |`,
    );
    const total = trials.reduce((s, t) => s + (t.seconds ?? 0), 0);
    expect(md).toContain(
      `| compute, all trials (evaluator-reported seconds) | ${(total / 60).toFixed(1)} min`,
    );
    expect(md).toContain('tfjs-cpu-native');
    expect(md).toContain('| size window (KiB, float32) | 250 < size < 500 |');
    const retraining = readTable(report, 'retraining');
    expect(retraining.rows[0]).toEqual(
      expect.objectContaining({
        run: 'best-accuracy',
        backend: '@tensorflow/tfjs 4.22.0, backend cpu, 2 threads, native kernels',
        seed: 42,
        epochsDone: 2,
        epochsPlanned: 2,
        trainingSeconds: 61 + 62,
      }),
    );
  });

  it('the configuration statistics match groups recomputed from the store', () => {
    const byBlocks = readTable(report, 'accuracy-by-blocks');
    for (const n of [2, 3, 4]) {
      const group = complete.filter((t) => t.spec.blocks.length === n);
      const row = byBlocks.rows.find((r) => r.group === String(n))!;
      expect(row.count).toBe(group.length);
      if (group.length > 0) {
        close(12)(
          row.meanAccuracy as number,
          group.reduce((s, t) => s + (t.accuracy as number), 0) / group.length,
        );
        expect(row.maxAccuracy).toBe(Math.max(...group.map((t) => t.accuracy as number)));
      }
    }
    const byPooling = readTable(report, 'accuracy-by-pooling');
    const allAvg = complete.filter((t) => t.spec.blocks.every((b) => b[2] === 'avg')).length;
    const allMax = complete.filter((t) => t.spec.blocks.every((b) => b[2] === 'max')).length;
    expect(byPooling.rows.map((r) => r.count)).toEqual([
      allAvg,
      allMax,
      complete.length - allAvg - allMax,
    ]);
    const overall = readTable(report, 'accuracy-overall');
    expect(overall.rows[0].count).toBe(complete.length);
  });

  it("shows each retrained run's per-class accuracy and confusion by class name", () => {
    const table = readTable(report, 'per-class-best-accuracy');
    // The fixture's clips: 10 per class, min(k, 9) of class k taken for class k + 1.
    expect(table.rows).toEqual([
      { class: 'indoor', clips: 10, accuracy: 1, predicted0: 10, predicted1: 0, predicted2: 0 },
      { class: 'outdoor', clips: 10, accuracy: 0.9, predicted0: 0, predicted1: 9, predicted2: 1 },
      {
        class: 'transportation',
        clips: 10,
        accuracy: 0.8,
        predicted0: 2,
        predicted1: 0,
        predicted2: 8,
      },
    ]);
    const markdown = fs.readFileSync(report.files.markdown, 'utf8');
    expect(markdown).toContain('→ transportation');
    expect(markdown).toMatch(/classes.*3: indoor, outdoor, transportation/);
    // Table 3 ends with the paper's 3-way head.
    const table3 = readTable(report, 'table3-best-accuracy');
    expect(table3.rows[table3.rows.length - 1].layer).toBe('3-way Sigmoid');
  });

  it('writes a manifest with the seeds, recipes, feature hash and the dataset fingerprint', () => {
    const manifest = JSON.parse(fs.readFileSync(report.files.manifest, 'utf8'));
    expect(manifest.featureConfigHash).toBe('feature-hash-0001');
    expect(manifest.seeds.study).toBe(7);
    expect(Object.keys(manifest.seeds.trials)).toHaveLength(trials.length);
    expect(manifest.seeds.runs['best-accuracy']).toBe(42);
    expect(manifest.runs[0].recipe.epochs).toBe(2);
    // The CSV hashes, checked with coreutils' sha256sum.
    const digest = (rel: string) =>
      execFileSync('sha256sum', [path.join(fixture.datasetDir, rel)], { encoding: 'utf8' }).split(
        ' ',
      )[0];
    expect(manifest.dataset.csvFiles).toEqual([
      {
        file: 'evaluation_setup/fold1_evaluate.csv',
        bytes: expect.any(Number),
        sha256: digest('evaluation_setup/fold1_evaluate.csv'),
      },
      {
        file: 'evaluation_setup/fold1_train.csv',
        bytes: expect.any(Number),
        sha256: digest('evaluation_setup/fold1_train.csv'),
      },
      { file: 'meta.csv', bytes: expect.any(Number), sha256: digest('meta.csv') },
    ]);
    expect(manifest.dataset.audioFileCount).toBe(3);
    // The audio list's hash, from the three 44-byte files, checked with sha256sum.
    const list = [
      'audio/bus-lyon-1-0-a.wav 44',
      'audio/metro-vienna-3-0-a.wav 44',
      'audio/park-paris-2-0-a.wav 44',
    ]
      .map((line) => `${line}\n`)
      .join('');
    expect(manifest.dataset.audioListSha256).toBe(
      execFileSync('sha256sum', { input: list, encoding: 'utf8' }).split(' ')[0],
    );
    expect(
      manifest.code === 'not in a git checkout' || /^[0-9a-f]{40}$/.test(manifest.code.commit),
    ).toBe(true);
  });

  it('gives a self-contained HTML page: inline SVG figures, every table, no external resource', () => {
    const html = fs.readFileSync(report.files.html, 'utf8');
    expect(html.match(/<figure /g)).toHaveLength(2);
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('id="table4"');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
    expect(html).not.toMatch(/url\(https?:/);
  });
});

describe('report of a study of ten classes', () => {
  // Any names: the report takes them from study.json and the run records.
  const TEN = Array.from({ length: 10 }, (_, k) => `scene ${String.fromCharCode(97 + k)}`);
  let fixture: Fixture;
  let report: GeneratedReport;

  beforeAll(async () => {
    fixture = await buildFixtureStudy({ complete: 4, runs: true, labels: TEN });
    report = await generateReport({ studyDir: fixture.dir, now: new Date('2026-01-02T03:04:05Z') });
  });
  afterAll(() => fixture.cleanup());

  it("ends Table 3 with the study's 10-way head and names the ten classes", () => {
    const table3 = readTable(report, 'table3-best-accuracy');
    const rows = table3.rows;
    expect(rows[rows.length - 1]).toMatchObject({ layer: '10-way Sigmoid', params: 0 });
    // The dense layer: the last block's filters x 10 weights + 10 biases.
    const lastFilters = [...rows].reverse().find((r) => typeof r.filters === 'number')!.filters;
    expect(rows[rows.length - 2]).toMatchObject({
      layer: 'Fully Connected',
      params: (lastFilters as number) * 10 + 10,
    });
    const markdown = fs.readFileSync(report.files.markdown, 'utf8');
    expect(markdown).toContain(`10: ${TEN.join(', ')}`);
  });

  it('shows the per-class table with ten rows and ten prediction columns', () => {
    const table = readTable(report, 'per-class-best-accuracy');
    expect(table.rows.map((r) => r.class)).toEqual(TEN);
    expect(table.rows.map((r) => r.accuracy)).toEqual([
      1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1,
    ]);
    expect(Object.keys(table.rows[0])).toHaveLength(3 + 10);
    expect(table.rows[9]).toMatchObject({ class: 'scene j', predicted0: 9, predicted9: 1 });
  });
});

describe('report of an incomplete study', () => {
  it('says what is missing when there is no store and no run', async () => {
    const fixture = await buildFixtureStudy({ complete: 0 });
    try {
      fs.rmSync(fixture.storeFile);
      const report = await generateReport({
        studyDir: fixture.dir,
        outDir: path.join(fixture.dir, 'out'),
      });
      expect(report.model.missing.join('\n')).toMatch(/no trial store/i);
      expect(report.model.missing.join('\n')).toMatch(/no retrained runs/i);
      expect(fs.existsSync(path.join(fixture.dir, 'trials.sqlite'))).toBe(false);
      const html = fs.readFileSync(report.files.html, 'utf8');
      expect(html).toContain('Missing from this study');
      expect(readTable(report, 'table4').rows).toEqual([]);
    } finally {
      fixture.cleanup();
    }
  });

  it('reports one candidate and names a broken and an unfinished run instead of failing', async () => {
    const fixture = await buildFixtureStudy({ complete: 1, failed: 1 });
    try {
      fs.mkdirSync(path.join(fixture.dir, 'retrain', 'broken'), { recursive: true });
      fs.writeFileSync(
        path.join(fixture.dir, 'retrain', 'broken', 'run.json'),
        '{"model": "B", "final": ',
      );
      const file = writeRun(
        fixture.dir,
        'B',
        'B',
        null,
        0.9,
        0.3,
        { fp32Bytes: 306444, fp16Bytes: 153222 },
        76611,
      );
      const record = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete record.final;
      fs.writeFileSync(file, JSON.stringify(record));
      const report = await generateReport({ studyDir: fixture.dir });
      const missing = report.model.missing.join('\n');
      expect(missing).toContain(path.join(fixture.dir, 'retrain', 'broken', 'run.json'));
      expect(missing).toMatch(/not valid JSON/);
      expect(missing).toMatch(/only one complete candidate/i);
      const table4 = readTable(report, 'table4');
      expect(table4.rows).toHaveLength(1);
      expect(table4.rows[0].accuracy).toBeNull();
      // Model B: 76,611 parameters = 0.29 MB (the paper's Table 4).
      expect((table4.rows[0].sizeMB as number).toFixed(2)).toBe('0.29');
      expect(table4.notes.join(' ')).toMatch(/B: training has not finished \(2 of 2 epochs done\)/);
    } finally {
      fixture.cleanup();
    }
  });

  it('shows a run linked under two names in both Table 4 rows (asc run links lowest-loss)', async () => {
    const fixture = await buildFixtureStudy({ complete: 1 });
    try {
      writeRun(
        fixture.dir,
        'best-accuracy',
        'B',
        null,
        0.9,
        0.3,
        { fp32Bytes: 306444, fp16Bytes: 153222 },
        76611,
      );
      fs.symlinkSync('best-accuracy', path.join(fixture.dir, 'retrain', 'lowest-loss'));
      const report = await generateReport({ studyDir: fixture.dir });
      const rows = readTable(report, 'table4').rows;
      expect(rows.map((r) => r.model)).toEqual(['best-accuracy', 'lowest-loss']);
      expect(rows.map((r) => r.accuracy)).toEqual([0.9, 0.9]);
    } finally {
      fixture.cleanup();
    }
  });

  it('names an unusable study.json once, with its field, and still reports the store', async () => {
    const fixture = await buildFixtureStudy({ complete: 2 });
    try {
      const file = path.join(fixture.dir, 'study.json');
      const config = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...config, seed: 'one' }));
      const report = await generateReport({ studyDir: fixture.dir });
      expect(report.model.missing.filter((line) => line.includes(file))).toEqual([
        `${file}: "seed" must be an integer, got "one"`,
      ]);
      // The store's only study is the one reported.
      expect(readTable(report, 'figure3-data').rows).toHaveLength(2);
    } finally {
      fixture.cleanup();
    }
  });

  it('fails with the path when the study directory does not exist', async () => {
    await expect(generateReport({ studyDir: '/nonexistent/study' })).rejects.toThrow(
      '/nonexistent/study: the study directory does not exist',
    );
  });
});
