import * as fs from 'fs';
import { WavError } from './errors';

// Aliases of Math: global lookups inside a vm context (as under Jest) are ~100x slower.
const { floor, min, round } = Math;

/** What a WAV file's header says. */
export interface WavHeader {
  /** 'pcm': signed integers (8-bit unsigned); 'float': IEEE floats. */
  encoding: 'pcm' | 'float';
  sampleRateHz: number;
  bitsPerSample: number;
  channels: number;
  /** Sample frames (one sample per channel each). */
  frames: number;
  durationSeconds: number;
  /** Byte offset of the sample data in the file. */
  dataOffset: number;
  dataBytes: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const got = fs.readSync(fd, buffer, 0, length, offset);
  return buffer.subarray(0, got);
}

/** Parses the RIFF/WAVE header of `file`, walking chunks until 'fmt ' and 'data' are found. */
export function readWavHeader(file: string): WavHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new WavError(file, `cannot open (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const fileBytes = fs.fstatSync(fd).size;
    const riff = readAt(fd, 0, 12);
    if (
      riff.length < 12 ||
      riff.toString('latin1', 0, 4) !== 'RIFF' ||
      riff.toString('latin1', 8, 12) !== 'WAVE'
    ) {
      throw new WavError(file, 'not a RIFF/WAVE file');
    }
    let fmt: Buffer | undefined;
    let offset = 12;
    while (offset + 8 <= fileBytes) {
      const chunk = readAt(fd, offset, 8);
      const id = chunk.toString('latin1', 0, 4);
      const size = chunk.readUInt32LE(4);
      const body = offset + 8;
      if (id === 'fmt ') {
        if (size < 16)
          throw new WavError(file, `'fmt ' chunk is ${size} bytes, expected at least 16`);
        fmt = readAt(fd, body, min(size, 40));
      } else if (id === 'data') {
        if (!fmt) throw new WavError(file, "'data' chunk comes before the 'fmt ' chunk");
        return headerFrom(file, fmt, body, size, fileBytes);
      }
      offset = body + size + (size % 2);
    }
    throw new WavError(file, fmt ? "no 'data' chunk" : "no 'fmt ' chunk");
  } finally {
    fs.closeSync(fd);
  }
}

function headerFrom(
  file: string,
  fmt: Buffer,
  dataOffset: number,
  dataBytes: number,
  fileBytes: number,
): WavHeader {
  let format = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRateHz = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bitsPerSample = fmt.readUInt16LE(14);
  if (format === WAVE_FORMAT_EXTENSIBLE && fmt.length >= 26) format = fmt.readUInt16LE(24);
  if (format !== WAVE_FORMAT_PCM && format !== WAVE_FORMAT_IEEE_FLOAT) {
    throw new WavError(file, `unsupported sample format ${format} (only PCM and IEEE float)`);
  }
  const encoding = format === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  const validBits = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!validBits.includes(bitsPerSample)) {
    throw new WavError(file, `unsupported ${bitsPerSample}-bit ${encoding} samples`);
  }
  if (channels < 1 || sampleRateHz < 1) {
    throw new WavError(file, `invalid header: ${channels} channels at ${sampleRateHz} Hz`);
  }
  if (blockAlign !== (channels * bitsPerSample) / 8) {
    throw new WavError(
      file,
      `block align ${blockAlign} does not match ${channels} x ${bitsPerSample} bits`,
    );
  }
  if (dataOffset + dataBytes > fileBytes) {
    throw new WavError(
      file,
      `truncated: the data chunk claims ${dataBytes} bytes but only ${fileBytes - dataOffset} follow`,
    );
  }
  const frames = floor(dataBytes / blockAlign);
  return {
    encoding,
    sampleRateHz,
    bitsPerSample,
    channels,
    frames,
    durationSeconds: frames / sampleRateHz,
    dataOffset,
    dataBytes,
  };
}

/** A decoded WAV file: one Float32Array per channel, samples in [-1, 1). */
export interface WavAudio {
  header: WavHeader;
  channels: Float32Array[];
}

/** Decodes every sample of `file` to planar float32. */
export function readWav(file: string): WavAudio {
  const header = readWavHeader(file);
  const { channels: count, frames, bitsPerSample, encoding } = header;
  const data = fs
    .readFileSync(file)
    .subarray(header.dataOffset, header.dataOffset + header.dataBytes);
  const channels = Array.from({ length: count }, () => new Float32Array(frames));
  const bytes = bitsPerSample / 8;
  for (let c = 0; c < count; c++) {
    const out = channels[c];
    for (let i = 0, at = c * bytes; i < frames; i++, at += count * bytes) {
      out[i] = decodeSample(data, at, bitsPerSample, encoding);
    }
  }
  return { header, channels };
}

function decodeSample(data: Buffer, at: number, bits: number, encoding: 'pcm' | 'float'): number {
  if (encoding === 'float') return bits === 32 ? data.readFloatLE(at) : data.readDoubleLE(at);
  switch (bits) {
    case 8:
      return (data[at] - 128) / 128;
    case 16:
      return data.readInt16LE(at) / 32768;
    case 24:
      return data.readIntLE(at, 3) / 8388608;
    default:
      return data.readInt32LE(at) / 2147483648;
  }
}

/**
 * Encodes planar channels as a 24-bit PCM WAV file image. Samples are clamped to the
 * 24-bit range and rounded to nearest, so the bytes depend only on the input values.
 */
export function encodeWavPcm24(channels: readonly Float64Array[], sampleRateHz: number): Buffer {
  const count = channels.length;
  const frames = channels[0]?.length ?? 0;
  if (count < 1 || channels.some((c) => c.length !== frames)) {
    throw new RangeError('encodeWavPcm24 needs at least one channel, all of equal length');
  }
  const bytesPerSample = 3;
  const dataBytes = frames * count * bytesPerSample;
  const buffer = Buffer.alloc(44 + dataBytes);
  buffer.write('RIFF', 0, 'latin1');
  buffer.writeUInt32LE(36 + dataBytes, 4);
  buffer.write('WAVE', 8, 'latin1');
  buffer.write('fmt ', 12, 'latin1');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  buffer.writeUInt16LE(count, 22);
  buffer.writeUInt32LE(sampleRateHz, 24);
  buffer.writeUInt32LE(sampleRateHz * count * bytesPerSample, 28);
  buffer.writeUInt16LE(count * bytesPerSample, 32);
  buffer.writeUInt16LE(24, 34);
  buffer.write('data', 36, 'latin1');
  buffer.writeUInt32LE(dataBytes, 40);
  const full = 8388607;
  for (let c = 0; c < count; c++) {
    const samples = channels[c];
    for (let i = 0, at = 44 + c * bytesPerSample; i < frames; i++, at += count * bytesPerSample) {
      let v = round(samples[i] * full);
      if (v > full) v = full;
      else if (v < -full - 1) v = -full - 1;
      buffer[at] = v & 0xff;
      buffer[at + 1] = (v >> 8) & 0xff;
      buffer[at + 2] = (v >> 16) & 0xff;
    }
  }
  return buffer;
}
