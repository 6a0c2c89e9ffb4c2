// The addon-free, Node-free part of the feature pipeline, for bundling into a web page
// (`@asc/native/browser`): the same modules the addon-less Node path runs, so a page
// computes the same features as `asc` for the same FeatureConfig. Nothing reachable from
// here may import a Node module (packages/demo's bundle build fails if one does).
export {
  DEFAULT_FEATURE_CONFIG,
  FeatureConfigError,
  resolveFeatureConfig,
  type FeatureConfig,
} from './features/config';
export { WavError, type WavErrorCode } from './features/errors';
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
export { decodeWav, type WavAudio } from './features/wav';
