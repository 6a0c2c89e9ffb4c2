import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Aliased: Math lookups are slow inside Jest's vm contexts.
const { round, sin } = Math;

export { referenceSignal } from '@asc/native';

// WAV files written byte by byte for the feature tests, so the decoder is checked
// against the format itself, not against our own writer.

export interface WavSpec {
  /** 1 PCM, 3 IEEE float, or any other tag (6 A-law, ...) for the error cases. */
  tag: number;
  /** Bits per sample in the header (12 and 20 are stored in 16- and 24-bit containers). */
  bits: number;
  sampleRateHz: number;
  /**
   * Raw sample values per channel as stored: integers for PCM (8-bit ones unsigned, the
   * others signed container integers: a 12-bit sample 0x7ff is stored as 0x7ff0), floats
   * for IEEE float.
   */
  channels: ArrayLike<number>[];
  /** WAVE_FORMAT_EXTENSIBLE, with wValidBitsPerSample = validBits (default: bits). */
  extensible?: boolean;
  validBits?: number;
  /** Big-endian RIFX instead of RIFF. */
  bigEndian?: boolean;
  /** RF64: a ds64 chunk holds the sizes, the RIFF and data sizes are 0xFFFFFFFF. */
  rf64?: boolean;
  /** Put the data chunk before the fmt chunk. */
  dataFirst?: boolean;
  /** Chunks written before fmt (ids of 4 characters; odd sizes get their pad byte). */
  extraChunks?: { id: string; bytes: Uint8Array }[];
}

function chunk(id: string, body: Uint8Array, bigEndian = false, size = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  if (bigEndian) head.writeUInt32BE(size, 4);
  else head.writeUInt32LE(size, 4);
  const pad = body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([head, body, pad]);
}

export function wavBytes(spec: WavSpec): Buffer {
  const channels = spec.channels.length;
  const frames = channels ? spec.channels[0].length : 0;
  const width = Math.ceil(spec.bits / 8);
  const be = Boolean(spec.bigEndian);
  // Typed arrays rather than Buffer.writeXxx per sample: those calls are slow under Jest.
  const count = frames * channels;
  const data = Buffer.alloc(count * width);
  const interleaved = (i: number): number => spec.channels[i % channels][Math.floor(i / channels)];
  if (spec.tag === 3 && (spec.bits === 32 || spec.bits === 64)) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < count; i++) {
      if (spec.bits === 32) view.setFloat32(i * 4, interleaved(i), !be);
      else view.setFloat64(i * 8, interleaved(i), !be);
    }
  } else {
    const ints = new Int32Array(count);
    for (let i = 0; i < count; i++) ints[i] = interleaved(i);
    const bytes = new Uint8Array(ints.buffer);
    for (let i = 0; i < count; i++) {
      for (let b = 0; b < width; b++) data[i * width + (be ? width - 1 - b : b)] = bytes[i * 4 + b];
    }
  }
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  const u16 = (v: number, at: number): number =>
    be ? fmt.writeUInt16BE(v, at) : fmt.writeUInt16LE(v, at);
  const u32 = (v: number, at: number): number =>
    be ? fmt.writeUInt32BE(v, at) : fmt.writeUInt32LE(v, at);
  u16(spec.extensible ? 0xfffe : spec.tag, 0);
  u16(channels, 2);
  u32(spec.sampleRateHz, 4);
  u32(spec.sampleRateHz * channels * width, 8);
  u16(channels * width, 12);
  u16(spec.extensible ? 8 * width : spec.bits, 14);
  if (spec.extensible) {
    u16(22, 16);
    u16(spec.validBits ?? spec.bits, 18);
    u32(channels === 2 ? 3 : 4, 20);
    // KSDATAFORMAT_SUBTYPE_xxx: {0000tttt-0000-0010-8000-00aa00389b71}
    u16(spec.tag, 24);
    Buffer.from([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 26);
  }
  const extra = (spec.extraChunks ?? []).map((c) => chunk(c.id, c.bytes, be));
  const fmtChunk = chunk('fmt ', fmt, be);
  const dataChunk = chunk('data', data, be, spec.rf64 ? 0xffffffff : data.length);
  const body = spec.dataFirst ? [...extra, dataChunk, fmtChunk] : [...extra, fmtChunk, dataChunk];
  if (spec.rf64) {
    const ds64 = Buffer.alloc(28);
    body.unshift(chunk('ds64', ds64));
  }
  const riff = Buffer.alloc(12);
  riff.write(spec.rf64 ? 'RF64' : be ? 'RIFX' : 'RIFF', 0, 'latin1');
  riff.write('WAVE', 8, 'latin1');
  const all = Buffer.concat([riff, ...body]);
  if (spec.rf64) {
    all.writeUInt32LE(0xffffffff, 4);
    all.writeBigUInt64LE(BigInt(all.length - 8), 20);
    all.writeBigUInt64LE(BigInt(data.length), 28);
    all.writeBigUInt64LE(BigInt(frames), 36);
  } else if (be) {
    all.writeUInt32BE(all.length - 8, 4);
  } else {
    all.writeUInt32LE(all.length - 8, 4);
  }
  return all;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `asc-${prefix}-`));
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
