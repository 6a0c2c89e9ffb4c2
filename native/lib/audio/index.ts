export { nativeAudio, type NativeAudio } from './addon-audio';
export { AudioError, AudioNeedsAddonError, type AudioErrorCode } from './errors';
export {
  decodeAudioFile,
  decodeWavAt,
  readAudioInfo,
  type AudioReadOptions,
  type DecodeFileOptions,
} from './read';
export { DEFAULT_RESAMPLE_QUALITY, RESAMPLE_QUALITIES, type ResampleQuality } from './resample';
export {
  DEFAULT_CHANNELS,
  type AudioPlanes,
  type AudioSource,
  type DecodedAudio,
  type DecodeOptions,
} from './types';
export { channelsToUse, decodeWav, readWavSource, readWavSourceFrom, type ByteReader } from './wav';
