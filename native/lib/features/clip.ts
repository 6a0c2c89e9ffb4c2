import * as fs from 'fs';
import { resolveFeatureBackend, type FeatureBackend } from './backend';
import { nativeFeatures } from './addon-features';
import { resolveFeatureConfig, type FeatureConfig } from './config';
import { WavError } from './errors';
import { computeSegmentsJs, type ClipSegments } from './scalogram-js';
import { decodeWav } from './wav';

export type { ClipSegments };

/**
 * The segments of one WAV file, NHWC (segments x frames x bands x 2; plane 0 = mid,
 * plane 1 = side), before normalisation. Throws WavError naming the file.
 */
export async function computeClipFeatures(
  wavPath: string,
  config: Partial<FeatureConfig> = {},
  options: { backend?: FeatureBackend } = {},
): Promise<ClipSegments> {
  const resolved = resolveFeatureConfig(config);
  if (resolveFeatureBackend(options.backend) === 'native') {
    try {
      const r = await nativeFeatures().computeClip(wavPath, resolved);
      return {
        segments: r.segments,
        shape: [r.count, r.segmentFrames, r.bands, 2],
        frames: r.frames,
        channels: r.channels,
      };
    } catch (err) {
      throw WavError.fromAddon(wavPath, err);
    }
  }
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(wavPath);
  } catch (err) {
    throw new WavError(wavPath, 'io', `cannot read: ${(err as Error).message}`);
  }
  return computeSegmentsJs(decodeWav(bytes, wavPath), resolved, wavPath);
}
