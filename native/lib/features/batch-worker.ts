// A worker thread of the TypeScript batch (batch.ts): processes the files it is sent, one
// at a time, and posts each outcome back.
import { parentPort, workerData } from 'worker_threads';
import { processOne, type BatchOptions } from './batch';

const options = workerData as BatchOptions;
const port = parentPort;
if (!port) throw new Error('batch-worker must run as a worker thread');
port.on('message', (job: { index: number; file: string }) => {
  void processOne(job.file, job.index, options).then((outcome) => port.postMessage(outcome));
});
