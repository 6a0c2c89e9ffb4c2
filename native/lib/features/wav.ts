import { WavError } from './errors';

/** Decoded audio: planar channels of float samples in [-1, 1] (integer encodings). */
export interface WavAudio {
  sampleRateHz: number;
  channels: number;
  /** Samples per channel. */
  frames: number;
  /** 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64', plus '-extensible'. */
  encoding: string;
  samples: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function tagName(tag: number): string {
  switch (tag) {
    case 6:
      return 'A-law';
    case 7:
      return 'mu-law';
    case 2:
      return 'MS ADPCM';
    case 0x11:
      return 'IMA ADPCM';
    default:
      return `format tag 0x${tag.toString(16).padStart(4, '0')}`;
  }
}

/**
 * Decodes a whole WAV file (the TypeScript twin of native/src/features/wav.cc: the same
 * encodings, chunk rules and error codes). `file` names the file in errors.
 */
export function decodeWav(bytes: Uint8Array, file: string): WavAudio {
  const fail = (code: WavError['code'], detail: string): never => {
    throw new WavError(file, code, detail);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  const size = bytes.length;
  if (size < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE')
    fail('not-riff-wave', 'not a RIFF/WAVE file');
  let fmtAt = -1;
  let fmtSize = 0;
  let dataAt = -1;
  let dataSize = 0;
  let dataDeclared = 0;
  let dataTruncated = false;
  let pos = 12;
  while (pos + 8 <= size) {
    const id = ascii(pos);
    const chunkSize = view.getUint32(pos + 4, true);
    const start = pos + 8;
    const fits = chunkSize <= size - start;
    if (id === 'fmt ') {
      if (!fits) fail('truncated', 'fmt chunk runs past the end of the file');
      fmtAt = start;
      fmtSize = chunkSize;
    } else if (id === 'data') {
      dataAt = start;
      dataDeclared = chunkSize;
      dataSize = fits ? chunkSize : size - start;
      dataTruncated = !fits;
    }
    if (!fits) break;
    pos = start + chunkSize + (chunkSize & 1);
  }
  if (fmtAt < 0) fail('not-riff-wave', 'no fmt chunk');
  if (dataAt < 0) fail('not-riff-wave', 'no data chunk');
  if (fmtSize < 16) fail('not-riff-wave', `fmt chunk is ${fmtSize} bytes, expected at least 16`);
  let tag = view.getUint16(fmtAt, true);
  const channels = view.getUint16(fmtAt + 2, true);
  const sampleRateHz = view.getUint32(fmtAt + 4, true);
  const blockAlign = view.getUint16(fmtAt + 12, true);
  const bits = view.getUint16(fmtAt + 14, true);
  const extensible = tag === FORMAT_EXTENSIBLE;
  if (extensible) {
    if (fmtSize < 40) {
      fail('not-riff-wave', `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${fmtSize} bytes, expected 40`);
    }
    tag = view.getUint16(fmtAt + 24, true);
  }
  if (dataTruncated) {
    fail('truncated', `data chunk declares ${dataDeclared} bytes but the file holds ${dataSize}`);
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    fail(
      'unsupported-encoding',
      `unsupported encoding ${tagName(tag)} (supported: PCM 16/24/32-bit, IEEE float 32/64-bit)`,
    );
  }
  const pcmOk = tag === FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32);
  const floatOk = tag === FORMAT_FLOAT && (bits === 32 || bits === 64);
  if (!pcmOk && !floatOk) {
    fail(
      'unsupported-encoding',
      `unsupported ${tag === FORMAT_PCM ? 'PCM' : 'IEEE float'} sample size ${bits} bits`,
    );
  }
  if (channels < 1 || channels > 2) {
    fail('unsupported-encoding', `${channels} channels (only mono and stereo are supported)`);
  }
  const width = bits / 8;
  if (blockAlign !== width * channels) {
    fail(
      'unsupported-encoding',
      `block align ${blockAlign} does not match ${channels} x ${bits}-bit samples`,
    );
  }
  if (sampleRateHz === 0 || sampleRateHz > 0x7fffffff) {
    fail('not-riff-wave', `sample rate ${sampleRateHz} Hz is not valid`);
  }
  if (dataSize % blockAlign !== 0) {
    fail(
      'truncated',
      `data chunk of ${dataSize} bytes is not a whole number of ${blockAlign}-byte frames`,
    );
  }
  const frames = dataSize / blockAlign;
  if (frames === 0) fail('empty', 'the data chunk holds no samples');

  const samples = Array.from({ length: channels }, () => new Float32Array(frames));
  let encoding: string;
  const read = (get: (at: number) => number): void => {
    for (let c = 0; c < channels; c++) {
      const out = samples[c];
      let at = dataAt + c * width;
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = get(at);
    }
  };
  if (tag === FORMAT_PCM && bits === 16) {
    encoding = 'pcm16';
    read((at) => view.getInt16(at, true) / 32768);
  } else if (tag === FORMAT_PCM && bits === 24) {
    encoding = 'pcm24';
    read(
      (at) => (((bytes[at] << 8) | (bytes[at + 1] << 16) | (bytes[at + 2] << 24)) >> 8) / 8388608,
    );
  } else if (tag === FORMAT_PCM) {
    encoding = 'pcm32';
    read((at) => view.getInt32(at, true) / 2147483648);
  } else if (bits === 32) {
    encoding = 'float32';
    read((at) => view.getFloat32(at, true));
  } else {
    encoding = 'float64';
    read((at) => view.getFloat64(at, true));
  }
  if (extensible) encoding += '-extensible';
  if (tag === FORMAT_FLOAT) {
    for (let c = 0; c < channels; c++) {
      const ch = samples[c];
      for (let i = 0; i < frames; i++) {
        if (!Number.isFinite(ch[i])) {
          fail(
            'non-finite',
            `sample ${i} of channel ${c} is ${Number.isNaN(ch[i]) ? 'NaN' : 'infinite'}`,
          );
        }
      }
    }
  }
  return { sampleRateHz, channels, frames, encoding, samples };
}
