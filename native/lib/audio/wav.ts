import { AudioError, AudioNeedsAddonError } from './errors';
import { DEFAULT_CHANNELS, type AudioSource, type DecodedAudio, type DecodeOptions } from './types';

/**
 * The one WAV decoder that needs no addon (the addon reads WAV, and every other format,
 * with libsndfile). It reads what libsndfile reads from a little-endian RIFF/WAVE file
 * with PCM (8-bit unsigned, 16/24/32-bit signed, any valid bit depth in those
 * containers) or IEEE float (32/64-bit) samples, WAVE_FORMAT_EXTENSIBLE included, and
 * gives the same samples, source fields and truncation rule. Everything else gets an
 * AudioNeedsAddonError saying what it is: RIFX, RF64/BW64, Wave64, AIFF, FLAC, Ogg
 * (Vorbis, Opus), MP3, CAF, AU, and WAV encodings such as A-law, mu-law and ADPCM.
 */

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Uint8Array;

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
// KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag, then this GUID tail.
const SUBTYPE_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
const W64_RIFF_GUID = [
  0x72, 0x69, 0x66, 0x66, 0x2e, 0x91, 0xcf, 0x11, 0xa5, 0xd6, 0x28, 0xdb, 0x04, 0xc1, 0x00, 0x00,
];
// Chunks a header walk looks at before giving up (real files have a handful).
const MAX_CHUNKS = 4096;
// libsndfile's limit.
const MAX_CHANNELS = 1024;

const WAV_TAG_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'mu-law',
  0x11: 'IMA ADPCM',
  0x31: 'GSM 6.10',
  0x55: 'MPEG Layer III',
};

const ENCODING_NAMES: Record<string, string> = {
  'pcm-u8': 'Unsigned 8 bit PCM',
  pcm16: 'Signed 16 bit PCM',
  pcm24: 'Signed 24 bit PCM',
  pcm32: 'Signed 32 bit PCM',
  float32: '32 bit float',
  float64: '64 bit float',
};

/** The header of a WAV file as the decoder needs it. */
interface WavLayout {
  source: AudioSource;
  float: boolean;
  /** Bytes per sample in the container. */
  width: number;
  dataOffset: number;
  /** Whole frames of data the file holds. */
  frames: number;
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** What a file that is not a plain RIFF/WAVE file looks like, for the error. */
function otherFormat(head: Uint8Array): string | undefined {
  const id = head.length >= 4 ? ascii(head, 0) : '';
  const form = head.length >= 12 ? ascii(head, 8) : '';
  if (id === 'RIFX' && form === 'WAVE') return 'big-endian WAV (RIFX)';
  if ((id === 'RF64' || id === 'BW64') && form === 'WAVE') return id;
  if (id === 'FORM' && (form === 'AIFF' || form === 'AIFC')) return form;
  if (startsWith(head, W64_RIFF_GUID)) return 'Wave64';
  if (id === 'fLaC') return 'FLAC';
  if (id === 'OggS') return 'Ogg (Vorbis, Opus, FLAC)';
  if (id === 'caff') return 'CAF';
  if (id === '.snd') return 'AU';
  if (id.startsWith('ID3') || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0))
    return 'MPEG audio (MP3)';
  return undefined;
}

/** Reads and checks the header of a WAV file of `fileBytes` bytes; throws AudioError. */
function readLayout(read: ByteReader, fileBytes: number, file: string): WavLayout {
  const fail = (code: AudioError['code'], detail: string): never => {
    throw new AudioError(file, code, detail);
  };
  const head = read(0, 16);
  if (head.length < 12 || ascii(head, 0) !== 'RIFF' || ascii(head, 8) !== 'WAVE') {
    const other = otherFormat(head);
    if (other) throw new AudioNeedsAddonError(file, other);
    fail('unrecognised-format', 'not a WAV file, and without the native addon only WAV is read');
  }
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const riffBytes = view(head).getUint32(4, true);
  let fmt: Uint8Array | undefined;
  let pos = 12;
  for (let i = 0; i < MAX_CHUNKS && pos + 8 <= fileBytes; i++) {
    const chunk = read(pos, 8);
    if (chunk.length < 8) break;
    const id = ascii(chunk, 0);
    const size = view(chunk).getUint32(4, true);
    // Where libsndfile stops walking (and then finds no data): a chunk id that is not
    // printable ASCII, a chunk before the data that is longer than the file.
    if (!/^[\x20-\x7e]{4}$/.test(id)) {
      fail('malformed', `unreadable chunk id at byte ${pos} before the 'data' chunk`);
    }
    if (id !== 'data' && size >= fileBytes) {
      fail(
        'malformed',
        `the '${id}' chunk at byte ${pos} declares ${size} bytes, more than the file`,
      );
    }
    if (id === 'fmt ') {
      if (size < 16) fail('malformed', `the 'fmt ' chunk is ${size} bytes, shorter than 16`);
      fmt = read(pos + 8, Math.min(size, 40));
    } else if (id === 'data') {
      if (!fmt) fail('malformed', "the 'data' chunk comes before the 'fmt ' chunk");
      return layoutOf(fmt as Uint8Array, pos + 8, size, riffBytes, fileBytes, file);
    }
    pos += 8 + size + (size & 1);
  }
  return fail('malformed', fmt ? "no 'data' chunk" : "no 'fmt ' chunk");
}

function layoutOf(
  fmt: Uint8Array,
  dataOffset: number,
  declared: number,
  riffBytes: number,
  fileBytes: number,
  file: string,
): WavLayout {
  const fail = (code: AudioError['code'], detail: string): never => {
    throw new AudioError(file, code, detail);
  };
  const v = new DataView(fmt.buffer, fmt.byteOffset, fmt.byteLength);
  let tag = v.getUint16(0, true);
  const channels = v.getUint16(2, true);
  const sampleRateHz = v.getUint32(4, true);
  const bits = v.getUint16(14, true);
  const extensible = tag === FORMAT_EXTENSIBLE;
  if (extensible) {
    if (fmt.length < 40) {
      fail('malformed', `WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of ${fmt.length} bytes, expected 40`);
    }
    tag = v.getUint16(24, true);
    if (!startsWith(fmt.subarray(26, 40), SUBTYPE_GUID_TAIL)) {
      throw new AudioNeedsAddonError(
        file,
        'a WAVE_FORMAT_EXTENSIBLE sub-format other than PCM or float',
      );
    }
  }
  if (channels < 1 || channels > MAX_CHANNELS) {
    fail('malformed', `the header says ${channels} channels`);
  }
  if (sampleRateHz < 1 || sampleRateHz > 0x7fffffff) {
    fail('malformed', `the header says ${sampleRateHz} Hz`);
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    const name = WAV_TAG_NAMES[tag] ?? `format tag 0x${tag.toString(16).padStart(4, '0')}`;
    throw new AudioNeedsAddonError(file, `${name} WAV`);
  }
  // libsndfile reads a sample depth in the next whole byte (12-bit in 16, 20-bit in 24).
  const width = Math.ceil(bits / 8);
  const float = tag === FORMAT_FLOAT;
  if (float ? bits !== 32 && bits !== 64 : bits < 1 || bits > 32) {
    fail('unsupported-encoding', `${bits}-bit ${float ? 'IEEE float' : 'PCM'} samples`);
  }
  const encoding = float ? `float${bits}` : width === 1 ? 'pcm-u8' : `pcm${8 * width}`;
  const container = extensible ? 'wavex' : 'wav';
  // As libsndfile: an open length (0xFFFFFFFF, or 0 from a writer that never closed the
  // file) means the rest of the file; a longer one that does not fit is truncation.
  const rest = Math.max(0, fileBytes - dataOffset);
  const open = declared === 0xffffffff || (declared === 0 && riffBytes === 8);
  const truncated = !open && declared > rest;
  const held = open ? rest : Math.min(declared, rest);
  const source: AudioSource = {
    container,
    encoding,
    format: `${container}/${encoding}`,
    description: `${extensible ? 'WAVEX' : 'WAV'} (Microsoft), ${ENCODING_NAMES[encoding]}`,
    sampleRateHz,
    channels,
    frames: Math.floor(held / (width * channels)),
    truncated,
    ...(truncated
      ? { truncation: `the data chunk declares ${declared} bytes but the file holds ${rest}` }
      : {}),
  };
  return { source, float, width, dataOffset, frames: source.frames };
}

/** The header of a WAV file held in memory; throws AudioError naming `file`. */
export function readWavSource(bytes: Uint8Array, file: string): AudioSource {
  return readLayout(memoryReader(bytes), bytes.length, file).source;
}

/** The header of a WAV file read through `read`; throws AudioError naming `file`. */
export function readWavSourceFrom(read: ByteReader, fileBytes: number, file: string): AudioSource {
  return readLayout(read, fileBytes, file).source;
}

function memoryReader(bytes: Uint8Array): ByteReader {
  return (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length));
}

/** The 1-based channels that become planes; throws AudioError('channels'). */
export function channelsToUse(
  sourceChannels: number,
  pick: readonly number[],
  file: string,
): number[] {
  if (sourceChannels <= 2) return Array.from({ length: sourceChannels }, (_, c) => c + 1);
  for (const c of pick) {
    if (!Number.isInteger(c) || c < 1 || c > sourceChannels) {
      throw new AudioError(
        file,
        'channels',
        `the file has ${sourceChannels} channels; channel ${c} was asked for (--channels)`,
      );
    }
  }
  return [...pick];
}

/**
 * Decodes a whole WAV file held in memory at its own sample rate. Throws AudioError
 * naming `file` (AudioNeedsAddonError for what only the addon reads).
 */
export function decodeWav(
  bytes: Uint8Array,
  file: string,
  options: DecodeOptions = {},
): DecodedAudio {
  const layout = readLayout(memoryReader(bytes), bytes.length, file);
  const { source, width, float, dataOffset, frames } = layout;
  const channelsUsed = channelsToUse(source.channels, options.channels ?? DEFAULT_CHANNELS, file);
  if (source.truncated && !options.allowTruncated) {
    throw new AudioError(
      file,
      'truncated',
      `${source.truncation} (--allow-truncated keeps what is there)`,
    );
  }
  if (frames === 0) throw new AudioError(file, 'empty', 'the file holds no samples');
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + dataOffset,
    frames * width * source.channels,
  );
  const stride = width * source.channels;
  const get = sampleReader(view, width, float);
  const samples = channelsUsed.map((channel) => {
    const plane = new Float32Array(frames);
    for (let i = 0, at = (channel - 1) * width; i < frames; i++, at += stride) plane[i] = get(at);
    return plane;
  });
  if (float) {
    samples.forEach((plane, c) => {
      for (let i = 0; i < frames; i++) {
        if (!Number.isFinite(plane[i])) {
          throw new AudioError(
            file,
            'non-finite',
            `sample ${i} of channel ${channelsUsed[c]} is ${Number.isNaN(plane[i]) ? 'NaN' : 'infinite'}`,
          );
        }
      }
    });
  }
  return {
    source,
    sampleRateHz: source.sampleRateHz,
    channels: samples.length,
    frames,
    samples,
    channelsUsed,
    truncated: source.truncated,
  };
}

// Little-endian samples scaled as libsndfile scales them to float.
function sampleReader(view: DataView, width: number, float: boolean): (at: number) => number {
  if (float)
    return width === 4 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (width) {
    case 1:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 2:
      return (at) => view.getInt16(at, true) / 32768;
    case 3:
      return (at) =>
        (((view.getUint8(at) << 8) |
          (view.getUint8(at + 1) << 16) |
          (view.getUint8(at + 2) << 24)) >>
          8) /
        8388608;
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}
