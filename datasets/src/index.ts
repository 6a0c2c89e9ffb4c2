export {
  SCENE_LABELS,
  SCENE_CLASS,
  TAU_SCENES,
  emptyLabelCounts,
  orderLabels,
  totalOf,
} from './labels';
export type { SceneLabel, LabelCounts } from './labels';
export { DatasetError, SynthError, formatProblem } from './errors';
export type { DatasetProblem } from './errors';
export { AUDIO_DIR, DATASET_FILES } from './layout-files';
export { parseClipName } from './clip-name';
export type { ClipName } from './clip-name';
export {
  clipsOfSplit,
  detectLayout,
  inspectDataset,
  readDataset,
  summarizeDataset,
} from './dataset';
export type {
  ClipRecord,
  Dataset,
  DatasetLayout,
  DatasetSummary,
  ReadDatasetOptions,
  RecordingGroups,
  Split,
  SplitMethod,
} from './dataset';
export { AUDIO_EXTENSIONS } from './folder-layout';
export {
  DEFAULT_SPLIT,
  SplitOptionsError,
  resolveSplitOptions,
  splitDigest,
  splitOptionsOf,
} from './split';
export type { SplitOptions } from './split';
export { encodeWavPcm24 } from './wav';
export {
  DEFAULT_DIFFICULTY,
  DEFAULT_SYNTH_RATE_HZ,
  DEFAULT_SYNTH_SECONDS,
  SYNTH_CLASS_SETS,
  SYNTH_GENERATOR_VERSION,
  SYNTH_MANIFEST,
  synthesizeDataset,
} from './synth/synthesize';
export type { SynthOptions, SynthParameters, SynthReport } from './synth/synthesize';
export { planDataset } from './synth/plan';
export type { DatasetPlan, PlannedClip } from './synth/plan';
export { renderClip } from './synth/scene';
export type { ClipSpec } from './synth/scene';
