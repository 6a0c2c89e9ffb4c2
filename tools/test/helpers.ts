import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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

/** A temporary directory with a tiny architecture spec and a short synthetic dataset. */
export interface TrainingFixture {
  dir: string;
  dataset: string;
  /** A spec file: two blocks of one 3x3 DSC each, 8 stem filters. */
  spec: string;
}

/** 24 synthetic clips of 2 s (2 segments each) and the spec, under a new temp dir. */
export function trainingFixture(prefix: string, synthSeed = 1): TrainingFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataset = path.join(dir, 'dataset');
  const spec = path.join(dir, 'tiny.json');
  const blocks = [
    [0, 1, 'avg'],
    [0, 1, 'avg'],
  ];
  fs.writeFileSync(spec, JSON.stringify({ stemFilters: 8, growth: 1, blocks }));
  const synth = runAsc([
    'dataset',
    'synth',
    '--out',
    dataset,
    '--clips',
    '24',
    '--seconds',
    '2',
    '--seed',
    `${synthSeed}`,
  ]);
  if (synth.status !== 0) throw new Error(`asc dataset synth failed: ${synth.stderr}`);
  return { dir, dataset, spec };
}
