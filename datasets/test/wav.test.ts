import * as fs from 'fs';
import * as path from 'path';
import { encodeWavPcm24 } from '@asc/datasets';
import { decodeAudioFile } from '@asc/native';
import { addonRequired } from '../../native/test/addon-required';
import { removeTempDirs, tempDir } from './tiny-fixture';

afterAll(removeTempDirs);

describe('24-bit WAV writing', () => {
  const left = Float64Array.from([0, 0.5, -1, 1.5, -0.25]);
  const right = Float64Array.from([1, -0.5, 0.25, -2, 1 / 8388607]);
  const image = encodeWavPcm24([left, right], 48000);

  it('writes the canonical 44-byte header', () => {
    expect(image.length).toBe(44 + 5 * 2 * 3);
    expect(image.toString('latin1', 0, 4)).toBe('RIFF');
    expect(image.readUInt32LE(4)).toBe(36 + 30);
    expect(image.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(image.readUInt16LE(20)).toBe(1); // PCM
    expect(image.readUInt16LE(22)).toBe(2);
    expect(image.readUInt32LE(24)).toBe(48000);
    expect(image.readUInt32LE(28)).toBe(48000 * 6);
    expect(image.readUInt16LE(32)).toBe(6);
    expect(image.readUInt16LE(34)).toBe(24);
    expect(image.toString('latin1', 36, 40)).toBe('data');
    expect(image.readUInt32LE(40)).toBe(30);
  });

  it('interleaves little-endian 24-bit samples, rounded and clamped (hand-computed bytes)', () => {
    const bytes = [...image.subarray(44)];
    // frame 0: L 0 -> 000000, R 1 -> 7fffff
    expect(bytes.slice(0, 6)).toEqual([0x00, 0x00, 0x00, 0xff, 0xff, 0x7f]);
    // frame 1: L 0.5 -> round(4194303.5) = 4194304 = 0x400000; R -0.5 -> Math.round(-4194303.5) = -4194303 = 0xc00001 (ties round up)
    expect(bytes.slice(6, 12)).toEqual([0x00, 0x00, 0x40, 0x01, 0x00, 0xc0]);
    // frame 2: L -1 -> -8388607 = 0x800001; R 0.25 -> round(2097151.75) = 0x200000
    expect(bytes.slice(12, 18)).toEqual([0x01, 0x00, 0x80, 0x00, 0x00, 0x20]);
    // frame 3: L 1.5 clamps to 0x7fffff; R -2 clamps to -8388608 = 0x800000
    expect(bytes.slice(18, 24)).toEqual([0xff, 0xff, 0x7f, 0x00, 0x00, 0x80]);
    // frame 4: L -0.25 -> round(-2097151.75) = -2097152 = 0xe00000; R one step -> 000001
    expect(bytes.slice(24, 30)).toEqual([0x00, 0x00, 0xe0, 0x01, 0x00, 0x00]);
  });

  it.each(addonRequired('datasets wav.test, libsndfile reader') ? ['js', 'native'] : ['js'])(
    'is read back by the %s decoder: header and samples',
    async (backend) => {
      const file = path.join(tempDir('wav'), 'a.wav');
      fs.writeFileSync(file, image);
      const audio = await decodeAudioFile(file, { backend: backend as 'js' | 'native' });
      expect(audio.source).toMatchObject({
        format: 'wav/pcm24',
        sampleRateHz: 48000,
        channels: 2,
        frames: 5,
        truncated: false,
      });
      const full = 8388608;
      expect([...audio.samples[0]]).toEqual(
        [0, 4194304 / full, -8388607 / full, 8388607 / full, -2097152 / full].map(Math.fround),
      );
      expect([...audio.samples[1]]).toEqual(
        [8388607 / full, -4194303 / full, 2097152 / full, -1, 1 / full].map(Math.fround),
      );
    },
  );
});
