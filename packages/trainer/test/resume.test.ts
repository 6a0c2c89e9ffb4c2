import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint, readRunRecord, runPaths } from '../src';

// The child runs the BUILT package (dist), as a user's process would: `nx run trainer:test`
// builds first.
const CHILD = path.join(__dirname, 'fixtures', 'train-child.js');

function runToEnd(runDir: string): void {
  const r = spawnSync(process.execPath, [CHILD, runDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
}

/** Starts a run and SIGKILLs it once it is `afterSamples` segments into epoch 2. */
function runAndKill(runDir: string, afterSamples: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const event = JSON.parse(line) as { kind: string; epoch?: number; samples?: number };
        if (event.kind === 'batch' && event.epoch === 2 && (event.samples ?? 0) >= afterSamples) {
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`child was not killed (exit ${_code}): ${lines.join('\n')}`));
      else resolve(lines);
    });
  });
}

describe('kill and resume', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-resume-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a run killed mid-epoch and resumed ends with the same weights as an uninterrupted one', async () => {
    const whole = path.join(dir, 'whole');
    const killed = path.join(dir, 'killed');
    runToEnd(whole);
    const lines = await runAndKill(killed, 40);
    expect(lines.some((l) => l.includes('"kind":"epoch"'))).toBe(true);
    const interrupted = readRunRecord(killed);
    expect(interrupted.status).toBe('running');
    expect(interrupted.epochsDone).toBe(1);
    runToEnd(killed);

    const a = readRunRecord(whole);
    const b = readRunRecord(killed);
    expect(b.status).toBe('complete');
    expect(b.history).toEqual(
      a.history.map((h, i) => ({
        ...h,
        seconds: b.history[i].seconds,
        samplesPerSec: b.history[i].samplesPerSec,
      })),
    );
    // The pure-JS cpu backend is deterministic: the final weights, Adam moments and RNG
    // states must match exactly (tolerance 0).
    const ca = readCheckpoint<{ rngs: unknown; optimizerStep: number }>(runPaths(whole).checkpoint);
    const cb = readCheckpoint<{ rngs: unknown; optimizerStep: number }>(
      runPaths(killed).checkpoint,
    );
    expect(cb.meta.rngs).toEqual(ca.meta.rngs);
    expect(cb.meta.optimizerStep).toBe(ca.meta.optimizerStep);
    expect(cb.tensors.length).toBe(ca.tensors.length);
    ca.tensors.forEach((t, i) =>
      expect(Array.from(cb.tensors[i].values)).toEqual(Array.from(t.values)),
    );
    expect(fs.readFileSync(path.join(killed, 'model-fp32', 'weights.bin'))).toEqual(
      fs.readFileSync(path.join(whole, 'model-fp32', 'weights.bin')),
    );
    // The run record holds what issue 4 lists.
    expect(a).toMatchObject({ model: 'tiny', seed: 1234, epochsDone: 3, status: 'complete' });
    expect(a.recipe.epochs).toBe(3);
    expect(a.backend.name).toBe('cpu');
    expect(Object.keys(a.history[0]).sort()).toEqual([
      'epoch',
      'learningRate',
      'samplesPerSec',
      'seconds',
      'segmentAccuracy',
      'testAccuracy',
      'testLoss',
      'trainLoss',
    ]);
    [1e-3, 1e-4, 1e-5].forEach((lr, i) => expect(a.history[i].learningRate).toBeCloseTo(lr, 15));
    expect(a.final?.confusion.flat().reduce((x, y) => x + y, 0)).toBe(6);
    expect(a.final?.perClass).toHaveLength(3);
    expect(a.final?.testAccuracy).toBe(a.history[2].testAccuracy);
    expect(a.export?.fp32Bytes).toBe(2 * (a.export?.fp16Bytes ?? 0));
    expect(a.export?.fp16MaxAbsDiff).toBeLessThan(1e-2);
    expect(a.normalisation.mean).toHaveLength(2);
    // The log shows the resumption.
    const log = fs
      .readFileSync(runPaths(killed).log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((e) => e.event)).toEqual(['start', 'epoch', 'resume', 'epoch', 'epoch', 'done']);
  });
});
