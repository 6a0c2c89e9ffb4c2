import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeWavPcm24 } from '@asc/datasets';
import { addonRequired } from '../../native/test/addon-required';
import { runAsc } from './helpers';

// `asc audio info` end to end: soxi's facts per file, named errors, exit codes.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-audio-cli-'));
const write = (name: string, bytes: Buffer): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};
const tone = Float64Array.from({ length: 22050 }, (_, k) => 0.3 * Math.sin(k / 7));
const stereo = write('stereo.wav', encodeWavPcm24([tone, tone], 44100));
const mono = write('mono.wav', encodeWavPcm24([tone.subarray(0, 4800)], 48000));
const full = encodeWavPcm24([tone, tone], 48000);
const cut = write('cut.wav', full.subarray(0, 30044));
const junk = write('junk.wav', Buffer.from('no audio here, only words'));
const rf64 = Buffer.from(full);
rf64.write('RF64', 0, 'latin1');
const rf64File = write('rf64.wav', rf64);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('asc audio info', () => {
  it('prints format, rate, channels, frames and duration of each file; exit 0', () => {
    const r = runAsc(['audio', 'info', stereo, mono]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `${stereo}: wav/pcm24 (WAV (Microsoft), Signed 24 bit PCM), 44100 Hz, 2 channels, 22050 frames, 0.500 s`,
    );
    expect(r.stdout).toContain(`${mono}: wav/pcm24`);
    expect(r.stdout).toContain('48000 Hz, 1 channel, 4800 frames, 0.100 s');
  });

  it('--json: one entry per file, a named error for what cannot be read; exit 1', () => {
    const missing = path.join(dir, 'missing.wav');
    const r = runAsc(['audio', 'info', stereo, junk, cut, missing, '--json']);
    expect(r.status).toBe(1);
    const out = r.json() as { files: Record<string, unknown>[]; error: string };
    expect(out.files).toEqual([
      {
        file: stereo,
        format: 'wav/pcm24',
        description: 'WAV (Microsoft), Signed 24 bit PCM',
        sampleRateHz: 44100,
        channels: 2,
        frames: 22050,
        seconds: 0.5,
      },
      { file: junk, error: expect.any(String), code: 'unrecognised-format' },
      expect.objectContaining({
        file: cut,
        frames: 5000,
        truncated: true,
        truncation: 'the data chunk declares 132300 bytes but the file holds 30000',
      }),
      { file: missing, error: expect.stringContaining('cannot open'), code: 'io' },
    ]);
    expect(out.error).toBe('2 of 4 files could not be read');
    expect(r.stderr).toContain(`${junk}: error (unrecognised-format)`);
  });

  it('reads RF64 with the addon; without it, says the addon is needed', () => {
    const js = runAsc(['audio', 'info', rf64File, '--backend', 'js', '--json']);
    expect(js.status).toBe(1);
    expect(js.json().files).toEqual([
      {
        file: rf64File,
        error: expect.stringMatching(/RF64 needs the native addon/),
        code: 'needs-addon',
      },
    ]);
    if (!addonRequired('asc audio info, libsndfile reader')) return;
    // A RIFF file relabelled RF64 without a ds64 chunk: libsndfile still reads it.
    const native = runAsc(['audio', 'info', rf64File, '--json']);
    expect(native.json().files).toEqual([
      expect.objectContaining({ format: 'rf64/pcm24', frames: 22050 }),
    ]);
  });

  it('exits 2 without files', () => {
    expect(runAsc(['audio', 'info']).status).toBe(2);
  });
});
