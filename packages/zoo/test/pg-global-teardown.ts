import { PG_ENV, stopPgCluster } from './pg-cluster';

/** Jest globalTeardown: stops the cluster pg-global-setup started and removes its files. */
export default function teardown(): void {
  const state = process.env[PG_ENV.state];
  if (!state) return;
  stopPgCluster(state);
  delete process.env[PG_ENV.state];
  delete process.env[PG_ENV.url];
}
