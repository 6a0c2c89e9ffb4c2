import { loadAddon } from '../lib';

/** Why the native addon cannot be loaded, or undefined when it can. */
export function addonProblem(): string | undefined {
  try {
    loadAddon();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Whether a test that needs the native addon can run: true when nothing is wrong
 * (`problem` undefined). Otherwise the test is skipped with a warning on a developer's
 * machine, and fails in CI (CI=true, as scripts/test.sh runs there), where the addon is
 * always built: no test may pass there on a warning. The native, zoo and trainer tests
 * share this.
 */
export function addonRequired(what: string, problem: string | undefined = addonProblem()): boolean {
  if (problem === undefined) return true;
  const message = `${what}: the native addon is unavailable (${problem})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI requires it`);
  console.warn(`${message}; skipped`);
  return false;
}
