import { AudioError } from '@asc/native/browser';
import { decodeInput, type DecodedInput, type Step } from './audio';
import { BACKENDS, chooseBackend, type BackendChoice, type BackendName } from './backend';
import { LiveFeatures } from './live-features';
import { Microphone } from './microphone';
import { drawPlane, planeRange, RollingPicture } from './picture';
import { analyse, classify, loadAssets, type ClipResult, type DemoAssets } from './pipeline';
import {
  byId,
  fillFrequencyAxis,
  fillProbabilities,
  fillSegments,
  fillSteps,
  formatHz,
} from './view';

/** A live segment's prediction, as the page keeps them. */
export interface LiveSegment {
  index: number;
  probabilities: number[];
  /** The segment's features (segmentFrames x bands x 2), for checking against a clip. */
  features: Float32Array;
  modelMs: number;
}

/** The page's scripting interface (window.ascDemo): what tests and curious users read. */
export interface AscDemo {
  /** Settles when the model is loaded (rejects with the reason it could not be). */
  ready: Promise<void>;
  assets?: DemoAssets;
  backend?: BackendChoice;
  /** The last clip analysed (a file, or the microphone's recording once stopped). */
  last: ClipResult | null;
  live: { info: Microphone['info']; segments: LiveSegment[] } | null;
  /** Analyses a file as the file input does. */
  analyseFile(file: File): Promise<ClipResult>;
  /** The audio the pipeline sees for a file: decoded and, if need be, resampled. */
  decode(file: File): Promise<DecodedInput>;
}

declare global {
  interface Window {
    ascDemo: AscDemo;
  }
}

/** The microphone's recording analysed when it stops: its first minute. */
const RECORD_SECONDS = 60;
/** The live "clip": the last 8 segments, about 10 s as in the DCASE data. */
const LIVE_CLIP_SEGMENTS = 8;

const status = (text: string): void => {
  byId('status').textContent = text;
};

function showError(err: unknown): void {
  const el = byId('error');
  el.textContent = err instanceof Error ? err.message : String(err);
  el.hidden = false;
  status('');
}

function clearError(): void {
  const el = byId('error');
  el.hidden = true;
  el.textContent = '';
}

/** Lets the browser paint (the status line) before a long step. */
const paint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function segmentSeconds(a: DemoAssets): number {
  return (a.config.segmentFrames * a.config.hopSamples) / a.config.sampleRateHz;
}

let shownPlane = 0;

function drawResult(a: DemoAssets, r: ClipResult): void {
  const [count, , bands] = r.features.shape;
  const plane = { data: r.features.segments, frames: r.features.frames, bands, stride: 2 };
  const view = { ...plane, offset: shownPlane };
  const range = planeRange(view);
  const canvas = byId<HTMLCanvasElement>('scalogram');
  drawPlane(canvas, view, range);
  const seconds = r.audio.seconds;
  const hz = a.manifest.filterbank.centreHz;
  const what = shownPlane === 0 ? 'mid plane (L + R) / 2' : 'side plane L − R';
  canvas.setAttribute(
    'aria-label',
    `Scalogram of ${r.name}: ${seconds.toFixed(2)} s, ${bands} bands up to ` +
      `${formatHz(hz[hz.length - 1])}, ${what}, ${range[0].toFixed(1)} to ${range[1].toFixed(1)} dB`,
  );
  byId('x-end').textContent = `${seconds.toFixed(2)} s`;
  byId('picture-caption').textContent =
    `Scalogram, ${what}, in dB (${range[0].toFixed(1)} to ${range[1].toFixed(1)}; dark is ` +
    `quiet, yellow loud): ${r.features.frames} frames of ` +
    `${(1000 * a.config.hopSamples) / a.config.sampleRateHz} ms, ${count} segments, ` +
    `${bands} Morlet bands (lowest at the bottom).`;
}

function showResult(a: DemoAssets, r: ClipResult): void {
  const { labels } = a.manifest;
  const clip = r.probabilities.clip;
  const best = clip.indexOf(Math.max(...clip));
  byId('verdict').textContent = `${r.name}: most likely ${labels[best]} (${clip[best].toFixed(3)})`;
  byId('clip-caption').textContent =
    `Clip probabilities of ${r.name} (mean of ${r.features.shape[0]} segments)`;
  fillProbabilities(byId<HTMLTableElement>('clip-table'), labels, clip);
  byId('probabilities').textContent = JSON.stringify({ labels, probabilities: clip });
  fillSegments(
    byId<HTMLTableElement>('segment-table'),
    labels,
    r.probabilities.segments,
    segmentSeconds(a),
  );
  fillSteps(byId<HTMLTableElement>('timing-table'), r.steps);
  byId('result').hidden = false;
  drawResult(a, r);
}

async function analyseFile(a: DemoAssets, file: File): Promise<ClipResult> {
  clearError();
  status(`Reading ${file.name}…`);
  await paint();
  const decoded = await decodeInput(await file.arrayBuffer(), file.name, a.config.sampleRateHz);
  status(`Computing the scalogram of ${file.name}…`);
  await paint();
  const steps: Step[] = [...decoded.steps];
  const { features, probabilities } = await analyse(a, file.name, decoded.audio, steps);
  const { audio } = decoded;
  const result: ClipResult = {
    name: file.name,
    audio: {
      seconds: audio.frames / audio.sampleRateHz,
      channels: audio.channels,
      sourceRateHz: decoded.sourceRateHz,
      encoding: decoded.encoding,
    },
    decoder: decoded.decoder,
    features,
    probabilities,
    steps,
  };
  window.ascDemo.last = result;
  showResult(a, result);
  const source = decoded.sourceRateHz ? `${decoded.sourceRateHz} Hz` : 'decoded by the browser';
  status(
    `${file.name}: ${result.audio.seconds.toFixed(2)} s, ${audio.channels} channel(s), ${source}` +
      `${decoded.sourceRateHz && decoded.sourceRateHz !== a.config.sampleRateHz ? ', resampled by the browser' : ''}.`,
  );
  return result;
}

/** The microphone: rolling picture, a prediction per segment, the recording on stop. */
class LiveView {
  private features?: LiveFeatures;
  private picture?: RollingPicture;
  private mic?: Microphone;
  private queue: Promise<void> = Promise.resolve();
  private peak = -Infinity;
  private segments: LiveSegment[] = [];

  constructor(private readonly a: DemoAssets) {}

  get running(): boolean {
    return this.mic !== undefined;
  }

  async start(): Promise<void> {
    const { a } = this;
    const { config, manifest } = a;
    clearError();
    status('Asking for the microphone…');
    this.segments = [];
    this.peak = -Infinity;
    this.features = undefined;
    // Blocks that arrive before the features exist (the channel count comes with the
    // microphone) are not analysed.
    const mic = await Microphone.start(config.sampleRateHz, (block) => {
      if (this.features) this.onBlock(this.features, block);
    });
    this.features = new LiveFeatures(
      config,
      a.bank,
      mic.info.channels,
      RECORD_SECONDS * config.sampleRateHz,
    );
    this.mic = mic;
    window.ascDemo.live = { info: mic.info, segments: this.segments };
    const columns = Math.round((10 * config.sampleRateHz) / config.hopSamples);
    this.picture = new RollingPicture(
      byId<HTMLCanvasElement>('live-picture'),
      a.bank.bands,
      columns,
    );
    byId('segment-seconds').textContent = segmentSeconds(a).toFixed(2);
    byId('live-info').textContent =
      `${mic.info.label}: ${mic.info.channels === 2 ? 'stereo' : 'mono'}, received at ` +
      `${mic.info.sampleRateHz} Hz` +
      (mic.info.deviceRateHz && mic.info.deviceRateHz !== mic.info.sampleRateHz
        ? ` (the device runs at ${mic.info.deviceRateHz} Hz; the browser resamples)`
        : '') +
      '.';
    for (const id of ['live-now', 'live-clip']) {
      fillProbabilities(
        byId<HTMLTableElement>(id),
        manifest.labels,
        manifest.labels.map(() => 0),
      );
    }
    byId('live').hidden = false;
    status(`Listening: a prediction every ${segmentSeconds(a).toFixed(2)} s.`);
  }

  private onBlock(features: LiveFeatures, block: Float32Array[]): void {
    const t0 = performance.now();
    const step = features.push(block.slice(0, features.channels));
    const featuresMs = performance.now() - t0;
    if (step.frames > 0 && this.picture) {
      for (const v of step.mid) if (v > this.peak) this.peak = v;
      const view = {
        data: step.mid,
        frames: step.frames,
        bands: features.bands,
        stride: 1,
        offset: 0,
      };
      this.picture.push(view, [this.peak - this.a.config.topDb, this.peak]);
    }
    for (const segment of step.segments) {
      this.queue = this.queue.then(() => this.predict(segment, featuresMs));
    }
  }

  private async predict(segment: Float32Array, featuresMs: number): Promise<void> {
    const { labels } = this.a.manifest;
    const t0 = performance.now();
    const p = await classify(this.a, segment, 1);
    const modelMs = performance.now() - t0;
    this.segments.push({
      index: this.segments.length,
      probabilities: p.clip,
      features: segment,
      modelMs,
    });
    const recent = this.segments.slice(-LIVE_CLIP_SEGMENTS);
    const mean = labels.map(
      (_, k) => recent.reduce((n, s) => n + s.probabilities[k], 0) / recent.length,
    );
    fillProbabilities(byId<HTMLTableElement>('live-now'), labels, p.clip);
    fillProbabilities(byId<HTMLTableElement>('live-clip'), labels, mean);
    const best = p.clip.indexOf(Math.max(...p.clip));
    byId('live-now').querySelector('caption')!.textContent =
      `Latest segment (${this.segments.length}): ${labels[best]}`;
    byId('live-timing').textContent =
      `Segment ${this.segments.length}: scalogram of the last block ${featuresMs.toFixed(1)} ms, ` +
      `model ${modelMs.toFixed(1)} ms.`;
  }

  /** Stops, then analyses the recording (its first minute) as a clip. */
  async stop(): Promise<ClipResult | null> {
    const { mic, features } = this;
    this.mic = undefined;
    this.features = undefined;
    if (!mic || !features) return null;
    await mic.stop();
    await this.queue;
    features.dispose();
    const recording = features.recording();
    if (recording.frames < this.a.config.nFft) {
      status('Stopped: too short to analyse.');
      return null;
    }
    status('Stopped: analysing the recording…');
    await paint();
    const steps: Step[] = [];
    const name = `microphone recording`;
    const { features: f, probabilities } = await analyse(this.a, name, recording, steps);
    const result: ClipResult = {
      name,
      audio: {
        seconds: recording.frames / recording.sampleRateHz,
        channels: recording.channels,
        sourceRateHz: mic.info.sampleRateHz,
        encoding: 'float32',
      },
      decoder: 'browser',
      features: f,
      probabilities,
      steps,
    };
    window.ascDemo.last = result;
    showResult(this.a, result);
    status(
      `Stopped after ${features.seconds.toFixed(1)} s; the recording ` +
        `(${result.audio.seconds.toFixed(1)} s) is analysed below as a clip.`,
    );
    return result;
  }
}

function requestedBackend(): BackendName | undefined {
  const value = new URLSearchParams(location.search).get('backend');
  if (value === null) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new Error(`?backend=${value}: choose one of ${BACKENDS.join(', ')}`);
  }
  return value as BackendName;
}

async function start(): Promise<void> {
  if (location.protocol === 'file:') {
    throw new Error(
      'This page loads its model with fetch(), which browsers refuse for file:// pages. ' +
        'Serve the folder: asc demo --serve --out THIS_FOLDER (or python3 -m http.server).',
    );
  }
  status('Starting tfjs…');
  const backend = await chooseBackend(requestedBackend());
  window.ascDemo.backend = backend;
  byId('backend').textContent =
    `${backend.name} (${backend.detail})` +
    backend.skipped.map((s) => `; ${s.name} not used: ${s.reason}`).join('');
  status('Loading the model…');
  const a = await loadAssets();
  window.ascDemo.assets = a;
  const { manifest } = a;
  document.title = `Acoustic scene classifier: ${manifest.labels.join(', ')}`;
  byId('model-info').textContent =
    `Model ${manifest.model.id} (${manifest.model.params ?? '?'} parameters, ` +
    `${(manifest.model.weightsBytes / 1024).toFixed(1)} KiB ${manifest.model.dtype}) ` +
    `for ${manifest.labels.length} classes: ${manifest.labels.join(', ')}.`;
  byId('run-info').textContent =
    `Run ${manifest.run.dir} (seed ${manifest.run.seed}, recipe ${manifest.run.recipe}, ` +
    `${manifest.run.epochs} epochs` +
    (manifest.run.testAccuracy !== null
      ? `, clip accuracy ${(100 * manifest.run.testAccuracy).toFixed(1)} % on its evaluate split`
      : '') +
    `); features ${manifest.featureConfigHash}, filter bank designed by ${manifest.filterbank.designedBy}.`;
  fillFrequencyAxis(document.querySelector<HTMLElement>('.y-axis')!, manifest.filterbank.centreHz);

  const input = byId<HTMLInputElement>('file-input');
  const run = (file: File | undefined): void => {
    if (!file) return;
    window.ascDemo.analyseFile(file).catch((err: unknown) => {
      byId('result').hidden = true;
      showError(err instanceof AudioError ? err.message : err);
    });
  };
  window.ascDemo.analyseFile = (file) => analyseFile(a, file);
  window.ascDemo.decode = async (file) =>
    decodeInput(await file.arrayBuffer(), file.name, a.config.sampleRateHz);
  input.addEventListener('change', () => run(input.files?.[0]));
  const zone = byId('drop-zone');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    run(e.dataTransfer?.files[0]);
  });
  document.querySelectorAll<HTMLInputElement>('input[name="plane"]').forEach((radio) =>
    radio.addEventListener('change', () => {
      shownPlane = Number(radio.value);
      if (window.ascDemo.last) drawResult(a, window.ascDemo.last);
    }),
  );

  const live = new LiveView(a);
  const mic = byId<HTMLButtonElement>('mic-button');
  // Busy while starting or stopping: clicks are ignored then (disabling the button instead
  // would drop a keyboard user's focus).
  let busy = false;
  mic.addEventListener('click', () => {
    if (busy) return;
    busy = true;
    mic.setAttribute('aria-busy', 'true');
    const was = live.running;
    (was ? live.stop() : live.start())
      .then(() => {
        mic.setAttribute('aria-pressed', String(!was));
        mic.textContent = was ? 'Start the microphone' : 'Stop the microphone';
      })
      .catch(showError)
      .finally(() => {
        busy = false;
        mic.removeAttribute('aria-busy');
      });
  });
  input.disabled = false;
  mic.disabled = false;
  const loaded = a.steps.map((s) => `${s.name} ${s.ms.toFixed(0)} ms`).join(', ');
  status(`Ready (${loaded}). Choose a file or start the microphone.`);
}

window.ascDemo = {
  ready: Promise.resolve(),
  last: null,
  live: null,
  analyseFile: () => Promise.reject(new Error('the model is not loaded yet')),
  decode: () => Promise.reject(new Error('the model is not loaded yet')),
};
window.ascDemo.ready = new Promise<void>((resolve, reject) => {
  const go = (): void => {
    start().then(resolve, (err: unknown) => {
      showError(err);
      reject(err);
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
  else go();
});
// Reported in the page; a script reading window.ascDemo.ready sees the rejection itself.
window.ascDemo.ready.catch(() => undefined);
