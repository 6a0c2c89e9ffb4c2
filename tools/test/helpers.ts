import { spawnSync } from 'child_process';
import * as path from 'path';

export const ascBin = path.join(__dirname, '..', 'bin', 'asc.js');

/** The zoo's fast deterministic evaluator module (metrics from a hash of the arch id). */
export const hashEvaluator = path.resolve(
  __dirname,
  '../../packages/zoo/test/fixtures/hash-evaluator.js',
);

export interface AscRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (when --json was given). */
  json: () => Record<string, unknown>;
}

/** Runs the built asc command in a subprocess, as a user would. */
export function runAsc(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): AscRun {
  const r = spawnSync(process.execPath, [ascBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => {
      const lines = r.stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    },
  };
}
