// The addon-free, Node-free part of @asc/native, for bundling into a web page: what
// `@asc/native/browser` names, and what a browser bundle gets for `@asc/native` itself
// (the "browser" condition of the package's exports), for modules such as the zoo's layers
// that import it. The same pipeline modules the addon-less Node path runs, so a page
// computes the same features as `asc` for the same FeatureConfig. Nothing reachable from
// here may import a Node module (packages/demo's bundle build fails if one does).
export {
  DEFAULT_FEATURE_CONFIG,
  FeatureConfigError,
  resolveFeatureConfig,
  type FeatureConfig,
} from './features/config';
export { AudioError, AudioNeedsAddonError, type AudioErrorCode } from './audio/errors';
export type { AudioPlanes, AudioSource, DecodedAudio, DecodeOptions } from './audio/types';
export { decodeWav } from './audio/wav';
export { designMorletBank, type MorletBank64 } from './features/filterbank-design';
export {
  FrameAnalyser,
  clipTopDb,
  computeSegmentsJs,
  framesAvailable,
  midSideSegments,
  peakOf,
  stftFrameCount,
  type ClipSegments,
  type FilterbankWeights,
} from './features/scalogram-js';
export type { NativeKernelNames } from './kernels/binding';

/**
 * The names of the tfjs kernels the addon adds: none in a browser, which has no addon
 * (as `nativeKernelNames()` of the Node entry answers without it), so the zoo's layers
 * compute with tfjs ops.
 */
export function nativeKernelNames(): null {
  return null;
}
