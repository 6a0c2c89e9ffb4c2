import * as tf from '@tensorflow/tfjs';
import {
  computeSegmentsJs,
  resolveFeatureConfig,
  type ClipSegments,
  type FeatureConfig,
  type FilterbankWeights,
  type AudioPlanes,
} from '@asc/native/browser';
import { InputNormaliser } from '@asc/trainer/inputs';
import { registerZooLayers } from '@asc/zoo/layers';
import { DEMO_FORMAT, type DemoManifest } from '../src/manifest';
import type { Step } from './audio';

/** What the page loads once: the manifest, the run's model and its filter bank. */
export interface DemoAssets {
  manifest: DemoManifest;
  config: FeatureConfig;
  bank: FilterbankWeights;
  model: tf.LayersModel;
  inputs: InputNormaliser;
  steps: Step[];
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`);
  return r;
}

/** Loads demo.json, the filter bank and the model (after the backend is chosen). */
export async function loadAssets(): Promise<DemoAssets> {
  const steps: Step[] = [];
  const t0 = performance.now();
  const manifest = (await (await fetchOk('demo.json')).json()) as DemoManifest;
  if (manifest.format !== DEMO_FORMAT) {
    throw new Error(
      `demo.json: format ${JSON.stringify(manifest.format)}, this page reads ${DEMO_FORMAT}`,
    );
  }
  const config = resolveFeatureConfig(manifest.featureConfig);
  const { file, bands, bins } = manifest.filterbank;
  const weights = new Float32Array(await (await fetchOk(file)).arrayBuffer());
  if (weights.length !== bands * bins) {
    throw new Error(`${file}: ${weights.length} weights, expected ${bands} x ${bins}`);
  }
  steps.push({ name: 'load demo.json and the filter bank', ms: performance.now() - t0 });
  const t1 = performance.now();
  registerZooLayers(tf);
  const model = await tf.loadLayersModel(manifest.model.file);
  const inputs = new InputNormaliser(tf, manifest.inputShape, manifest.normalisation);
  // The first call compiles the backend's programs; do it now rather than on the first clip.
  tf.tidy(() => {
    const warm = model.predict(tf.zeros([1, ...manifest.inputShape])) as tf.Tensor;
    warm.dataSync();
  });
  steps.push({ name: 'load and warm up the model', ms: performance.now() - t1 });
  return { manifest, config, bank: { weights, bands, bins }, model, inputs, steps };
}

/** Segment and clip probabilities: sigmoid of the model's logits, the clip's their mean. */
export interface Probabilities {
  /** count x classes, row-major. */
  segments: Float32Array;
  clip: number[];
}

/** Segments the model takes at once (bounds memory on long recordings). */
const BATCH = 16;

/** Runs the model on `count` segments (NHWC, before normalisation). */
export async function classify(
  assets: DemoAssets,
  segments: Float32Array,
  count: number,
): Promise<Probabilities> {
  const classes = assets.manifest.labels.length;
  const size = segments.length / count;
  const out = new Float32Array(count * classes);
  for (let first = 0; first < count; first += BATCH) {
    const n = Math.min(BATCH, count - first);
    const batch = segments.subarray(first * size, (first + n) * size);
    const probs = tf.tidy(() =>
      tf.sigmoid(assets.model.predict(assets.inputs.tensor(batch, n)) as tf.Tensor),
    );
    out.set(await probs.data(), first * classes);
    probs.dispose();
  }
  const clip = Array.from({ length: classes }, (_, k) => {
    let sum = 0;
    for (let s = 0; s < count; s++) sum += out[s * classes + k];
    return sum / count;
  });
  return { segments: out, clip };
}

/** A file's features and probabilities, and the time each step took. */
export interface ClipResult {
  name: string;
  audio: { seconds: number; channels: number; sourceRateHz: number | null; encoding: string };
  decoder: 'asc' | 'browser';
  features: ClipSegments;
  probabilities: Probabilities;
  steps: Step[];
}

/** Features of decoded audio (at the config's rate), then the model. */
export async function analyse(
  assets: DemoAssets,
  name: string,
  audio: AudioPlanes,
  steps: Step[],
): Promise<{ features: ClipSegments; probabilities: Probabilities }> {
  let t = performance.now();
  const features = computeSegmentsJs(audio, assets.config, name, assets.bank);
  steps.push({ name: 'scalogram (STFT, filter bank, dB, mid/side)', ms: performance.now() - t });
  t = performance.now();
  const probabilities = await classify(assets, features.segments, features.shape[0]);
  steps.push({ name: `model (${features.shape[0]} segments)`, ms: performance.now() - t });
  return { features, probabilities };
}
