import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { runRenderJob, type RenderJob } from './render-job';

/** The compiled worker entry; absent when running from TypeScript sources (ts-jest). */
const WORKER_SCRIPT = path.join(__dirname, 'synth-worker.js');

/** Whether render jobs can run on worker threads here. */
export function workersAvailable(): boolean {
  return fs.existsSync(WORKER_SCRIPT);
}

/**
 * Runs render jobs on up to `threads` worker threads, handing out one job at a time so
 * that the cores stay busy whatever each clip costs; calls `onDone` after each. Runs in
 * this thread when one thread is asked for or the compiled worker is absent. The output
 * does not depend on which thread renders what: each job carries its own seeds.
 */
export async function runRenderJobs(
  jobs: RenderJob[],
  threads: number,
  onDone: () => void,
): Promise<number> {
  const count = Math.min(threads, jobs.length);
  if (count <= 1 || !workersAvailable()) {
    for (const job of jobs) {
      runRenderJob(job);
      onDone();
      // Let timers, signals and progress output through between clips.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return 1;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = count;
      const start = (worker: Worker): void => {
        const job = jobs[next++];
        worker.postMessage(job);
        worker.once('message', (reply: { ok: boolean; error?: string }) => {
          if (!reply.ok) {
            reject(new Error(`rendering ${job.path} failed: ${reply.error}`));
            return;
          }
          onDone();
          if (next < jobs.length) start(worker);
          else if (--running === 0) resolve();
        });
      };
      for (let i = 0; i < count; i++) {
        const worker = new Worker(WORKER_SCRIPT);
        worker.on('error', reject);
        workers.push(worker);
        start(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return count;
}
