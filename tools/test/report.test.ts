import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFixtureStudy, type Fixture } from '../../packages/report/test/study-fixture';
import { runAsc } from './helpers';

// Needs `npx nx run cli:build` (the command runs from dist, as a user runs it).
describe('asc report', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await buildFixtureStudy({ complete: 12, failed: 1, runs: true });
  });
  afterAll(() => fixture.cleanup());

  it('writes the report and prints {html, markdown, figures, tables} as the last line', () => {
    const out = path.join(fixture.dir, 'custom-out');
    const r = runAsc(['report', '--study', fixture.dir, '--out', out, '--json']);
    expect(r.status).toBe(0);
    const result = r.json() as {
      html: string;
      markdown: string;
      figures: string[];
      tables: string[];
    };
    expect(Object.keys(result).sort()).toEqual(['figures', 'html', 'markdown', 'tables']);
    expect(result.html).toBe(path.join(out, 'index.html'));
    expect(result.markdown).toBe(path.join(out, 'report.md'));
    for (const f of [result.html, result.markdown, ...result.figures, ...result.tables]) {
      expect(fs.existsSync(f)).toBe(true);
    }
    expect(result.figures.filter((f) => f.endsWith('.svg'))).toHaveLength(2);
    expect(result.figures.filter((f) => f.endsWith('.png'))).toHaveLength(2);

    const table4 = JSON.parse(fs.readFileSync(path.join(out, 'table4.json'), 'utf8')) as {
      rows: Record<string, unknown>[];
    };
    expect(table4.rows).toHaveLength(3);
    for (const row of table4.rows) {
      expect(row).toEqual(
        expect.objectContaining({
          model: expect.any(String),
          sizeMB: expect.any(Number),
          sizeMBFp16: expect.any(Number),
          accuracy: expect.any(Number),
        }),
      );
    }
    // Human words went to stderr; stdout holds the JSON line only.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('report: ');
  });

  it('writes into STUDY/report by default and names what is missing on stderr', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-report-empty-'));
    try {
      const r = runAsc(['report', '--study', empty]);
      expect(r.status).toBe(0);
      expect(fs.existsSync(path.join(empty, 'report', 'index.html'))).toBe(true);
      expect(r.stderr).toMatch(/missing: .*no trial store/i);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fingerprints the --dataset given relative to the working directory', () => {
    const out = path.join(fixture.dir, 'out-dataset');
    const r = runAsc(['report', '--study', fixture.dir, '--out', out, '--dataset', '.'], {
      cwd: fixture.datasetDir,
    });
    expect(r.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.dataset.root).toBe(fixture.datasetDir);
  });

  it('exits 2 without --study or with a study directory that does not exist', () => {
    expect(runAsc(['report', '--json']).status).toBe(2);
    const r = runAsc(['report', '--study', path.join(fixture.dir, 'no-such-study'), '--json']);
    expect(r.status).toBe(2);
    expect(r.json().error).toContain('no-such-study: the study directory does not exist');
  });
});
