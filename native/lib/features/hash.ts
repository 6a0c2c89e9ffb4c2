import * as zlib from 'zlib';

// Aliased: under Jest's vm contexts every `Math.x` lookup goes through an interceptor that
// made these hot loops many times slower.
const { imul } = Math;

// The cache's content hash and checksum, bit for bit as native/src/features/checksum.cc
// computes them, so the cache can be written and read without the addon.

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** MurmurHash3_x86_128 (Appleby's reference) of `data`; returns h1..h4 as uint32. */
export function murmur3x86_128(data: Uint8Array, seed = 0): [number, number, number, number] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  const blocks = Math.floor(len / 16);
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  for (let i = 0; i < blocks; i++) {
    const p = i * 16;
    let k1 = view.getUint32(p, true);
    let k2 = view.getUint32(p + 4, true);
    let k3 = view.getUint32(p + 8, true);
    let k4 = view.getUint32(p + 12, true);
    k1 = imul(rotl(imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = imul(rotl(imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = imul(rotl(imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = imul(rotl(imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const tail = blocks * 16;
  const rest = len & 15;
  const k = [0, 0, 0, 0];
  for (let i = 0; i < rest; i++) k[i >> 2] ^= data[tail + i] << (8 * (i & 3));
  if (rest > 12) h4 ^= imul(rotl(imul(k[3], C4), 18), C1);
  if (rest > 8) h3 ^= imul(rotl(imul(k[2], C3), 17), C4);
  if (rest > 4) h2 ^= imul(rotl(imul(k[1], C2), 16), C3);
  if (rest > 0) h1 ^= imul(rotl(imul(k[0], C1), 15), C2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** The cache's key for audio bytes: murmur3x86_128, seed 0, as 32 hex digits. */
export function contentHash(data: Uint8Array): string {
  return murmur3x86_128(data)
    .map((h) => h.toString(16).padStart(8, '0'))
    .join('');
}

// zlib.crc32 exists from Node 20.15 / 22.2; older Node uses this table.
let crcTable: Uint32Array | undefined;
function crc32Table(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const nodeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 with zlib's polynomial, as an unsigned number. */
export function crc32(data: Uint8Array): number {
  return nodeCrc32 ? nodeCrc32(data) >>> 0 : crc32Table(data);
}
