import { execFileSync } from 'child_process';
import * as path from 'path';
import { Client } from 'pg';

/** Environment variables through which pg-global-setup hands the cluster to the tests. */
export const PG_ENV = {
  url: 'ASC_PG_TEST_URL',
  state: 'ASC_PG_TEST_STATE',
  skip: 'ASC_PG_TEST_SKIP',
} as const;

/** The test cluster's URL, or why there is none. */
export function pgTestCluster(): { url: string; state?: string } | { skip: string } {
  const url = process.env[PG_ENV.url];
  if (url) return { url, state: process.env[PG_ENV.state] };
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

/** Restarts the test cluster (pg_ctl restart -m fast): every connection is cut. */
export function restartPgCluster(state: string): void {
  const script = path.resolve(__dirname, '..', '..', '..', 'scripts', 'pg-test-cluster.sh');
  execFileSync('bash', [script, 'restart', state], { stdio: 'inherit' });
}
