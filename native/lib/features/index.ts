export { resolveFeatureBackend, type FeatureBackend } from './backend';
export {
  buildFeatureCache,
  openFeatureCache,
  type BuildFeatureCacheOptions,
  type CachedClip,
  type FeatureCache,
  type FeatureCacheProgress,
  type FeatureCacheReport,
} from './cache';
export { computeClipFeatures, type ClipSegments } from './clip';
export {
  DEFAULT_FEATURE_CONFIG,
  FEATURE_PIPELINE_VERSION,
  FeatureConfigError,
  resolveFeatureConfig,
  type FeatureConfig,
} from './config';
export { featureConfigHash } from './config-hash';
export {
  CorruptShardError,
  FeatureBuildAborted,
  FeatureCacheError,
  WavError,
  type WavErrorCode,
} from './errors';
export { morletFilterbank, type MorletFilterbank } from './filterbank';
export { float32ToHalfBytes, floatToHalfBits, halfToFloat32 } from './float16';
export { contentHash, crc32, murmur3x86_128 } from './hash';
export { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ManifestEntry } from './manifest';
export { nativeFeatures } from './addon-features';
export { decodeWav, type WavAudio } from './wav';
