import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { computeClipFeatures, decodeWav, type FeatureConfig } from '@asc/native';
import { wavBytes } from '../../native/test/features-helpers';
import {
  CHROMIUM,
  OFFLINE_FLAGS,
  chromiumInstalled,
} from '../../packages/report/test/offline-chromium';
import { ascBin, runAsc, trainingFixture, type TrainingFixture } from './helpers';

// `asc demo` end to end: a trained tiny run, its page served by `asc demo --serve`, and
// the page driven in Debian's Chromium (toolchain.md) against the CLI on the same files.

/** Screenshots land here for a person to look at (ASC_TEST_ARTIFACTS moves them). */
const ARTIFACTS = path.join(
  process.env.ASC_TEST_ARTIFACTS ?? path.join(__dirname, '..', '..', 'test-artifacts'),
  'demo',
);

/**
 * How far the microphone's mean probabilities may be from the file path's on the same
 * file (see the test for why they are not equal).
 */
const MICROPHONE_TOLERANCE = 0.05;

const haveChromium = chromiumInstalled('asc demo browser tests');
const describeInChromium = haveChromium ? describe : describe.skip;

/**
 * A recipe that makes the tiny model's outputs depend on its input within seconds (the
 * search recipe's two epochs at batch 64 leave it near-constant, which would make the
 * probability comparisons below say little).
 */
const RESPONSIVE_RECIPE = {
  name: 'demo-test',
  epochs: 30,
  batchSize: 8,
  learningRate: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  schedule: { kind: 'step', factor: 0.5, everyEpochs: 10 },
  mixup: null,
  shuffleWindowClips: 64,
};

/** A 16-bit copy of a WAV file (Chromium's fake capture device reads 16-bit PCM only). */
function writePcm16(from: string, to: string): void {
  const audio = decodeWav(fs.readFileSync(from), from);
  const channels = audio.samples.map((c) =>
    Int16Array.from(c, (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768)))),
  );
  fs.writeFileSync(to, wavBytes({ tag: 1, bits: 16, sampleRateHz: audio.sampleRateHz, channels }));
}

/**
 * What this test reads in the page: window.ascDemo (packages/demo/page/main.ts, its
 * scripting interface) and the DOM, typed here because the tests compile without the DOM.
 */
interface PageGlobals {
  ascDemo: {
    ready: Promise<void>;
    last: {
      name: string;
      audio: { seconds: number };
      features: { segments: Float32Array; shape: number[]; frames: number };
      probabilities: { segments: Float32Array; clip: number[] };
      steps: { name: string; ms: number }[];
    } | null;
    assets?: { manifest: { labels: string[] } };
    backend?: { name: string };
    live: {
      info: { channels: number; sampleRateHz: number; deviceRateHz: number | null };
      segments: { probabilities: number[]; features: Float32Array }[];
    } | null;
    decode(file: unknown): Promise<{
      audio: { samples: Float32Array[]; sampleRateHz: number };
      steps: { name: string }[];
    }>;
  };
  document: {
    getElementById(id: string): { hidden: boolean } | null;
  };
  File: new (parts: unknown[], name: string) => unknown;
  atob(base64: string): string;
  axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
}

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/** A rectangle of the page in document pixels. */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * What a region of a PNG screenshot holds: how many distinct colours, the spread of its
 * luminance, and the share of dark (text-like) pixels. The PNG is decoded by the page.
 */
async function screenshotRegions(
  page: Page,
  png: Buffer,
  boxes: Box[],
): Promise<{ colours: number; luminanceSd: number; dark: number }[]> {
  return page.evaluate(
    async ({ base64, boxes }) => {
      const g = globalThis as unknown as {
        atob(b: string): string;
        Blob: new (parts: unknown[], o: { type: string }) => unknown;
        createImageBitmap(b: unknown): Promise<{ width: number; height: number }>;
        OffscreenCanvas: new (
          w: number,
          h: number,
        ) => {
          getContext(kind: '2d'): {
            drawImage(i: unknown, x: number, y: number): void;
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          };
        };
      };
      const bytes = Uint8Array.from(g.atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new g.Blob([bytes], { type: 'image/png' }));
      const context = new g.OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
      context.drawImage(bitmap, 0, 0);
      return boxes.map((b) => {
        const { data } = context.getImageData(
          Math.round(b.x),
          Math.round(b.y),
          Math.max(1, Math.round(b.width)),
          Math.max(1, Math.round(b.height)),
        );
        const colours = new Set<number>();
        let sum = 0;
        let sum2 = 0;
        let dark = 0;
        const n = data.length / 4;
        for (let i = 0; i < data.length; i += 4) {
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          const y = (0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2]) / 255;
          sum += y;
          sum2 += y * y;
          if (y < 0.3) dark++;
        }
        const mean = sum / n;
        return {
          colours: colours.size,
          luminanceSd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
          dark: dark / n,
        };
      });
    },
    { base64: png.toString('base64'), boxes },
  );
}

/** Boxes of elements in document pixels, and whether the page scrolls sideways. */
async function layout(
  page: Page,
  selectors: string[],
): Promise<{ boxes: Box[]; scrollWidth: number; innerWidth: number }> {
  return page.evaluate((selectors) => {
    const g = globalThis as unknown as {
      document: {
        querySelector(s: string): { getBoundingClientRect(): Box } | null;
        documentElement: { scrollWidth: number };
      };
      scrollX: number;
      scrollY: number;
      innerWidth: number;
    };
    const boxes = selectors.map((s) => {
      const r = g.document.querySelector(s)!.getBoundingClientRect();
      return { x: r.x + g.scrollX, y: r.y + g.scrollY, width: r.width, height: r.height };
    });
    return { boxes, scrollWidth: g.document.documentElement.scrollWidth, innerWidth: g.innerWidth };
  }, selectors);
}

interface PageClip {
  labels: string[];
  probabilities: number[];
  segments: number[][];
  features: number[];
  shape: number[];
  backend: string;
  steps: { name: string; ms: number }[];
}

/** Sets `file` on the page's file input and reads what the page shows and holds. */
async function analyseInPage(page: Page, file: string): Promise<PageClip> {
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).ascDemo.last = null;
  });
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(
    () => {
      const g = globalThis as unknown as PageGlobals;
      return g.ascDemo.last !== null || !g.document.getElementById('error')!.hidden;
    },
    null,
    { timeout: 60000 },
  );
  if (await page.isVisible('#error')) {
    throw new Error(`the page says: ${await page.textContent('#error')}`);
  }
  const shown = JSON.parse((await page.textContent('[data-testid="probabilities"]')) ?? '{}');
  const held = await page.evaluate(() => {
    const demo = (globalThis as unknown as PageGlobals).ascDemo;
    const last = demo.last!;
    const k = demo.assets!.manifest.labels.length;
    const p = last.probabilities.segments;
    return {
      segments: Array.from({ length: p.length / k }, (_, s) =>
        Array.from(p.subarray(s * k, s * k + k)),
      ),
      features: Array.from(last.features.segments),
      shape: last.features.shape,
      backend: demo.backend!.name,
      steps: last.steps,
    };
  });
  return { ...shown, ...held };
}

/** `asc predict` on the files: each file's clip probabilities in the run's class order. */
function cliProbabilities(run: string, files: string[], labels: string[]): Map<string, number[]> {
  const r = runAsc(['predict', '--run', run, ...files, '--json']);
  if (r.status !== 0) throw new Error(`asc predict failed: ${r.stderr}`);
  const predictions = r.json().predictions as {
    file: string;
    probabilities: Record<string, number>;
  }[];
  return new Map(predictions.map((p) => [p.file, labels.map((l) => p.probabilities[l])]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describeInChromium('asc demo: the page in headless Chromium', () => {
  let fixture: TrainingFixture;
  let run: string;
  let site: string;
  let clips: string[];
  /** A 44.1 kHz clip, 16-bit: the microphone's fake device plays it (and it is resampled). */
  let clip441: string;
  let server: ChildProcessWithoutNullStreams;
  let serverOut = '';
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  const requests: string[] = [];
  let featureConfig: FeatureConfig;
  let labels: string[];
  /** asc predict's probabilities of each file the page is given. */
  let cli: Map<string, number[]>;

  /** The page on its default backend, shared by the tests that need no fresh one. */
  let shared: Page | undefined;
  const sharedPage = async (): Promise<Page> => (shared ??= await newPage());

  const newPage = async (query = ''): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.warn(`page error: ${err.message}`));
    await page.goto(url + query);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).ascDemo.ready);
    return page;
  };

  beforeAll(async () => {
    fixture = trainingFixture('asc-demo-');
    const cache = path.join(fixture.dir, 'cache');
    run = path.join(fixture.dir, 'run');
    site = path.join(fixture.dir, 'site');
    const recipe = path.join(fixture.dir, 'recipe.json');
    fs.writeFileSync(recipe, JSON.stringify(RESPONSIVE_RECIPE));
    const train = ['--run', run, '--recipe', recipe, '--seed', '5'];
    for (const args of [
      ['features', '--dataset', fixture.dataset, '--cache', cache],
      ['train', '--model', fixture.spec, '--dataset', fixture.dataset, '--cache', cache, ...train],
    ]) {
      const r = runAsc(args);
      if (r.status !== 0) throw new Error(`asc ${args[0]} failed: ${r.stderr}`);
    }
    const record = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    featureConfig = record.data.featureConfig;
    labels = record.data.classes;
    const audioDir = path.join(fixture.dataset, 'audio');
    const wavs = fs.readdirSync(audioDir).sort();
    clips = [wavs.find((f) => f.startsWith('bus'))!, wavs.find((f) => f.startsWith('park'))!].map(
      (f) => path.join(audioDir, f),
    );
    const other = path.join(fixture.dir, 'dataset-44k');
    const synth = runAsc(
      ['dataset', 'synth', '--out', other, '--clips', '6', '--seconds', '4'].concat([
        '--rate',
        '44100',
        '--seed',
        '2',
      ]),
    );
    if (synth.status !== 0) throw new Error(`asc dataset synth failed: ${synth.stderr}`);
    const source = fs.readdirSync(path.join(other, 'audio')).sort()[0];
    clip441 = path.join(fixture.dir, 'clip-44k-16bit.wav');
    writePcm16(path.join(other, 'audio', source), clip441);
    cli = cliProbabilities(run, clips, labels);

    server = spawn(
      process.execPath,
      [ascBin, 'demo', '--run', run, '--out', site].concat(['--serve', '--port', '0', '--json']),
    );
    server.stdout.on('data', (d: Buffer) => (serverOut += d));
    url = await new Promise<string>((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d: Buffer) => {
        err += d;
        const m = /serving (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`asc demo --serve exited ${code}: ${err}`)));
    });

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...OFFLINE_FLAGS,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${clip441}`,
      ],
    });
    context = await browser.newContext();
    context.on('request', (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await shared?.close();
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await exited;
    }
    if (fixture) fs.rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('writes a self-contained folder: page, bundle, wasm, model, filter bank, demo.json', () => {
    const files = fs.readdirSync(site, { recursive: true }).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'index.html',
        'app.js',
        'capture-worklet.js',
        'style.css',
        'demo.json',
        'filterbank.bin',
        'model/model.json',
        'model/weights.bin',
        'wasm/tfjs-backend-wasm.wasm',
        'wasm/tfjs-backend-wasm-simd.wasm',
      ]),
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(site, 'demo.json'), 'utf8'));
    expect(manifest.labels).toEqual(labels);
    expect(manifest.featureConfig).toEqual(featureConfig);
    expect(fs.statSync(path.join(site, 'filterbank.bin')).size).toBe(128 * 1025 * 4);
    // Nothing in the page names another host: no http(s) URL but the standards' own.
    const html = fs.readFileSync(path.join(site, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Writing again over a demo replaces it; a folder holding something else is refused.
    const again = runAsc(['demo', '--run', run, '--out', site, '--json']);
    expect(again.status).toBe(0);
    expect(again.json()).toMatchObject({ outDir: site, labels });
    const half = path.join(fixture.dir, 'site-fp16');
    expect(runAsc(['demo', '--run', run, '--out', half, '--dtype', 'float16']).status).toBe(0);
    const halfManifest = JSON.parse(fs.readFileSync(path.join(half, 'demo.json'), 'utf8'));
    expect(halfManifest.model).toMatchObject({ dtype: 'float16', file: 'model/model.json' });
    expect(fs.existsSync(path.join(half, 'model', 'weights.fp16.bin'))).toBe(true);
    const taken = path.join(fixture.dir, 'taken');
    fs.mkdirSync(taken);
    fs.writeFileSync(path.join(taken, 'notes.txt'), 'mine');
    const refused = runAsc(['demo', '--run', run, '--out', taken, '--json']);
    expect(refused.status).toBe(1);
    expect(refused.json().error).toMatch(/taken: is not empty and holds no demo/);
    expect(fs.readFileSync(path.join(taken, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('rejects bad usage (exit 2) and runs without a model (exit 1)', () => {
    expect(runAsc(['demo', '--json']).status).toBe(2);
    expect(runAsc(['demo', '--run', run, '--json']).status).toBe(2);
    expect(runAsc(['demo', '--run', run, '--serve', '--port', '70000', '--json']).status).toBe(2);
    const none = runAsc(['demo', '--run', path.join(fixture.dir, 'nothing'), '--out', site + '2']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/run\.json: no run record/);
  });

  it('a WAV file gives asc predict’s probabilities (1e-3) and its features (0.05 dB)', async () => {
    const page = await sharedPage();
    for (const clip of clips) {
      const shown = await analyseInPage(page, clip);
      expect(shown.labels).toEqual(labels);
      const probabilityDiff = maxAbsDiff(shown.probabilities, cli.get(clip)!);
      expect(probabilityDiff).toBeLessThan(1e-3);
      // The CLI's features: the addon's pipeline (as asc predict computes them).
      const native = await computeClipFeatures(clip, featureConfig);
      expect(shown.shape).toEqual(native.shape);
      const featureDiff = maxAbsDiff(shown.features, native.segments);
      expect(featureDiff).toBeLessThan(0.05);
      console.log(
        `${path.basename(clip)}: page vs CLI, probabilities ${probabilityDiff.toExponential(1)}, ` +
          `features ${featureDiff.toExponential(1)} dB (backend ${shown.backend})`,
      );
      expect(shown.steps.map((s) => s.name)).toEqual([
        'decode (asc WAV decoder)',
        'scalogram (STFT, filter bank, dB, mid/side)',
        'model (2 segments)',
      ]);
    }
    // The probabilities are not constant: the comparison above has something to compare.
    expect(maxAbsDiff(cli.get(clips[0])!, cli.get(clips[1])!)).toBeGreaterThan(0.05);
    const table = await page.$$eval('#clip-table tbody tr', (rows) =>
      rows.map((r) => r.textContent ?? ''),
    );
    expect(table.map((t) => t.split(/\d/)[0])).toEqual(labels);
  });

  it('names a file it cannot read, in an alert, and shows no result for it', async () => {
    const page = await sharedPage();
    const bad = path.join(fixture.dir, 'not-audio.wav');
    fs.writeFileSync(bad, 'hello, not a sound');
    await page.setInputFiles('#file-input', bad);
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible', timeout: 30000 });
    expect(await alert.textContent()).toMatch(
      /^not-audio\.wav: not a WAV file, and without the native addon only WAV is read; the browser cannot decode it either$/,
    );
    expect(await page.isHidden('#result')).toBe(true);
  });

  it('runs on each backend (webgl, wasm, cpu) with the same probabilities', async () => {
    // Chromium with --disable-gpu draws WebGL in software (SwiftShader): the page passes
    // it over for wasm unless asked for it.
    const auto = await (await sharedPage()).textContent('[data-testid="backend"]');
    expect(auto).toMatch(/^wasm \(WebAssembly.*; webgl not used: /);
    for (const backend of ['webgl', 'wasm', 'cpu']) {
      const page = await newPage(`?backend=${backend}`);
      const shown = await analyseInPage(page, clips[0]);
      expect(shown.backend).toBe(backend);
      expect(await page.textContent('[data-testid="backend"]')).toMatch(new RegExp(`^${backend} `));
      expect(maxAbsDiff(shown.probabilities, cli.get(clips[0])!)).toBeLessThan(1e-3);
      await page.close();
    }
  });

  it('resamples a 44.1 kHz file with the browser: tones up to 16 kHz within -60 dB', async () => {
    const rate = 44100;
    const tones = [
      [440, 0.2],
      [3000, 0.2],
      [12000, 0.2],
      [16000, 0.1],
    ];
    const samples = Float64Array.from({ length: 2 * rate }, (_, n) =>
      tones.reduce((y, [f, a]) => y + a * Math.sin((2 * Math.PI * f * n) / rate), 0),
    );
    const file = path.join(fixture.dir, 'tones-44k.wav');
    fs.writeFileSync(file, wavBytes({ tag: 3, bits: 32, sampleRateHz: rate, channels: [samples] }));
    const page = await sharedPage();
    const bytes = fs.readFileSync(file).toString('base64');
    const r = await page.evaluate(
      async ({ bytes, tones }) => {
        const g = globalThis as unknown as PageGlobals;
        const raw = Uint8Array.from(g.atob(bytes), (c) => c.charCodeAt(0));
        const d = await g.ascDemo.decode(new g.File([raw], 'tones-44k.wav'));
        const x = d.audio.samples[0];
        const sr = d.audio.sampleRateHz;
        let err = 0;
        let power = 0;
        // The analytic signal at 48 kHz; the first and last 50 ms are the resampler's edges.
        for (let m = 2400; m < x.length - 2400; m++) {
          let y = 0;
          for (const [f, a] of tones) y += a * Math.sin((2 * Math.PI * f * m) / sr);
          err += (x[m] - y) ** 2;
          power += y * y;
        }
        return {
          sr,
          frames: x.length,
          steps: d.steps.map((s) => s.name),
          snrDb: 10 * Math.log10(power / err),
        };
      },
      { bytes, tones },
    );
    expect(r.sr).toBe(48000);
    expect(r.frames).toBe(96000);
    expect(r.steps).toEqual(['decode (asc WAV decoder)', 'resample 44100 → 48000 Hz (browser)']);
    console.log(
      `browser resampling 44.1 -> 48 kHz, tones 440 Hz..16 kHz: SNR ${r.snrDb.toFixed(1)} dB`,
    );
    expect(r.snrDb).toBeGreaterThan(60);
  });

  it('shows the scalogram and the probabilities at desktop and at phone width (screenshots)', async () => {
    const page = await sharedPage();
    await analyseInPage(page, clips[0]);
    for (const [name, width, height] of [
      ['desktop', 1280, 900],
      ['phone', 390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      const shot = path.join(ARTIFACTS, `file-${name}.png`);
      const png = await page.screenshot({ path: shot, fullPage: true });
      const { boxes, scrollWidth, innerWidth } = await layout(page, ['#scalogram', '#clip-table']);
      // No sideways scrolling; the picture takes most of the width.
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      expect(boxes[0].width).toBeGreaterThan(0.6 * width);
      expect(boxes[0].height).toBeGreaterThan(100);
      const [picture, table] = await screenshotRegions(page, png, boxes);
      // The scalogram is a picture (many colours, light and dark), not a blank box.
      expect(picture.colours).toBeGreaterThan(100);
      expect(picture.luminanceSd).toBeGreaterThan(0.05);
      // The probability table holds text.
      expect(table.dark).toBeGreaterThan(0.01);
      expect(table.dark).toBeLessThan(0.5);
      console.log(`screenshot ${shot}`);
    }
  });

  it('is accessible: axe-core finds no WCAG 2.1 A/AA violation; a keyboard alone works it', async () => {
    const page = await newPage();
    // Tab from the top reaches the file input first, then the microphone button.
    const focused: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('Tab');
      focused.push(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { id: string } } }).document
              .activeElement.id,
        ),
      );
    }
    expect(focused).toEqual(['file-input', 'mic-button']);
    // Space on the file input opens the chooser.
    await page.keyboard.press('Shift+Tab');
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Space');
    await (await chooser).setFiles(clips[1]);
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).ascDemo.last !== null,
      null,
      { timeout: 60000 },
    );
    // The plane radios: arrow keys switch the picture to the side plane.
    await page.focus('input[name="plane"][value="0"]');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#scalogram', 'aria-label')).toMatch(/side plane L − R/);
    // Names and roles a screen reader needs.
    expect(await page.getByLabel(/Sound file/).getAttribute('type')).toBe('file');
    expect(await page.getByRole('button', { name: 'Start the microphone' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /Scalogram of/ }).count()).toBe(1);
    expect(await page.getByRole('table', { name: /Clip probabilities/ }).count()).toBe(1);
    await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ]) {
      await page.setViewportSize({ width, height });
      const { violations } = await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).axe.run(
          (globalThis as unknown as { document: unknown }).document,
          { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } },
        ),
      );
      const found = violations.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
      expect(found).toEqual([]);
    }
    await page.close();
  });

  it('the microphone (Chromium’s fake capture of a WAV file) predicts every segment as the file path does', async () => {
    const page = await sharedPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.focus('#mic-button');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => ((globalThis as unknown as PageGlobals).ascDemo.live?.segments.length ?? 0) >= 4,
      null,
      { timeout: 60000 },
    );
    expect(await page.getAttribute('#mic-button', 'aria-pressed')).toBe('true');
    const shot = path.join(ARTIFACTS, 'microphone-desktop.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    const { boxes } = await layout(page, ['#live-picture', '#live-now']);
    const [picture, table] = await screenshotRegions(page, png, boxes);
    expect(picture.colours).toBeGreaterThan(100);
    expect(table.dark).toBeGreaterThan(0.01);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).ascDemo.last?.name === 'microphone recording',
      null,
      { timeout: 60000 },
    );
    const r = await page.evaluate(() => {
      const demo = (globalThis as unknown as PageGlobals).ascDemo;
      const k = demo.assets!.manifest.labels.length;
      const clip = demo.last!;
      const live = demo.live!.segments;
      const cells = live[0].features.length / 2;
      const x = clip.features.segments;
      // Channels back from the planes: L = mid + side / 2, R = mid - side / 2.
      const channel = (f: Float32Array, i: number, c: number) =>
        f[2 * i] + (c ? -0.5 : 0.5) * f[2 * i + 1];
      // A channel's floor in the clip (peak - topDb) is its smallest value over the audio.
      const floors = [0, 1].map((c) => {
        let least = Infinity;
        for (let i = 0; i < clip.features.frames * (cells / 128); i++)
          least = Math.min(least, channel(x, i, c));
        return least;
      });
      return {
        info: demo.live!.info,
        live: live.map((s) => s.probabilities),
        recorded: live.map((_, s) =>
          Array.from(clip.probabilities.segments.subarray(s * k, s * k + k)),
        ),
        segments: live.map((seg, s) => {
          let differ = 0;
          let unexplained = 0;
          for (let i = 0; i < cells; i++) {
            for (const c of [0, 1]) {
              const a = channel(seg.features, i, c);
              const b = channel(x, s * cells + i, c);
              if (Math.abs(a - b) < 1e-3) continue;
              differ++;
              if (!(a < b && Math.abs(b - floors[c]) < 1e-3)) unexplained++;
            }
          }
          return { differ, unexplained };
        }),
      };
    });
    expect(r.info).toMatchObject({ channels: 2, sampleRateHz: 48000 });
    expect(r.live.length).toBeGreaterThanOrEqual(4);
    // 1. The live path is the clip pipeline on the audio it received: each live segment
    // is that segment of the recording analysed as a clip, except that the live dB floor
    // comes from the frames so far: before the recording's peak it is lower, so cells the
    // clip clips at its floor keep quieter values live. Nothing else may differ, and
    // segments that do not differ give the same probabilities.
    for (const [s, seg] of r.segments.entries()) {
      expect(seg.unexplained).toBe(0);
      if (seg.differ === 0) expect(maxAbsDiff(r.live[s], r.recorded[s])).toBeLessThan(1e-5);
    }
    const streaming = Math.max(...r.live.map((p, s) => maxAbsDiff(p, r.recorded[s])));
    // 2. Against the file path on the device's file: the fake device plays it in a loop
    // from an arbitrary point, through Chromium's capture resampler (44.1 kHz) and the
    // AudioContext's (to 48 kHz), where the file path resamples once with decodeAudioData;
    // segments are cut at other times and some hold the loop's seam. So segments differ;
    // their means over the clip agree (the file's padded last segment left out).
    const file = await analyseInPage(page, clip441);
    const complete = file.segments.slice(0, -1);
    const mean = (rows: number[][]): number[] =>
      rows[0].map((_, k) => rows.reduce((n, row) => n + row[k], 0) / rows.length);
    const clipLevel = maxAbsDiff(mean(r.live), mean(complete));
    console.log(
      `microphone: ${r.live.length} live segments (cells below the clip's floor: ` +
        `${r.segments.map((g) => g.differ).join(', ')}); live vs recording-as-clip ` +
        `${streaming.toExponential(1)}, live mean vs file mean ${clipLevel.toFixed(3)}`,
    );
    expect(clipLevel).toBeLessThan(MICROPHONE_TOLERANCE);
    const top = (p: number[]): number => p.indexOf(Math.max(...p));
    expect(top(mean(r.live))).toBe(top(mean(complete)));
  });

  it('sent no request beyond 127.0.0.1', () => {
    const origin = new URL(url).origin;
    expect(requests.length).toBeGreaterThan(10);
    const away = requests.filter((u) => {
      const parsed = new URL(u);
      return parsed.protocol !== 'data:' && parsed.origin !== origin;
    });
    expect(away).toEqual([]);
  });

  it('asc demo --serve stops on SIGINT, exit 0, and reports what it served', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    expect(await exited).toBe(0);
    const result = JSON.parse(serverOut.trim().split('\n').pop()!);
    expect(result).toMatchObject({ url, outDir: site, labels });
    expect(result.requests).toBeGreaterThan(10);
  });
});
