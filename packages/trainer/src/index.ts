export {
  inThreadStreams,
  loaderWorkerAvailable,
  LoaderWorkerError,
  workerStreams,
  type CacheLoaderSpec,
  type EpochStream,
  type EpochStreamFactory,
} from './batch-stream';
export { epochBatches, type Batch, type EpochBatchOptions } from './batches';
export {
  CheckpointError,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointTensor,
} from './checkpoint';
export { evaluateClips, tfjsScorer, type EvaluateOptions, type SegmentScorer } from './evaluate';
export {
  exportLayersModel,
  fileSystemLoader,
  loadExportedModel,
  ModelFileError,
  type ExportDtype,
  type ExportedModel,
} from './export';
export { InputNormaliser } from './inputs';
export { bceWithLogits } from './loss';
export { clipMetrics, type ClipMetrics } from './metrics';
export { applyMixup, drawMixup, type MixupDraw } from './mixup';
export {
  checkNormalisation,
  fitNormalisation,
  normalisationVectors,
  NormalisationError,
  type Normalisation,
} from './normalisation';
export { AdamL2, type AdamL2Config, type AdamL2State } from './optimizer';
export {
  FINAL_RECIPE,
  learningRateAt,
  parseRecipe,
  RecipeError,
  SEARCH_RECIPE,
  type MixupConfig,
  type Recipe,
  type StepSchedule,
} from './recipe';
export { seededCopy } from './seeding';
export { syntheticSet, syntheticTrainer, type SyntheticSet } from './synthetic';
export {
  memorySegmentSource,
  MissingFeaturesError,
  segmentSize,
  type ClipRef,
  type ClipSegments,
  type SegmentSource,
} from './segments';
export {
  Trainer,
  TrainingDivergedError,
  startOfEpoch,
  type BatchProgress,
  type DataLoader,
  type EpochRecord,
  type SplitData,
  type TrainerOptions,
  type TrainerRngStates,
  type TrainingPosition,
} from './trainer';
export {
  BACKEND_REQUESTS,
  BackendUnavailableError,
  describeBackend,
  parseBackendRequest,
  selectBackend,
  type BackendInfo,
  type BackendRequest,
  type SelectedBackend,
} from './backend';
export { cachedSegmentCount, cacheSegmentSource, FeaturesMissingError } from './cache-source';
export {
  createCandidateEvaluator,
  samplesOfEpochs,
  type CandidateEvaluator,
  type CandidateEvaluatorOptions,
} from './candidate';
export { createEvaluator, EvaluatorOptionsError } from './evaluator';
export {
  RunMismatchError,
  runTraining,
  type RunModel,
  type RunProgress,
  type RunTrainingOptions,
} from './run';
export {
  ClassesMismatchError,
  EmptySplitError,
  openRunData,
  type RunData,
  type RunDataOptions,
  type RunSplit,
} from './run-data';
export {
  appendRunLog,
  readRunRecord,
  RunRecordError,
  runInit,
  runPaths,
  writeRunRecord,
  type ExportRecord,
  type FinalMetrics,
  type RunRecord,
} from './run-record';
export { loadRecipe, trainRun, TrainOptionsError, type TrainRunOptions } from './train-run';
export {
  evaluateRun,
  evaluateSplit,
  predictFiles,
  runDataOptions,
  type EvaluateRunOptions,
  type EvaluateSplitOptions,
  type FilePrediction,
  type RunModelOptions,
} from './run-eval';
