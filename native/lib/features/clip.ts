import { decodeAudioFile } from '../audio/read';
import { resolveFeatureBackend, type FeatureBackend } from './backend';
import { nativeFeatures } from './addon-features';
import { AudioError } from '../audio/errors';
import { resolveFeatureConfig, type FeatureConfig } from './config';
import type { AudioSource } from '../audio/types';
import { computeSegmentsJs, type ClipSegments } from './scalogram-js';

/** A file's segments and what the file was. */
export interface ClipFeatures extends ClipSegments {
  source: AudioSource;
  /** The 1-based source channels used. */
  channelsUsed: number[];
  /** The file was truncated and what it held was used (allowTruncated). */
  truncated: boolean;
}

/**
 * The segments of one audio file, NHWC (segments x frames x bands x 2; plane 0 = mid,
 * plane 1 = side), before normalisation. With the addon any format libsndfile reads, at
 * any rate (resampled to the config's); without it, WAV at the config's rate. Throws
 * AudioError naming the file.
 */
export async function computeClipFeatures(
  audioPath: string,
  config: Partial<FeatureConfig> = {},
  options: { backend?: FeatureBackend; allowTruncated?: boolean } = {},
): Promise<ClipFeatures> {
  const resolved = resolveFeatureConfig(config);
  const backend = resolveFeatureBackend(options.backend);
  if (backend === 'native') {
    try {
      const r = await nativeFeatures().computeClip(audioPath, resolved, {
        allowTruncated: Boolean(options.allowTruncated),
      });
      return {
        segments: r.segments,
        shape: [r.count, r.segmentFrames, r.bands, 2],
        frames: r.frames,
        channels: r.channels,
        source: r.source,
        channelsUsed: r.channelsUsed,
        truncated: r.truncated,
      };
    } catch (err) {
      throw AudioError.fromAddon(audioPath, err);
    }
  }
  const audio = await decodeAudioFile(audioPath, {
    backend,
    sampleRateHz: resolved.sampleRateHz,
    channels: resolved.channels,
    allowTruncated: options.allowTruncated,
  });
  return {
    ...computeSegmentsJs(audio, resolved, audioPath),
    source: audio.source,
    channelsUsed: audio.channelsUsed,
    truncated: audio.truncated,
  };
}
