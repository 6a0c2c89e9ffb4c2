// The synthetic generator's WAV writer. Reading audio, WAV included, is @asc/native's
// (its libsndfile reader, or its one TypeScript WAV decoder without the addon).

// Aliases of Math: global lookups inside a vm context (as under Jest) are ~100x slower.
const { round } = Math;

const WAVE_FORMAT_PCM = 1;

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
