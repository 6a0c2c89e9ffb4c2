/**
 * libsoxr's quality recipes, by python-soxr's and librosa's names: 'hq' is librosa's
 * default since 0.10 (`res_type='soxr_hq'`).
 */
export type ResampleQuality = 'qq' | 'lq' | 'mq' | 'hq' | 'vhq';

export const RESAMPLE_QUALITIES: readonly ResampleQuality[] = ['qq', 'lq', 'mq', 'hq', 'vhq'];

export const DEFAULT_RESAMPLE_QUALITY: ResampleQuality = 'hq';
