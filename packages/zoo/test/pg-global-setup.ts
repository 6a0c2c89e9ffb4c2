import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PG_ENV } from './pg-cluster';

/**
 * Jest globalSetup: starts one throwaway PostgreSQL cluster for the whole test run
 * (scripts/pg-test-cluster.sh) and hands its URL to the test workers through the
 * environment. When PostgreSQL is missing or does not start, the PostgreSQL tests skip
 * and say why (here and in each skipped test's name). An existing server can be used
 * instead by setting ASC_PG_TEST_URL (its tests that restart the server then skip).
 */
export default function setup(): void {
  if (process.env[PG_ENV.url] || process.env[PG_ENV.skip]) return;
  const script = path.resolve(__dirname, '..', '..', '..', 'scripts', 'pg-test-cluster.sh');
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-pg-'));
  try {
    execFileSync('bash', [script, 'start', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    process.env[PG_ENV.url] = fs.readFileSync(path.join(state, 'url'), 'utf8').trim();
    process.env[PG_ENV.state] = state;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    const reason = `no PostgreSQL test cluster: ${stderr || (err as Error).message}`;
    process.env[PG_ENV.skip] = reason;
    fs.rmSync(state, { recursive: true, force: true });
    process.stderr.write(`\n[pg tests] ${reason}; the PostgreSQL tests are skipped\n`);
  }
}
