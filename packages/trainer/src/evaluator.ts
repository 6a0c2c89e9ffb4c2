/**
 * The search hook, loadable as `@asc/trainer/evaluator`: `asc search` imports this
 * module and calls createEvaluator with its options (dataset, cache, epochs, worker
 * index and count).
 */
import * as os from 'os';
import type { SplitOptions } from '@asc/datasets';
import { WEIGHT_INITS, type Evaluate, type EvaluatorOptions, type WeightInit } from '@asc/zoo';
import { parseBackendRequest, selectBackend } from './backend';
import { createCandidateEvaluator } from './candidate';
import type { Recipe } from './recipe';
import { loadRecipe } from './train-run';
import { openRunData } from './run-data';
import { AscError } from '@asc/core';

export class EvaluatorOptionsError extends AscError {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      'evaluator-options-invalid',
      `the trainer's evaluator needs option '${field}' (got ${JSON.stringify(value)})`,
      { context: { field, value } },
    );
  }
}

/**
 * Options beyond the zoo's EvaluatorOptions: `backend` (BackendRequest), `recipe`
 * ('search' by default, a recipe file, or a recipe value such as `{base: 'search',
 * batchSize: 8}`), `init` ('pytorch' by default, or 'glorot'), `threads` (default: the
 * machine's cores shared evenly among the workers) and `split` (the folder layout's
 * `{seed, evaluateFraction}`).
 */
export async function createEvaluator(options: EvaluatorOptions): Promise<Evaluate> {
  const datasetDir = options.dataset;
  const cacheDir = options.cache;
  if (typeof datasetDir !== 'string') throw new EvaluatorOptionsError('dataset', datasetDir);
  if (typeof cacheDir !== 'string') throw new EvaluatorOptionsError('cache', cacheDir);
  const workers = Math.max(1, options.workers ?? 1);
  const threads =
    typeof options.threads === 'number'
      ? options.threads
      : Math.max(1, Math.floor(os.cpus().length / workers));
  const backend = parseBackendRequest(
    typeof options.backend === 'string' ? options.backend : 'auto',
  );
  const recipe = loadRecipe((options.recipe as string | Recipe | undefined) ?? 'search');
  if (options.init !== undefined && !WEIGHT_INITS.includes(options.init as WeightInit)) {
    throw new EvaluatorOptionsError('init', options.init);
  }
  const { tf, info } = await selectBackend(backend, { threads });
  const split = options.split as Partial<SplitOptions> | undefined;
  if (split !== undefined && (typeof split !== 'object' || split === null)) {
    throw new EvaluatorOptionsError('split', split);
  }
  const data = await openRunData(datasetDir, cacheDir, { split });
  const evaluator = createCandidateEvaluator({
    tf,
    backend: info,
    train: data.train,
    evaluate: data.evaluate,
    classes: data.classes.length,
    recipe,
    init: options.init as WeightInit | undefined,
  });
  return (spec, context) => evaluator.evaluate(spec, context);
}
