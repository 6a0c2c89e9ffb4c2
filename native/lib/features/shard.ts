import { CorruptShardError } from './errors';
import { float32ToHalfBytes, halfToFloat32 } from './float16';
import { crc32 } from './hash';

/**
 * A shard holds the segments of one clip under one config (native/src/features/shard.cc
 * writes the same bytes). Little-endian, 64-byte header, then the payload:
 *
 *   0  "ASCSEG01"       8 bytes magic
 *   8  u32 header bytes (64)          12 u32 dtype (1 float32, 2 float16)
 *   16 u32 segments                   20 u32 frames per segment
 *   24 u32 bands                      28 u32 planes (2: mid, side)
 *   32 u32 source channels (1 or 2)   36 u32 valid frames before padding
 *   40 u32 CRC-32 of the payload      44 u32 flags (bit 0: the source was truncated)
 *   48 u64 payload bytes              56 u64 reserved (0)
 *   64 payload: segments x frames x bands x 2 values, NHWC
 */
export type ShardDtype = 'float32' | 'float16';

export const SHARD_HEADER_BYTES = 64;
const MAGIC = 'ASCSEG01';

export interface ShardHeader {
  dtype: ShardDtype;
  segments: number;
  segmentFrames: number;
  bands: number;
  channels: number;
  frames: number;
  checksum: number;
  /**
   * Made from what a truncated file held (built with allowTruncated); the flag word is 0
   * otherwise, so shards of complete files are those written before it existed.
   */
  sourceTruncated: boolean;
  payloadBytes: number;
}

const FLAG_SOURCE_TRUNCATED = 1;

/** The file name of the shard for an audio content hash. */
export function shardFileName(audioHash: string, dtype: ShardDtype): string {
  return `${audioHash}.${dtype === 'float16' ? 'f16' : 'f32'}.seg`;
}

/** Header + payload bytes of a shard. */
export function encodeShard(
  values: Float32Array,
  shape: [number, number, number, 2],
  channels: number,
  frames: number,
  dtype: ShardDtype,
  sourceTruncated = false,
): { bytes: Buffer; header: ShardHeader } {
  const payload =
    dtype === 'float16'
      ? float32ToHalfBytes(values)
      : new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const header: ShardHeader = {
    dtype,
    segments: shape[0],
    segmentFrames: shape[1],
    bands: shape[2],
    channels,
    frames,
    checksum: crc32(payload),
    sourceTruncated,
    payloadBytes: payload.length,
  };
  const bytes = Buffer.alloc(SHARD_HEADER_BYTES + payload.length);
  bytes.write(MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(SHARD_HEADER_BYTES, 8);
  bytes.writeUInt32LE(dtype === 'float16' ? 2 : 1, 12);
  bytes.writeUInt32LE(header.segments, 16);
  bytes.writeUInt32LE(header.segmentFrames, 20);
  bytes.writeUInt32LE(header.bands, 24);
  bytes.writeUInt32LE(2, 28);
  bytes.writeUInt32LE(channels, 32);
  bytes.writeUInt32LE(frames, 36);
  bytes.writeUInt32LE(header.checksum, 40);
  bytes.writeUInt32LE(sourceTruncated ? FLAG_SOURCE_TRUNCATED : 0, 44);
  bytes.writeBigUInt64LE(BigInt(payload.length), 48);
  bytes.set(payload, SHARD_HEADER_BYTES);
  return { bytes, header };
}

/**
 * Checks a shard's bytes (magic, header, sizes, checksum) and returns its header and
 * payload; throws CorruptShardError naming `shardPath` and `file`.
 */
export function parseShard(
  bytes: Uint8Array,
  shardPath: string,
  file: string,
): { header: ShardHeader; payload: Uint8Array } {
  const corrupt = (why: string): never => {
    throw new CorruptShardError(shardPath, file, why);
  };
  if (bytes.length < SHARD_HEADER_BYTES) corrupt(`${bytes.length} bytes, shorter than its header`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('latin1', 0, 8) !== MAGIC) corrupt('bad magic');
  const dtypeCode = buf.readUInt32LE(12);
  if (buf.readUInt32LE(8) !== SHARD_HEADER_BYTES || buf.readUInt32LE(28) !== 2) {
    corrupt('unknown header layout');
  }
  if (dtypeCode !== 1 && dtypeCode !== 2) corrupt(`unknown dtype code ${dtypeCode}`);
  const header: ShardHeader = {
    dtype: dtypeCode === 2 ? 'float16' : 'float32',
    segments: buf.readUInt32LE(16),
    segmentFrames: buf.readUInt32LE(20),
    bands: buf.readUInt32LE(24),
    channels: buf.readUInt32LE(32),
    frames: buf.readUInt32LE(36),
    checksum: buf.readUInt32LE(40),
    sourceTruncated: (buf.readUInt32LE(44) & FLAG_SOURCE_TRUNCATED) !== 0,
    payloadBytes: Number(buf.readBigUInt64LE(48)),
  };
  const width = header.dtype === 'float16' ? 2 : 4;
  const expected = header.segments * header.segmentFrames * header.bands * 2 * width;
  if (header.payloadBytes !== expected || bytes.length - SHARD_HEADER_BYTES !== expected) {
    corrupt(`payload is ${bytes.length - SHARD_HEADER_BYTES} bytes, header says ${expected}`);
  }
  const payload = bytes.subarray(SHARD_HEADER_BYTES);
  const actual = crc32(payload);
  if (actual !== header.checksum) {
    corrupt(`checksum ${actual.toString(16)} does not match ${header.checksum.toString(16)}`);
  }
  return { header, payload };
}

/** The payload as float32 values (a copy, so the result is aligned and owned). */
export function decodePayload(header: ShardHeader, payload: Uint8Array): Float32Array {
  const count = header.payloadBytes / (header.dtype === 'float16' ? 2 : 4);
  if (header.dtype === 'float16') return halfToFloat32(payload, count);
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(payload);
  return out;
}
