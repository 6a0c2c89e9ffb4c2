export { SCENE_LABELS, SCENE_CLASS, emptyLabelCounts, isSceneLabel } from './labels';
export type { SceneLabel, LabelCounts } from './labels';
export { DatasetError, SynthError, formatProblem } from './errors';
export type { DatasetProblem } from './errors';
export {
  DATASET_FILES,
  clipsOfSplit,
  inspectDataset,
  parseClipName,
  readDataset,
  summarizeDataset,
} from './tau';
export type {
  ClipName,
  ClipRecord,
  Dataset,
  DatasetSummary,
  ReadDatasetOptions,
  Split,
} from './tau';
export { encodeWavPcm24 } from './wav';
export {
  DEFAULT_DIFFICULTY,
  DEFAULT_SYNTH_RATE_HZ,
  DEFAULT_SYNTH_SECONDS,
  SYNTH_GENERATOR_VERSION,
  SYNTH_MANIFEST,
  synthesizeDataset,
} from './synth/synthesize';
export type { SynthOptions, SynthParameters, SynthReport } from './synth/synthesize';
export { planDataset } from './synth/plan';
export type { DatasetPlan, PlannedClip } from './synth/plan';
export { renderClip } from './synth/scene';
export type { ClipSpec } from './synth/scene';
