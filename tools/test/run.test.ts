import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runAsc } from './helpers';

describe('asc run', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-cli-run-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));
  const args = ['run', '--out', out, '--clips', '6', '--seconds', '2', '--seed', '3', '--json'];

  it('generates the synthetic dataset into <out>/dataset and checks it', () => {
    const r = runAsc(args);
    expect(r.status).toBe(0);
    const result = r.json() as {
      out: string;
      dataset: Record<string, unknown>;
      check: Record<string, unknown>;
    };
    expect(result.out).toBe(out);
    expect(result.dataset).toMatchObject({
      outDir: path.join(out, 'dataset'),
      clips: 6,
      rendered: 6,
    });
    expect(result.check).toMatchObject({ files: 6, missingAudio: 0, problems: [] });
    expect(fs.existsSync(path.join(out, 'dataset', 'evaluation_setup', 'fold1_test.csv'))).toBe(
      true,
    );
    expect(r.stderr).toContain('[1/2] synthetic dataset');
    expect(r.stderr).toContain('[2/2] dataset check');
  });

  it('keeps a complete dataset on a second run', () => {
    const r = runAsc(args);
    expect(r.status).toBe(0);
    expect(r.json().dataset).toMatchObject({ rendered: 0, upToDate: true });
  });

  it('exits 2 without --out', () => {
    expect(runAsc(['run', '--clips', '6']).status).toBe(2);
  });
});
