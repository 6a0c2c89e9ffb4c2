export { resolveFeatureBackend, type FeatureBackend } from './backend';
export {
  resolveFeatureDevice,
  type CudaFeatureOptions,
  type DeviceChoice,
  type FeatureDevice,
} from './device';
export {
  buildFeatureCache,
  openFeatureCache,
  type BuildFeatureCacheOptions,
  type CachedClip,
  type DeviceRun,
  type FeatureCache,
  type FeatureCacheProgress,
  type FeatureCacheReport,
} from './cache';
export { computeClipFeatures, type ClipFeatures } from './clip';
export type { ClipSegments } from './scalogram-js';
export {
  DEFAULT_FEATURE_CONFIG,
  FEATURE_PIPELINE_VERSION,
  FeatureConfigError,
  resolveFeatureConfig,
  type FeatureConfig,
} from './config';
export { featureConfigHash } from './config-hash';
export { CorruptShardError, FeatureBuildAborted, FeatureCacheError } from './errors';
export { morletFilterbank, type MorletFilterbank } from './filterbank';
export { float32ToHalfBytes, floatToHalfBits, halfToFloat32 } from './float16';
export { contentHash, crc32, murmur3x86_128 } from './hash';
export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestEntry,
  type ManifestSource,
} from './manifest';
export { nativeFeatures } from './addon-features';
export { referenceSignal } from './reference-signal';
