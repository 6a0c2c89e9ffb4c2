import { execFileSync } from 'child_process';
import * as path from 'path';
import { PG_ENV } from './pg-cluster';

/** Jest globalTeardown: stops the cluster pg-global-setup started and removes its files. */
export default function teardown(): void {
  const state = process.env[PG_ENV.state];
  if (!state) return;
  const script = path.resolve(__dirname, '..', '..', '..', 'scripts', 'pg-test-cluster.sh');
  execFileSync('bash', [script, 'stop', state], { stdio: 'inherit' });
  delete process.env[PG_ENV.state];
  delete process.env[PG_ENV.url];
}
