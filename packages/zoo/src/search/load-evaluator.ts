import * as fs from 'fs';
import * as path from 'path';
import {
  DEFAULT_EVALUATOR_MODULE,
  EvaluatorModuleError,
  type Evaluate,
  type EvaluatorModule,
  type EvaluatorOptions,
} from './evaluate';

/**
 * Resolves an evaluator module to an absolute path that worker processes can load: a
 * path (relative to `cwd`) or a package specifier. The default is the trainer's
 * (`@asc/trainer/evaluator`, or `@asc/trainer` itself when it exports createEvaluator).
 */
export function resolveEvaluatorModule(spec: string | undefined, cwd = process.cwd()): string {
  const isPath = (s: string) =>
    s.startsWith('.') || path.isAbsolute(s) || fs.existsSync(path.resolve(cwd, s));
  if (spec !== undefined) {
    try {
      return require.resolve(isPath(spec) ? path.resolve(cwd, spec) : spec, {
        paths: [cwd, __dirname],
      });
    } catch {
      throw new EvaluatorModuleError(
        `cannot find the evaluator module "${spec}" (from ${cwd})`,
        spec,
      );
    }
  }
  for (const candidate of [DEFAULT_EVALUATOR_MODULE, '@asc/trainer']) {
    try {
      const resolved = require.resolve(candidate, { paths: [cwd, __dirname] });
      if (candidate === DEFAULT_EVALUATOR_MODULE || exportsCreateEvaluator(resolved))
        return resolved;
    } catch {
      // try the next candidate
    }
  }
  throw new EvaluatorModuleError(
    `the default evaluator "${DEFAULT_EVALUATOR_MODULE}" is not available: build the trainer ` +
      '(npx nx run trainer:build) or pass --evaluator MODULE (a module exporting createEvaluator(options))',
    DEFAULT_EVALUATOR_MODULE,
  );
}

function exportsCreateEvaluator(resolved: string): boolean {
  try {
    return typeof (require(resolved) as Partial<EvaluatorModule>).createEvaluator === 'function';
  } catch {
    return false;
  }
}

/** Loads a resolved evaluator module and creates its Evaluate function. */
export async function loadEvaluator(
  resolved: string,
  options: EvaluatorOptions,
): Promise<Evaluate> {
  let mod: Partial<EvaluatorModule>;
  try {
    mod = require(resolved) as Partial<EvaluatorModule>;
  } catch (err) {
    throw new EvaluatorModuleError(
      `cannot load the evaluator module ${resolved}: ${(err as Error).message}`,
      resolved,
    );
  }
  if (typeof mod.createEvaluator !== 'function') {
    throw new EvaluatorModuleError(
      `the evaluator module ${resolved} does not export createEvaluator(options)`,
      resolved,
    );
  }
  const evaluate = await mod.createEvaluator(options);
  if (typeof evaluate !== 'function') {
    throw new EvaluatorModuleError(
      `createEvaluator of ${resolved} returned ${typeof evaluate}, not an evaluate function`,
      resolved,
    );
  }
  return evaluate;
}
