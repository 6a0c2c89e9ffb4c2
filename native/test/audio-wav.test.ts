import * as fs from 'fs';
import * as path from 'path';
import {
  AudioError,
  AudioNeedsAddonError,
  computeClipFeatures,
  decodeAudioFile,
  decodeWav,
  readAudioInfo,
  type DecodedAudio,
} from '@asc/native';
import { addonRequired } from './addon-required';
import { tempDir, wavBytes, type WavSpec } from './features-helpers';

// WAV files written byte by byte, decoded by the addon (libsndfile) and by the TypeScript
// decoder, against the samples the bytes hold: every encoding and odd layout of the issue,
// the truncation rule, channel selection, and a typed error naming the file for the rest.

type Decode = (
  file: string,
  options?: { channels?: number[]; allowTruncated?: boolean },
) => Promise<DecodedAudio>;
const decoders: [string, Decode][] = [
  ['js', async (file, options) => decodeWav(fs.readFileSync(file), file, options)],
];
const native = addonRequired('audio-wav.test, libsndfile decoder');
if (native) {
  decoders.push([
    'native',
    (file, options) => decodeAudioFile(file, { ...options, backend: 'native' }),
  ]);
}

const dir = tempDir('wav');
let counter = 0;
function write(spec: WavSpec | Buffer): string {
  const file = path.join(dir, `f${counter++}.wav`);
  fs.writeFileSync(file, Buffer.isBuffer(spec) ? spec : wavBytes(spec));
  return file;
}

const pcm8 = [0, 1, 127, 128, 129, 255, 200];
const pcm12 = [0, 1, -1, 2047, -2048, 1234, -1000];
const pcm16 = [0, 1, -1, 32767, -32768, 12345, -20000];
const pcm20 = [0, 1, -1, 524287, -524288, 123456, -400000];
const pcm24 = [0, 1, -1, 8388607, -8388608, 1234567, -4000000];
const pcm32 = [0, 1, -1, 2147483647, -2147483648, 123456789, -987654321];
const floats = [0, 0.5, -0.25, 1, -1, 0.123456789, -0.999];
const scale = (values: number[], full: number): number[] => values.map((v) => v / full);

const cases: { name: string; spec: WavSpec; expected: number[][]; format: string }[] = [
  {
    name: 'PCM 8 (unsigned)',
    spec: { tag: 1, bits: 8, sampleRateHz: 48000, channels: [pcm8] },
    expected: [pcm8.map((v) => (v - 128) / 128)],
    format: 'wav/pcm-u8',
  },
  {
    name: 'PCM 12 in a 16-bit container',
    spec: { tag: 1, bits: 12, sampleRateHz: 48000, channels: [pcm12.map((v) => v * 16)] },
    expected: [scale(pcm12, 2048)],
    format: 'wav/pcm16',
  },
  {
    name: 'PCM 16',
    spec: { tag: 1, bits: 16, sampleRateHz: 48000, channels: [pcm16] },
    expected: [scale(pcm16, 32768)],
    format: 'wav/pcm16',
  },
  {
    name: 'PCM 20 in a 24-bit container (extensible, 20 valid bits)',
    spec: {
      tag: 1,
      bits: 24,
      validBits: 20,
      extensible: true,
      sampleRateHz: 48000,
      channels: [pcm20.map((v) => v * 16)],
    },
    expected: [scale(pcm20, 524288)],
    format: 'wavex/pcm24',
  },
  {
    name: 'PCM 24 stereo',
    spec: { tag: 1, bits: 24, sampleRateHz: 48000, channels: [pcm24, [...pcm24].reverse()] },
    expected: [scale(pcm24, 8388608), scale([...pcm24].reverse(), 8388608)],
    format: 'wav/pcm24',
  },
  {
    name: 'PCM 32',
    spec: { tag: 1, bits: 32, sampleRateHz: 48000, channels: [pcm32] },
    expected: [scale(pcm32, 2147483648)],
    format: 'wav/pcm32',
  },
  {
    name: 'float 32',
    spec: { tag: 3, bits: 32, sampleRateHz: 48000, channels: [floats] },
    expected: [floats],
    format: 'wav/float32',
  },
  {
    name: 'float 64 at 44.1 kHz',
    spec: { tag: 3, bits: 64, sampleRateHz: 44100, channels: [floats, floats.map((v) => -v)] },
    expected: [floats, floats.map((v) => -v)],
    format: 'wav/float64',
  },
  {
    name: 'extensible float 32',
    spec: { tag: 3, bits: 32, sampleRateHz: 48000, channels: [floats, floats], extensible: true },
    expected: [floats, floats],
    format: 'wavex/float32',
  },
  {
    name: 'odd-sized unknown chunks before fmt',
    spec: {
      tag: 1,
      bits: 16,
      sampleRateHz: 48000,
      channels: [pcm16],
      extraChunks: [
        { id: 'LIST', bytes: new Uint8Array([1, 2, 3]) },
        { id: 'junk', bytes: new Uint8Array(7).fill(0x44) },
      ],
    },
    expected: [scale(pcm16, 32768)],
    format: 'wav/pcm16',
  },
];

// Formats only libsndfile reads: the addon decodes them to the same samples, the
// TypeScript decoder names them and points at the addon.
const addonOnly: typeof cases = [
  {
    name: 'RIFX (big-endian) PCM 24',
    spec: { tag: 1, bits: 24, bigEndian: true, sampleRateHz: 48000, channels: [pcm24] },
    expected: [scale(pcm24, 8388608)],
    format: 'rifx/pcm24',
  },
  {
    name: 'RIFX float 64',
    spec: { tag: 3, bits: 64, bigEndian: true, sampleRateHz: 48000, channels: [floats] },
    expected: [floats],
    format: 'rifx/float64',
  },
  {
    name: 'RF64 PCM 16 stereo',
    spec: { tag: 1, bits: 16, rf64: true, sampleRateHz: 48000, channels: [pcm16, pcm16] },
    expected: [scale(pcm16, 32768), scale(pcm16, 32768)],
    format: 'rf64/pcm16',
  },
];

function expectSamples(got: DecodedAudio, expected: number[][]): void {
  expect(got.channels).toBe(expected.length);
  expected.forEach((ch, c) => {
    expect(Array.from(got.samples[c])).toEqual(ch.map(Math.fround));
  });
}

describe.each(decoders)('WAV decoding (%s)', (name, decode) => {
  it.each(cases)('$name gives the samples the bytes hold', async ({ spec, expected, format }) => {
    const got = await decode(write(spec));
    expect(got.source.format).toBe(format);
    expect(got.sampleRateHz).toBe(spec.sampleRateHz);
    expect(got.frames).toBe(expected[0].length);
    expectSamples(got, expected);
  });

  it.each(addonOnly)('$name: decoded by the addon only', async ({ spec, expected, format }) => {
    const file = write(spec);
    if (name === 'js') {
      const err = await decode(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AudioNeedsAddonError);
      expect((err as AudioError).message).toContain(file);
      return;
    }
    const got = await decode(file);
    expect(got.source.format).toBe(format);
    expectSamples(got, expected);
  });

  it('takes the channels asked for from a file of 3 to 6 channels', async () => {
    for (const count of [3, 4, 5, 6]) {
      const channels = Array.from({ length: count }, (_, c) =>
        pcm16.map((v) => (v >> 2) + c * 100),
      );
      const file = write({ tag: 1, bits: 16, sampleRateHz: 48000, channels });
      const byDefault = await decode(file);
      expect(byDefault.channelsUsed).toEqual([1, 2]);
      expect(byDefault.source.channels).toBe(count);
      expectSamples(byDefault, [scale(channels[0], 32768), scale(channels[1], 32768)]);
      const picked = await decode(file, { channels: [count, 3] });
      expect(picked.channelsUsed).toEqual([count, 3]);
      expectSamples(picked, [scale(channels[count - 1], 32768), scale(channels[2], 32768)]);
      const one = await decode(file, { channels: [count - 1] });
      expectSamples(one, [scale(channels[count - 2], 32768)]);
      const err = (await decode(file, { channels: [1, count + 1] }).catch(
        (e: unknown) => e,
      )) as AudioError;
      expect(err.code).toBe('channels');
      expect(err.message).toContain(`${count} channels`);
    }
  });

  it('a data chunk longer than the file is an error, or kept with allowTruncated', async () => {
    const full = wavBytes({ tag: 1, bits: 16, sampleRateHz: 48000, channels: [pcm16, pcm16] });
    const cut = write(full.subarray(0, full.length - 9)); // 3 whole frames and one byte gone
    const err = (await decode(cut).catch((e: unknown) => e)) as AudioError;
    expect(err).toBeInstanceOf(AudioError);
    expect(err.code).toBe('truncated');
    expect(err.detail).toMatch(/declares 28 bytes but the file holds 19/);
    const kept = await decode(cut, { allowTruncated: true });
    expect(kept.truncated).toBe(true);
    expect(kept.source.truncated).toBe(true);
    expectSamples(kept, [scale(pcm16.slice(0, 4), 32768), scale(pcm16.slice(0, 4), 32768)]);
  });

  it('a file of only a header: truncated when it declares data, empty when it does not', async () => {
    const full = wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [pcm24] });
    const header = write(full.subarray(0, 44));
    expect(((await decode(header).catch((e: unknown) => e)) as AudioError).code).toBe('truncated');
    const kept = (await decode(header, { allowTruncated: true }).catch(
      (e: unknown) => e,
    )) as AudioError;
    expect(kept.code).toBe('empty');
    const none = write(wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: [[]] }));
    expect(((await decode(none).catch((e: unknown) => e)) as AudioError).code).toBe('empty');
  });
});

// Each bad file gives a typed error naming the file, through the feature pipeline.
const bad: { name: string; code: string; bytes: () => Buffer; js?: string }[] = [
  {
    name: 'not audio',
    code: 'unrecognised-format',
    bytes: () => Buffer.from('this is not audio at all'),
  },
  {
    name: "no 'data' chunk",
    code: 'malformed',
    bytes: () =>
      wavBytes({ tag: 1, bits: 16, sampleRateHz: 48000, channels: [pcm16] }).subarray(0, 36),
  },
  {
    name: 'NaN samples',
    code: 'non-finite',
    bytes: () => wavBytes({ tag: 3, bits: 32, sampleRateHz: 48000, channels: [[0, 0.5, NaN, 0]] }),
  },
  {
    name: 'Inf samples',
    code: 'non-finite',
    bytes: () => wavBytes({ tag: 3, bits: 64, sampleRateHz: 48000, channels: [[0, Infinity]] }),
  },
  {
    name: '44.1 kHz without the addon',
    code: 'resampled',
    js: 'needs-addon',
    bytes: () =>
      wavBytes({ tag: 1, bits: 16, sampleRateHz: 44100, channels: [new Array(9000).fill(7)] }),
  },
  {
    name: 'A-law',
    code: 'decoded',
    js: 'needs-addon',
    bytes: () =>
      wavBytes({ tag: 6, bits: 8, sampleRateHz: 48000, channels: [new Array(4800).fill(0x55)] }),
  },
];

const backends: ('js' | 'native')[] = native ? ['js', 'native'] : ['js'];

describe.each(backends)('bad audio files (%s backend)', (backend) => {
  it.each(bad)('$name: AudioError naming the file', async ({ code, js, bytes }) => {
    const file = write(bytes());
    const expected = backend === 'js' ? (js ?? code) : code;
    const result = await computeClipFeatures(file, {}, { backend }).catch((e: unknown) => e);
    if (expected === 'resampled' || expected === 'decoded') {
      expect(result).not.toBeInstanceOf(Error);
      return;
    }
    expect(result).toBeInstanceOf(AudioError);
    expect((result as AudioError).code).toBe(expected);
    expect((result as AudioError).file).toBe(file);
    expect((result as AudioError).message).toContain(file);
  });

  it('a missing file is an io error naming it', async () => {
    const file = path.join(dir, 'missing.wav');
    const err = (await computeClipFeatures(file, {}, { backend }).catch(
      (e: unknown) => e,
    )) as AudioError;
    expect(err).toBeInstanceOf(AudioError);
    expect(err.code).toBe('io');
    expect(err.message).toContain(file);
    const info = (await readAudioInfo(file, { backend }).catch((e: unknown) => e)) as AudioError;
    expect(info.code).toBe('io');
  });
});

// The TypeScript decoder reads a subset of what libsndfile reads, the same way: on
// mutilated files, whatever it decodes the addon decodes to the same samples and header
// fields; what it calls truncated or refuses, the addon does too.
(native ? it : it.skip)(
  'libsndfile and the TypeScript decoder agree on 300 truncated or corrupted files',
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
    let decodedByBoth = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = Buffer.from(
        good.subarray(0, trial % 3 === 0 ? rand(good.length) : good.length),
      );
      for (let k = 0; k < 1 + rand(3); k++)
        bytes[rand(Math.min(bytes.length, 80)) || 0] = rand(256);
      const file = write(bytes);
      const js = await Promise.resolve()
        .then(() => decodeWav(bytes, file, { allowTruncated: true }))
        .catch((e: AudioError) => e);
      const native = await decodeAudioFile(file, { allowTruncated: true, backend: 'native' }).catch(
        (e: AudioError) => e,
      );
      if (js instanceof AudioError) {
        if (js.code !== 'needs-addon' && js.code !== 'non-finite') {
          expect([trial, native instanceof AudioError]).toEqual([trial, true]);
        }
        continue;
      }
      expect([trial, native instanceof AudioError ? native.message : 'decoded']).toEqual([
        trial,
        'decoded',
      ]);
      const n = native as DecodedAudio;
      expect([trial, n.source, n.channelsUsed, n.truncated]).toEqual([
        trial,
        js.source,
        js.channelsUsed,
        js.truncated,
      ]);
      expect([trial, n.samples.map((s) => Array.from(s))]).toEqual([
        trial,
        js.samples.map((s) => Array.from(s)),
      ]);
      decodedByBoth++;
    }
    expect(decodedByBoth).toBeGreaterThan(50);
  },
);
