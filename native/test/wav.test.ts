import * as fs from 'fs';
import * as path from 'path';
import { computeClipFeatures, decodeWav, nativeFeatures, WavError } from '@asc/native';
import { tempDir, wavBytes, type WavSpec } from './features-helpers';
import { addonRequired } from './addon-required';

// Every encoding of the issue, written by hand, decoded by both decoders (the C++ one
// through the addon, the TypeScript one directly) and compared with the known samples.

type Decoded = {
  sampleRateHz: number;
  channels: number;
  encoding: string;
  samples: Float32Array[];
};
const decoders: [string, (file: string) => Promise<Decoded>][] = [
  ['js', async (file) => decodeWav(fs.readFileSync(file), file)],
];
const native = addonRequired('wav.test, native decoder');
if (native) {
  decoders.push(['native', (file) => nativeFeatures().decodeWav(file)]);
}

const dir = tempDir('wav');
let counter = 0;
function write(spec: WavSpec | Buffer): string {
  const file = path.join(dir, `f${counter++}.wav`);
  fs.writeFileSync(file, Buffer.isBuffer(spec) ? spec : wavBytes(spec));
  return file;
}

const pcm16 = [0, 1, -1, 32767, -32768, 12345, -20000];
const pcm24 = [0, 1, -1, 8388607, -8388608, 1234567, -4000000];
const pcm32 = [0, 1, -1, 2147483647, -2147483648, 123456789, -987654321];
const floats = [0, 0.5, -0.25, 1, -1, 0.123456789, -0.999];

const cases: { name: string; spec: WavSpec; expected: number[][]; encoding: string }[] = [
  {
    name: 'PCM 16',
    spec: { tag: 1, bits: 16, sampleRateHz: 48000, channels: [pcm16] },
    expected: [pcm16.map((v) => v / 32768)],
    encoding: 'pcm16',
  },
  {
    name: 'PCM 24 stereo',
    spec: { tag: 1, bits: 24, sampleRateHz: 48000, channels: [pcm24, [...pcm24].reverse()] },
    expected: [pcm24.map((v) => v / 8388608), [...pcm24].reverse().map((v) => v / 8388608)],
    encoding: 'pcm24',
  },
  {
    name: 'PCM 32',
    spec: { tag: 1, bits: 32, sampleRateHz: 48000, channels: [pcm32] },
    expected: [pcm32.map((v) => v / 2147483648)],
    encoding: 'pcm32',
  },
  {
    name: 'float 32',
    spec: { tag: 3, bits: 32, sampleRateHz: 48000, channels: [floats] },
    expected: [floats],
    encoding: 'float32',
  },
  {
    name: 'float 64',
    spec: { tag: 3, bits: 64, sampleRateHz: 44100, channels: [floats, floats.map((v) => -v)] },
    expected: [floats, floats.map((v) => -v)],
    encoding: 'float64',
  },
  {
    name: 'extensible PCM 24',
    spec: { tag: 1, bits: 24, sampleRateHz: 48000, channels: [pcm24], extensible: true },
    expected: [pcm24.map((v) => v / 8388608)],
    encoding: 'pcm24-extensible',
  },
  {
    name: 'extensible float 32',
    spec: { tag: 3, bits: 32, sampleRateHz: 48000, channels: [floats, floats], extensible: true },
    expected: [floats, floats],
    encoding: 'float32-extensible',
  },
  {
    name: 'data before fmt, odd-sized unknown chunks',
    spec: {
      tag: 1,
      bits: 16,
      sampleRateHz: 48000,
      channels: [pcm16],
      dataFirst: true,
      extraChunks: [
        { id: 'LIST', bytes: new Uint8Array([1, 2, 3]) },
        { id: 'junk', bytes: new Uint8Array(7).fill(0x44) },
      ],
    },
    expected: [pcm16.map((v) => v / 32768)],
    encoding: 'pcm16',
  },
];

describe.each(decoders)('WAV decoding (%s)', (_name, decode) => {
  it.each(cases)('$name round-trips the known samples', async ({ spec, expected, encoding }) => {
    const got = await decode(write(spec));
    expect(got.encoding).toBe(encoding);
    expect(got.sampleRateHz).toBe(spec.sampleRateHz);
    expect(got.channels).toBe(expected.length);
    expected.forEach((ch, c) => {
      expect(got.samples[c]).toHaveLength(ch.length);
      ch.forEach((v, i) => expect(got.samples[c][i]).toBeCloseTo(Math.fround(v), 7));
    });
  });
});

// Each bad file gives a typed error naming the file, from both backends.
const bad: { name: string; code: string; bytes: () => Buffer; message: RegExp }[] = [
  {
    name: 'not RIFF',
    code: 'not-riff-wave',
    bytes: () => Buffer.from('ID3 this is an mp3, honest'),
    message: /not a RIFF\/WAVE/,
  },
  {
    name: 'truncated data',
    code: 'truncated',
    bytes: () =>
      wavBytes({ tag: 1, bits: 16, sampleRateHz: 48000, channels: [pcm16] }).subarray(0, 44 + 6),
    message: /declares 14 bytes but the file holds 6/,
  },
  {
    name: '8-bit PCM',
    code: 'unsupported-encoding',
    bytes: () => wavBytes({ tag: 1, bits: 8, sampleRateHz: 48000, channels: [[1, 2, 3]] }),
    message: /sample size 8 bits/,
  },
  {
    name: 'A-law',
    code: 'unsupported-encoding',
    bytes: () => wavBytes({ tag: 6, bits: 16, sampleRateHz: 48000, channels: [[1, 2, 3]] }),
    message: /A-law/,
  },
  {
    name: 'wrong sample rate',
    code: 'sample-rate',
    bytes: () =>
      wavBytes({ tag: 1, bits: 16, sampleRateHz: 44100, channels: [new Array(5000).fill(7)] }),
    message: /44100 Hz, expected 48000 Hz/,
  },
  {
    name: 'NaN samples',
    code: 'non-finite',
    bytes: () => wavBytes({ tag: 3, bits: 32, sampleRateHz: 48000, channels: [[0, 0.5, NaN, 0]] }),
    message: /sample 2 of channel 0 is NaN/,
  },
  {
    name: 'Inf samples',
    code: 'non-finite',
    bytes: () => wavBytes({ tag: 3, bits: 64, sampleRateHz: 48000, channels: [[0, Infinity]] }),
    message: /infinite/,
  },
  {
    name: 'zero length',
    code: 'empty',
    bytes: () => wavBytes({ tag: 1, bits: 16, sampleRateHz: 48000, channels: [[]] }),
    message: /no samples/,
  },
];

const backends: ('js' | 'native')[] = native ? ['js', 'native'] : ['js'];

describe.each(backends)('bad WAV files (%s backend)', (backend) => {
  it.each(bad)('$name: WavError $code naming the file', async ({ code, bytes, message }) => {
    const file = write(bytes());
    const err = await computeClipFeatures(file, {}, { backend }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WavError);
    expect((err as WavError).code).toBe(code);
    expect((err as WavError).file).toBe(file);
    expect((err as WavError).message).toContain(file);
    expect((err as WavError).message).toMatch(message);
  });

  it('a missing file is an io error naming it', async () => {
    const file = path.join(dir, 'missing.wav');
    const err = (await computeClipFeatures(file, {}, { backend }).catch(
      (e: unknown) => e,
    )) as WavError;
    expect(err).toBeInstanceOf(WavError);
    expect(err.code).toBe('io');
    expect(err.message).toContain(file);
  });
});

// The two decoders agree on every mutilated file: same error code, or same samples.
(native ? it : it.skip)(
  'native and TypeScript decoders agree on 300 truncated or corrupted files',
  async () => {
    const good = wavBytes({
      tag: 1,
      bits: 24,
      sampleRateHz: 48000,
      channels: [pcm24, pcm24],
      extraChunks: [{ id: 'LIST', bytes: new Uint8Array([1, 2, 3]) }],
    });
    let state = 12345;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    for (let trial = 0; trial < 300; trial++) {
      const bytes = Buffer.from(
        good.subarray(0, trial % 3 === 0 ? rand(good.length) : good.length),
      );
      for (let k = 0; k < 1 + rand(3); k++)
        bytes[rand(Math.min(bytes.length, 80)) || 0] = rand(256);
      const file = write(bytes);
      const js = await Promise.resolve()
        .then(() => decodeWav(fs.readFileSync(file), file))
        .then((a) => ({ ok: Array.from(a.samples[0]) }))
        .catch((e: WavError) => ({ code: e.code }));
      const native = await nativeFeatures()
        .decodeWav(file)
        .then((a) => ({ ok: Array.from(a.samples[0]) }))
        .catch((e: { code: string }) => ({ code: e.code }));
      expect([trial, native]).toEqual([trial, js]);
    }
  },
);
