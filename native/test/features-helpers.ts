import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Aliased: Math lookups are slow inside Jest's vm contexts.
const { round, sin } = Math;

// WAV files written byte by byte for the feature tests, so the decoder is checked
// against the format itself, not against our own writer.

export interface WavSpec {
  /** 1 PCM, 3 IEEE float, or any other tag (6 A-law, ...) for the error cases. */
  tag: number;
  bits: number;
  sampleRateHz: number;
  /** Raw sample values per channel: integers for PCM, floats for IEEE float. */
  channels: ArrayLike<number>[];
  extensible?: boolean;
  /** Put the data chunk before the fmt chunk. */
  dataFirst?: boolean;
  /** Chunks written before fmt (ids of 4 characters; odd sizes get their pad byte). */
  extraChunks?: { id: string; bytes: Uint8Array }[];
}

function chunk(id: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  const pad = body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([head, body, pad]);
}

export function wavBytes(spec: WavSpec): Buffer {
  const channels = spec.channels.length;
  const frames = channels ? spec.channels[0].length : 0;
  const width = spec.bits / 8;
  // Typed arrays rather than Buffer.writeXxx per sample: those calls are slow under Jest.
  const count = frames * channels;
  const data = Buffer.alloc(count * width);
  const interleaved = (i: number): number => spec.channels[i % channels][Math.floor(i / channels)];
  if (spec.tag === 3 && (spec.bits === 32 || spec.bits === 64)) {
    const view = spec.bits === 32 ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < count; i++) view[i] = interleaved(i);
    Buffer.from(view.buffer).copy(data);
  } else {
    const ints = new Int32Array(count);
    for (let i = 0; i < count; i++) ints[i] = interleaved(i);
    const bytes = new Uint8Array(ints.buffer);
    for (let i = 0; i < count; i++) {
      for (let b = 0; b < width; b++) data[i * width + b] = bytes[i * 4 + b];
    }
  }
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.tag, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(spec.sampleRateHz, 4);
  fmt.writeUInt32LE(spec.sampleRateHz * channels * width, 8);
  fmt.writeUInt16LE(channels * width, 12);
  fmt.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(spec.bits, 18);
    fmt.writeUInt32LE(channels === 2 ? 3 : 4, 20);
    // KSDATAFORMAT_SUBTYPE_xxx: {0000tttt-0000-0010-8000-00aa00389b71}
    fmt.writeUInt16LE(spec.tag, 24);
    Buffer.from([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 26);
  }
  const extra = (spec.extraChunks ?? []).map((c) => chunk(c.id, c.bytes));
  const fmtChunk = chunk('fmt ', fmt);
  const dataChunk = chunk('data', data);
  const body = spec.dataFirst ? [...extra, dataChunk, fmtChunk] : [...extra, fmtChunk, dataChunk];
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.write('WAVE', 8, 'latin1');
  const all = Buffer.concat([riff, ...body]);
  all.writeUInt32LE(all.length - 8, 4);
  return all;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `asc-${prefix}-`));
}

/** The test signal of pipeline_recommended.json (make_pipeline_reference.py). */
export function referenceSignal(samples = 480000, rateHz = 48000): Float64Array {
  const x = new Float64Array(samples);
  for (let n = 0; n < samples; n++) {
    const t = n / rateHz;
    x[n] =
      0.5 * sin(2 * Math.PI * 440 * t) +
      0.2 * sin(2 * Math.PI * 3150.7 * t) +
      0.1 * sin(2 * Math.PI * (100 * t + 0.5 * (19900 / 10) * t * t)) +
      0.05 * sin(2 * Math.PI * 37.5 * t) * (t < 5 ? 1 : 0);
  }
  return x;
}

/** A deterministic stereo scene-like clip as 24-bit integers (tones, noise, a sweep). */
export function syntheticStereo24(seconds: number, seed: number, rateHz = 48000): Int32Array[] {
  const n = round(seconds * rateHz);
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296 - 0.5;
  };
  const f1 = 200 + (seed % 7) * 130;
  const l = new Int32Array(n);
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const tone = 0.3 * sin(2 * Math.PI * f1 * t) + 0.1 * sin(2 * Math.PI * 3 * f1 * t);
    const a = tone + 0.1 * rand();
    const b = 0.7 * tone + 0.1 * rand() + 0.05 * sin(2 * Math.PI * (500 + 800 * t) * t);
    l[i] = round(a * 8388607);
    r[i] = round(b * 8388607);
  }
  return [l, r];
}

export function writeStereo24(file: string, seconds: number, seed: number): void {
  fs.writeFileSync(
    file,
    wavBytes({ tag: 1, bits: 24, sampleRateHz: 48000, channels: syntheticStereo24(seconds, seed) }),
  );
}
