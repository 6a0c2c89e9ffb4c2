import * as fs from 'fs';
import { splitOptionsOf, type SplitOptions } from '@asc/datasets';
import { resolveModel, type ArchSpec, type WeightInit } from '@asc/zoo';
import { describeBackend, selectBackend, type BackendRequest } from './backend';
import { FINAL_RECIPE, parseRecipe, RecipeError, SEARCH_RECIPE, type Recipe } from './recipe';
import { runTraining, type RunProgress } from './run';
import { openRunData } from './run-data';
import { readRunRecord, runInit, runPaths, type RunRecord } from './run-record';
import { AscError } from '@asc/core';

export interface TrainRunOptions {
  /** 'B', 'A', a named baseline, an architecture id, a spec.json path, or an ArchSpec. */
  model?: string | ArchSpec;
  datasetDir?: string;
  cacheDir?: string;
  /** The folder layout's split; a resumed run keeps its own. */
  split?: Partial<SplitOptions>;
  runDir: string;
  /** Overrides the recipe's epochs. */
  epochs?: number;
  /** 'final' (default), 'search', a recipe JSON file, or a recipe value. */
  recipe?: string | Recipe;
  /** Default 0 for a new run; a resumed run keeps its own. */
  seed?: number;
  /** Default PyTorch's for a new run; a resumed run keeps its own. */
  init?: WeightInit;
  backend?: BackendRequest;
  /** Native kernel threads (cpu backend). */
  threads?: number;
  onProgress?: (p: RunProgress) => void;
  /** A line for people (the backend chosen, resumption). */
  onInfo?: (line: string) => void;
  signal?: AbortSignal;
}

/** Resolves 'final' | 'search' | a JSON file path into a recipe. */
export function loadRecipe(ref: string | Recipe | undefined): Recipe {
  if (ref === undefined || ref === 'final') return { ...FINAL_RECIPE };
  if (ref === 'search') return { ...SEARCH_RECIPE };
  if (typeof ref !== 'string') return parseRecipe(ref);
  if (!fs.existsSync(ref)) {
    throw new RecipeError(`no such recipe file (or use 'final' / 'search')`, 'recipe', ref, ref);
  }
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(ref, 'utf8'));
  } catch (err) {
    throw new RecipeError(`not valid JSON: ${(err as Error).message}`, 'recipe', ref, ref);
  }
  return parseRecipe(value, ref);
}

/** trainRun's options do not describe a run: no model or no data, and no run to resume. */
export class TrainOptionsError extends AscError {
  constructor(message: string) {
    super('train-options-invalid', message);
  }
}

/**
 * The model a stored run trained, as a reference that resolves to the same name and spec:
 * the recorded name ('B', a baseline, an identifier), or the spec itself when the name
 * does not give it back (a spec whose growth an identifier's three decimals cannot hold).
 */
function recordedModel(stored: RunRecord): string | ArchSpec {
  try {
    const byName = resolveModel(stored.model);
    if (JSON.stringify(byName.spec ?? null) === JSON.stringify(stored.spec)) return stored.model;
  } catch (err) {
    if (!(err instanceof AscError)) throw err;
  }
  return (stored.spec as ArchSpec | null) ?? stored.model;
}

/**
 * Trains a zoo model on a dataset's feature cache into `runDir` (run.json, log.jsonl,
 * checkpoint, fp32 and fp16 exports). Re-running on the same directory resumes; options
 * left out are then taken from the stored record.
 */
export async function trainRun(options: TrainRunOptions): Promise<RunRecord> {
  const stored = fs.existsSync(runPaths(options.runDir).record)
    ? readRunRecord(options.runDir)
    : null;
  const modelRef = options.model ?? (stored ? recordedModel(stored) : undefined);
  if (modelRef === undefined) throw new TrainOptionsError('no model given (and no run to resume)');
  const datasetDir = options.datasetDir ?? stored?.data.datasetDir ?? undefined;
  const cacheDir = options.cacheDir ?? stored?.data.cacheDir ?? undefined;
  if (!datasetDir || !cacheDir) {
    throw new TrainOptionsError('a dataset directory and a feature cache directory are needed');
  }
  let recipe = options.recipe !== undefined || !stored ? loadRecipe(options.recipe) : stored.recipe;
  if (options.epochs !== undefined) recipe = parseRecipe({ ...recipe, epochs: options.epochs });
  const seed = options.seed ?? stored?.seed ?? 0;
  const init = options.init ?? (stored ? runInit(stored) : undefined);

  const resolved = resolveModel(modelRef);
  const { tf, info } = await selectBackend(options.backend ?? 'auto', { threads: options.threads });
  options.onInfo?.(describeBackend(info));
  for (const note of info.notes) options.onInfo?.(`  (${note})`);
  const split = options.split ?? splitOptionsOf(stored?.data.split);
  const data = await openRunData(datasetDir, cacheDir, { split });
  try {
    return await runTraining({
      tf,
      backend: info,
      runDir: options.runDir,
      model: {
        name: resolved.name,
        spec: resolved.spec,
        params: resolved.cost({ classes: data.classes.length }).params,
        build: (t, o) => resolved.build(t, o),
      },
      recipe,
      seed,
      init,
      train: data.train,
      evaluate: data.evaluate,
      classes: data.classes,
      data: {
        datasetDir,
        cacheDir,
        featureConfigHash: data.cache.configHash,
        featureConfig: data.cache.config,
        split: data.split,
      },
      onProgress: options.onProgress,
      signal: options.signal,
    });
  } finally {
    data.close();
  }
}
