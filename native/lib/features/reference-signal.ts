// Aliased: Math lookups are slow inside Jest's vm contexts.
const { sin, PI } = Math;

/**
 * The test signal of shared/reference/pipeline_recommended.json (its generator,
 * make_pipeline_reference.py, writes the same formula): tones at 440 Hz and 3150.7 Hz, a
 * 100 Hz -> 20 kHz chirp over 10 s and a 37.5 Hz tone for the first 5 s. For checking any
 * implementation of the pipeline (CPU, TypeScript, CUDA) against that file.
 */
export function referenceSignal(samples = 480000, rateHz = 48000): Float64Array {
  const x = new Float64Array(samples);
  for (let n = 0; n < samples; n++) {
    const t = n / rateHz;
    x[n] =
      0.5 * sin(2 * PI * 440 * t) +
      0.2 * sin(2 * PI * 3150.7 * t) +
      0.1 * sin(2 * PI * (100 * t + 0.5 * (19900 / 10) * t * t)) +
      0.05 * sin(2 * PI * 37.5 * t) * (t < 5 ? 1 : 0);
  }
  return x;
}
