import * as path from 'path';
import { writeFileAtomicSync } from '@asc/core';
import { encodeWavPcm24 } from '../wav';
import { renderClip, type ClipSpec } from './scene';

/** One WAV file to render and write; plain data so it can cross to a worker thread. */
export interface RenderJob {
  /** Absolute path of the WAV file. */
  path: string;
  spec: ClipSpec;
}

/** Renders a clip and writes it as 24-bit PCM through a temporary file and a rename. */
export function runRenderJob(job: RenderJob): void {
  const audio = encodeWavPcm24(renderClip(job.spec), job.spec.sampleRateHz);
  writeFileAtomicSync(path.resolve(job.path), audio);
}
