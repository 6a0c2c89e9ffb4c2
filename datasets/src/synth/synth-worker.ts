import { parentPort } from 'worker_threads';
import { runRenderJob, type RenderJob } from './render-job';

/** Worker-thread entry: renders the jobs it is sent, one at a time, and reports each. */
parentPort?.on('message', (job: RenderJob) => {
  try {
    runRenderJob(job);
    parentPort?.postMessage({ ok: true });
  } catch (err) {
    parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
