import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

/** Environment variables through which pg-global-setup hands the cluster to the tests. */
export const PG_ENV = {
  url: 'ASC_PG_TEST_URL',
  state: 'ASC_PG_TEST_STATE',
  skip: 'ASC_PG_TEST_SKIP',
} as const;

/** The test cluster's URL, or why there is none. */
export function pgTestCluster(): { url: string } | { skip: string } {
  const url = process.env[PG_ENV.url];
  if (url) return { url };
  return {
    skip:
      process.env[PG_ENV.skip] ??
      'no PostgreSQL test cluster (run through jest, whose globalSetup starts one)',
  };
}

/**
 * `describe` when the test cluster is up; otherwise one skipped test whose name says why,
 * and the reason on stderr, so that a skip is never silent.
 */
export function describePg(name: string, body: (url: string) => void): void {
  const cluster = pgTestCluster();
  if ('url' in cluster) {
    describe(name, () => body(cluster.url));
    return;
  }
  process.stderr.write(`[pg tests] skipping "${name}": ${cluster.skip}\n`);
  describe(name, () => {
    it.skip(`skipped: ${cluster.skip}`, () => undefined);
  });
}

let databases = 0;

/** A fresh, empty database on the cluster: its URL and a function that drops it. */
export async function createTestDatabase(
  clusterUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `asc_test_${process.pid}_${databases++}_${Date.now().toString(36)}`;
  await withAdmin(clusterUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(clusterUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withAdmin(url: string, fn: (c: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'scripts', 'pg-test-cluster.sh');

/**
 * Starts a throwaway cluster (scripts/pg-test-cluster.sh) in a new temporary directory.
 * Throws with the script's explanation when PostgreSQL is missing or does not start.
 */
export function startPgCluster(): { url: string; state: string } {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-pg-'));
  try {
    execFileSync('bash', [SCRIPT, 'start', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { url: fs.readFileSync(path.join(state, 'url'), 'utf8').trim(), state };
  } catch (err) {
    fs.rmSync(state, { recursive: true, force: true });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(stderr || (err as Error).message);
  }
}

/** Stops a cluster startPgCluster started and removes its directory. */
export function stopPgCluster(state: string): void {
  execFileSync('bash', [SCRIPT, 'stop', state], { stdio: 'inherit' });
}

/**
 * Acts on a running cluster: 'restart' (pg_ctl restart -m fast: every connection is cut),
 * 'pause' (the server stops; its files stay) or 'resume' (it starts again, same port).
 */
export function controlPgCluster(state: string, action: 'restart' | 'pause' | 'resume'): void {
  execFileSync('bash', [SCRIPT, action, state], { stdio: 'inherit' });
}
