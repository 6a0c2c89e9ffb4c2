import { computeSegmentsJs, resolveFeatureConfig, type AudioPlanes } from '@asc/native/browser';
import { LiveFeatures } from '../page/live-features';

// The microphone's streaming pipeline against the clip pipeline on the same samples.

const config = resolveFeatureConfig({});
const RATE = config.sampleRateHz;

/** Seeded noise, louder during [loudFrom, loudTo) seconds, per channel. */
function noise(seconds: number, seed: number, loudFrom: number, loudTo: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const t = i / RATE;
    const gain = t >= loudFrom && t < loudTo ? 0.8 : 0.05;
    out[i] = gain * (s / 2 ** 32 - 0.5) + 0.03 * Math.sin((2 * Math.PI * 440 * i) / RATE);
  }
  return out;
}

function stereo(seconds: number, loudFrom: number, loudTo: number): AudioPlanes {
  const samples = [noise(seconds, 1, loudFrom, loudTo), noise(seconds, 2, loudFrom, loudTo)];
  return {
    sampleRateHz: RATE,
    channels: 2,
    frames: samples[0].length,
    samples,
  };
}

/** Pushes `audio` in blocks of the given sizes (cycled); returns the emitted segments. */
function stream(
  audio: AudioPlanes,
  sizes: number[],
): { segments: Float32Array[]; live: LiveFeatures } {
  const live = new LiveFeatures(config, undefined, 2, audio.frames);
  const segments: Float32Array[] = [];
  for (let at = 0, k = 0; at < audio.frames; k++) {
    const n = Math.min(sizes[k % sizes.length], audio.frames - at);
    segments.push(...live.push(audio.samples.map((c) => c.subarray(at, at + n))).segments);
    at += n;
  }
  return { segments, live };
}

describe('LiveFeatures (the microphone path)', () => {
  // The loudest part first: from the first segment on, the running peak is the clip's.
  const audio = stereo(3, 0, 0.5);
  const clip = computeSegmentsJs(audio, config, 'clip');
  const size = config.segmentFrames * 128 * 2;

  it.each([
    ['render quanta', [128]],
    ['the worklet blocks', [2048]],
    ['uneven blocks', [1, 999, 4097, 37, 20000]],
  ])('emits the clip pipeline segments bit for bit, whatever the blocks (%s)', (_, sizes) => {
    const { segments, live } = stream(audio, sizes);
    // Frames whose window lies inside the audio: 1 + floor((n + 1024 - 1024) / 480).
    const available = 1 + Math.floor((audio.frames - (424 + 1200 - 1024)) / 480);
    expect(segments).toHaveLength(Math.floor(available / 128));
    segments.forEach((s, i) => {
      expect(s).toEqual(clip.segments.subarray(i * size, (i + 1) * size));
    });
    const recording = live.recording();
    expect(recording.frames).toBe(audio.frames);
    expect(recording.samples[1]).toEqual(audio.samples[1]);
    live.dispose();
  });

  it('takes the dB floor from the frames so far: a later, louder sound changes only later floors', () => {
    const late = stereo(3, 2.0, 2.4);
    const whole = computeSegmentsJs(late, config, 'late');
    const { segments, live } = stream(late, [2048]);
    live.dispose();
    // Segment 1 (1.28-2.56 s) holds the loud part: from it on the floors agree.
    for (let i = 1; i < segments.length; i++) {
      expect(segments[i]).toEqual(whole.segments.subarray(i * size, (i + 1) * size));
    }
    // Segment 0 saw only quiet frames: its floor is lower, so its mid plane keeps
    // quieter cells (and is nowhere louder).
    const first = whole.segments.subarray(0, size);
    let lower = 0;
    for (let i = 0; i < size; i += 2) {
      expect(segments[0][i]).toBeLessThanOrEqual(first[i] + 1e-4);
      if (segments[0][i] < first[i] - 1) lower++;
    }
    expect(lower).toBeGreaterThan(0);
  });
});
