import * as fs from 'fs';
import * as path from 'path';
import { buildFeatureCache, contentHash, crc32, murmur3x86_128 } from '@asc/native';
import { tempDir, writeStereo24 } from './features-helpers';
import { addonRequired } from './addon-required';

// The content hash and checksum against published values, and the native and
// TypeScript writers against each other (same keys, same shard bytes).

describe('MurmurHash3_x86_128', () => {
  it("passes SMHasher's verification value 0xB3ECE62A", () => {
    // SMHasher VerificationTest: hash keys {0}, {0,1}, ... {0..254} with seed 256 - i,
    // hash the concatenated hashes with seed 0, take the first 32 bits.
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(256 * 16);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      murmur3x86_128(key.subarray(0, i), 256 - i).forEach((h, j) =>
        view.setUint32(i * 16 + j * 4, h, true),
      );
    }
    expect(murmur3x86_128(hashes, 0)[0]).toBe(0xb3ece62a);
  });

  it('gives 32 hex digits that change with any byte', () => {
    const a = contentHash(Buffer.from('hello world, this is longer than 16 bytes'));
    const b = contentHash(Buffer.from('hello world, this is longer than 16 byteS'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});

it('CRC-32 gives the standard check value', () => {
  expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
});

const native = addonRequired('features-hash.test, the native/TS comparison');

(native ? it : it.skip)(
  'native and TypeScript builds name shards by the same content hash and reuse each other',
  async () => {
    const root = tempDir('hash-data');
    const clips = [0, 1].map((i) => {
      const p = path.join(root, `c${i}.wav`);
      writeStereo24(p, 1, i + 5);
      return { file: `c${i}.wav`, path: p };
    });
    const jsDir = tempDir('hash-js');
    const nativeDir = tempDir('hash-native');
    const js = await buildFeatureCache({ clips, cacheDir: jsDir, backend: 'js' });
    const nat = await buildFeatureCache({ clips, cacheDir: nativeDir, backend: 'native' });
    expect([js.extracted, nat.extracted]).toEqual([2, 2]);
    const names = (dir: string): string[] =>
      fs.readdirSync(path.join(dir, js.configHash, 'shards')).sort();
    expect(names(jsDir)).toEqual(names(nativeDir));
    // The native build accepts the TypeScript build's shards as they are.
    const reuse = await buildFeatureCache({ clips, cacheDir: jsDir, backend: 'native' });
    expect(reuse.reused).toBe(2);
    // Headers are identical; payloads differ only by float rounding between backends.
    const shard = names(jsDir)[0];
    const a = fs.readFileSync(path.join(jsDir, js.configHash, 'shards', shard));
    const b = fs.readFileSync(path.join(nativeDir, js.configHash, 'shards', shard));
    expect(a.subarray(0, 40)).toEqual(b.subarray(0, 40));
  },
);
