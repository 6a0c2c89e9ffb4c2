import { PG_ENV, startPgCluster } from './pg-cluster';

/**
 * Jest globalSetup: starts one throwaway PostgreSQL cluster for the whole test run and
 * hands its URL to the test workers through the environment. When PostgreSQL is missing
 * or does not start, the PostgreSQL tests skip and say why (here and in each skipped
 * test's name). An existing server can be used instead by setting ASC_PG_TEST_URL.
 */
export default function setup(): void {
  if (process.env[PG_ENV.url] || process.env[PG_ENV.skip]) return;
  try {
    const cluster = startPgCluster();
    process.env[PG_ENV.url] = cluster.url;
    process.env[PG_ENV.state] = cluster.state;
  } catch (err) {
    const reason = `no PostgreSQL test cluster: ${(err as Error).message}`;
    process.env[PG_ENV.skip] = reason;
    process.stderr.write(`\n[pg tests] ${reason}; the PostgreSQL tests are skipped\n`);
  }
}
