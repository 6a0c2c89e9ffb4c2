export * from './modules';
export * from './spec';
export * from './arch-id';
export * from './complexity';
export * from './params';
export * from './space';
export * from './sampler';
export * from './evolution';
export * from './search/evaluate';
export * from './search/pruner';
export * from './search/schedule';
export * from './store/trial-store';
export * from './store/sqlite-store';
export {
  DEFAULT_INPUT_SHAPE,
  DEFAULT_WEIGHT_INIT,
  PAPER_CLASSES,
  WEIGHT_INITS,
  trainableParams,
  nonZeroParams,
  type WeightInit,
  type BuildOptions,
  type LayersModel,
  type Tf,
} from './models/tf';
export * from './models/layers';
export * from './models/build';
export * from './models/fold';
export * from './models/baselines';
export * from './models/named';
export * from './store/open';
export * from './search/study';
export * from './search/heartbeat';
export * from './search/worker';
export * from './search/load-evaluator';
export * from './search/analysis';
export * from './search/run-search';
export * from './search/ask-tell';
export * from './search/study-dir';
export * from './run-record';
export * from './run-complexity';
