import { AscError } from '@asc/core';

/**
 * The training recipe as one JSON value (docs/search-and-training.md). Every run stores the
 * recipe it used, so a run can be repeated from its record alone.
 */
export interface StepSchedule {
  /** Multiply the learning rate by `factor` after every `everyEpochs` epochs. */
  kind: 'step';
  factor: number;
  everyEpochs: number;
}

export interface MixupConfig {
  /**
   * 'uniform': one lambda ~ U(0, 1) per batch, as the authors' released code does.
   * 'beta': lambda ~ Beta(alpha, alpha), as in the mixup paper.
   */
  distribution: 'uniform' | 'beta';
  alpha: number;
}

export interface Recipe {
  name: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** Adam epsilon, PyTorch's default (tfjs's own default is 1e-7). */
  epsilon: number;
  /** L2 coefficient added to the gradient (PyTorch Adam's weight_decay, not AdamW). */
  weightDecay: number;
  schedule: StepSchedule;
  /** null turns mixup off. */
  mixup: MixupConfig | null;
  /**
   * Segments are shuffled within windows of this many clips (the clip order itself is
   * shuffled each epoch), so memory holds one window rather than the whole split.
   */
  shuffleWindowClips: number;
}

const common = {
  batchSize: 64,
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.0015,
  mixup: { distribution: 'uniform', alpha: 1 } as MixupConfig,
  shuffleWindowClips: 64,
};

/** Candidate training during the search: 3 epochs, learning rate x0.1 after each. */
export const SEARCH_RECIPE: Readonly<Recipe> = Object.freeze({
  ...common,
  name: 'search',
  epochs: 3,
  schedule: { kind: 'step', factor: 0.1, everyEpochs: 1 } as StepSchedule,
});

/** Final training of a chosen model: 60 epochs, learning rate x0.5 every 4 epochs. */
export const FINAL_RECIPE: Readonly<Recipe> = Object.freeze({
  ...common,
  name: 'final',
  epochs: 60,
  schedule: { kind: 'step', factor: 0.5, everyEpochs: 4 } as StepSchedule,
});

export class RecipeError extends AscError {
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
    readonly source?: string,
  ) {
    super('recipe-invalid', source ? `${source}: ${message}` : message, {
      context: { field, value, file: source },
    });
  }
}

/** The learning rate used during `epoch` (0-based) under the recipe's schedule. */
export function learningRateAt(recipe: Recipe, epoch: number): number {
  const steps = Math.floor(epoch / recipe.schedule.everyEpochs);
  return recipe.learningRate * Math.pow(recipe.schedule.factor, steps);
}

function positiveNumber(x: unknown, field: string, source?: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new RecipeError(
      `${field} must be a positive number, got ${JSON.stringify(x)}`,
      field,
      x,
      source,
    );
  }
  return x;
}

function positiveInteger(x: unknown, field: string, source?: string): number {
  if (!Number.isInteger(x) || (x as number) <= 0) {
    throw new RecipeError(
      `${field} must be a positive integer, got ${JSON.stringify(x)}`,
      field,
      x,
      source,
    );
  }
  return x as number;
}

/**
 * Reads a recipe: a partial JSON object layered over a base recipe (FINAL by default, or
 * the named one in `base`). Unknown fields are errors so that typos do not pass silently.
 */
export function parseRecipe(value: unknown, source?: string): Recipe {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RecipeError('a recipe must be a JSON object', '', value, source);
  }
  const raw = value as Record<string, unknown>;
  const allowed = new Set([...Object.keys(FINAL_RECIPE), 'base']);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key))
      throw new RecipeError(`unknown recipe field '${key}'`, key, raw[key], source);
  }
  const baseName = raw.base ?? raw.name ?? 'final';
  const base = baseName === 'search' ? SEARCH_RECIPE : FINAL_RECIPE;
  const merged = { ...base, ...raw } as Record<string, unknown>;
  delete merged.base;
  const schedule = (merged.schedule ?? base.schedule) as Record<string, unknown>;
  if (typeof schedule !== 'object' || schedule === null || schedule.kind !== 'step') {
    throw new RecipeError(
      "schedule must be {kind: 'step', factor, everyEpochs}",
      'schedule',
      schedule,
      source,
    );
  }
  let mixup: MixupConfig | null = null;
  if (merged.mixup !== null) {
    const m = merged.mixup as Record<string, unknown>;
    if (typeof m !== 'object' || (m.distribution !== 'uniform' && m.distribution !== 'beta')) {
      throw new RecipeError(
        "mixup must be null or {distribution: 'uniform'|'beta', alpha}",
        'mixup',
        m,
        source,
      );
    }
    mixup = {
      distribution: m.distribution,
      alpha: positiveNumber(m.alpha ?? 1, 'mixup.alpha', source),
    };
  }
  const beta1 = positiveNumber(merged.beta1, 'beta1', source);
  const beta2 = positiveNumber(merged.beta2, 'beta2', source);
  if (beta1 >= 1) throw new RecipeError('beta1 must be < 1', 'beta1', beta1, source);
  if (beta2 >= 1) throw new RecipeError('beta2 must be < 1', 'beta2', beta2, source);
  const weightDecay = merged.weightDecay;
  if (typeof weightDecay !== 'number' || !(weightDecay >= 0)) {
    throw new RecipeError('weightDecay must be a number >= 0', 'weightDecay', weightDecay, source);
  }
  return {
    name: typeof merged.name === 'string' ? merged.name : String(baseName),
    epochs: positiveInteger(merged.epochs, 'epochs', source),
    batchSize: positiveInteger(merged.batchSize, 'batchSize', source),
    learningRate: positiveNumber(merged.learningRate, 'learningRate', source),
    beta1,
    beta2,
    epsilon: positiveNumber(merged.epsilon, 'epsilon', source),
    weightDecay,
    schedule: {
      kind: 'step',
      factor: positiveNumber(schedule.factor, 'schedule.factor', source),
      everyEpochs: positiveInteger(schedule.everyEpochs, 'schedule.everyEpochs', source),
    },
    mixup,
    shuffleWindowClips: positiveInteger(merged.shuffleWindowClips, 'shuffleWindowClips', source),
  };
}
