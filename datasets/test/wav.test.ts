import * as fs from 'fs';
import * as path from 'path';
import { encodeWavPcm24, readWav, readWavHeader, WavError } from '@asc/datasets';
import { removeTempDirs, tempDir } from './tiny-fixture';

afterAll(removeTempDirs);

describe('24-bit WAV writing and reading', () => {
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

  it('reads back the header and the samples', () => {
    const file = path.join(tempDir('wav'), 'a.wav');
    fs.writeFileSync(file, image);
    const header = readWavHeader(file);
    expect(header).toEqual({
      encoding: 'pcm',
      sampleRateHz: 48000,
      bitsPerSample: 24,
      channels: 2,
      frames: 5,
      durationSeconds: 5 / 48000,
      dataOffset: 44,
      dataBytes: 30,
    });
    const audio = readWav(file);
    const full = 8388608;
    expect([...audio.channels[0]]).toEqual(
      [0, 4194304 / full, -8388607 / full, 8388607 / full, -2097152 / full].map(Math.fround),
    );
    expect([...audio.channels[1]]).toEqual(
      [8388607 / full, -4194303 / full, 2097152 / full, -1, 1 / full].map(Math.fround),
    );
  });

  it('skips unknown chunks before the data and reads 16-bit mono', () => {
    const dir = tempDir('wav');
    // A hand-built mono 16-bit file at 16 kHz with a LIST chunk between fmt and data.
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(1, 8);
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(16000, 12);
    fmt.writeUInt32LE(32000, 16);
    fmt.writeUInt16LE(2, 20);
    fmt.writeUInt16LE(16, 22);
    const list = Buffer.concat([
      Buffer.from('LIST', 'latin1'),
      Buffer.from([3, 0, 0, 0, 1, 2, 3, 0]),
    ]);
    const data = Buffer.alloc(8 + 4);
    data.write('data', 0, 'latin1');
    data.writeUInt32LE(4, 4);
    data.writeInt16LE(16384, 8);
    data.writeInt16LE(-32768, 10);
    const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, list, data]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0, 'latin1');
    riff.writeUInt32LE(body.length, 4);
    const file = path.join(dir, 'list.wav');
    fs.writeFileSync(file, Buffer.concat([riff, body]));
    const audio = readWav(file);
    expect(audio.header).toMatchObject({
      sampleRateHz: 16000,
      bitsPerSample: 16,
      channels: 1,
      frames: 2,
    });
    expect(audio.header.dataOffset).toBe(12 + 24 + 12 + 8);
    expect([...audio.channels[0]]).toEqual([0.5, -1]);
  });

  it('names the file and the problem for bad input', () => {
    const dir = tempDir('wav');
    const write = (name: string, bytes: Buffer): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      return file;
    };
    const missing = path.join(dir, 'absent.wav');
    expect(() => readWavHeader(missing)).toThrow(new WavError(missing, 'cannot open (ENOENT)'));
    const empty = write('empty.wav', Buffer.alloc(0));
    expect(() => readWavHeader(empty)).toThrow(`${empty}: not a RIFF/WAVE file`);
    const truncated = write('truncated.wav', image.subarray(0, 50));
    expect(() => readWavHeader(truncated)).toThrow(
      `${truncated}: truncated: the data chunk claims 30 bytes but only 6 follow`,
    );
    const adpcm = Buffer.from(image);
    adpcm.writeUInt16LE(2, 20);
    const adpcmFile = write('adpcm.wav', adpcm);
    expect(() => readWavHeader(adpcmFile)).toThrow(`${adpcmFile}: unsupported sample format 2`);
    const noData = write('nodata.wav', image.subarray(0, 36));
    expect(() => readWavHeader(noData)).toThrow(`${noData}: no 'data' chunk`);
    try {
      readWavHeader(noData);
    } catch (err) {
      expect(err).toBeInstanceOf(WavError);
      expect((err as WavError).file).toBe(noData);
    }
  });
});
