import { createHash } from 'crypto';
import { AscError, streamRng } from '@asc/core';

/** How the folder layout's seeded split is drawn. */
export interface SplitOptions {
  /** Seeds the draw: the same files, seed and fraction give the same split. */
  seed: number;
  /** Share of each class's clips held out for evaluation, in (0, 1). */
  evaluateFraction: number;
}

/** DCASE 2020's fold 1 holds out 31 % of the 3Class clips; the seed is asc's usual 1. */
export const DEFAULT_SPLIT: SplitOptions = { seed: 1, evaluateFraction: 0.3 };

/** A split option out of range. */
export class SplitOptionsError extends AscError {
  constructor(
    readonly field: 'seed' | 'evaluateFraction',
    readonly value: unknown,
    expected: string,
  ) {
    super(
      'split-options-invalid',
      `split ${field} must be ${expected}, got ${JSON.stringify(value)}`,
      {
        context: { field, value },
      },
    );
  }
}

/** `options` with the defaults filled in, checked. */
export function resolveSplitOptions(options: Partial<SplitOptions> = {}): SplitOptions {
  const seed = options.seed ?? DEFAULT_SPLIT.seed;
  const evaluateFraction = options.evaluateFraction ?? DEFAULT_SPLIT.evaluateFraction;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new SplitOptionsError('seed', seed, 'a non-negative integer');
  }
  if (!(evaluateFraction > 0 && evaluateFraction < 1)) {
    throw new SplitOptionsError(
      'evaluateFraction',
      evaluateFraction,
      'between 0 and 1 (exclusive)',
    );
  }
  return { seed, evaluateFraction };
}

/** Clips that must stay on one side of the split: one recording, or one recording location. */
export interface ClipGroup {
  key: string;
  clips: number;
}

/**
 * Chooses the evaluate groups of each class: the class's groups, in key order, are shuffled
 * by one Rng seeded with `seed` (classes drawn in the order given), then walked in that
 * order, each group joining the evaluate side when that brings the side's clip count nearer
 * to `evaluateFraction` of the class. A class of two or more groups keeps at least one on
 * each side; a class of one group trains. Returns the evaluate groups' keys per class.
 */
export function drawEvaluateGroups(
  groupsByClass: ReadonlyMap<string, readonly ClipGroup[]>,
  options: SplitOptions,
): Map<string, Set<string>> {
  const rng = streamRng(options.seed, SPLIT_STREAM);
  const chosen = new Map<string, Set<string>>();
  for (const [label, groups] of groupsByClass) {
    const order = rng.shuffle([...groups].sort((a, b) => compare(a.key, b.key)));
    const target = options.evaluateFraction * order.reduce((n, g) => n + g.clips, 0);
    const evaluate: ClipGroup[] = [];
    let held = 0;
    for (const group of order) {
      if (Math.abs(held + group.clips - target) < Math.abs(held - target)) {
        evaluate.push(group);
        held += group.clips;
      }
    }
    if (order.length >= 2 && evaluate.length === 0) evaluate.push(order[0]);
    if (order.length >= 2 && evaluate.length === order.length) evaluate.pop();
    if (order.length < 2) evaluate.length = 0;
    chosen.set(label, new Set(evaluate.map((g) => g.key)));
  }
  return chosen;
}

/** The split's own stream of the seed, apart from other users of the same seed. */
const SPLIT_STREAM = 0x5711;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A short fingerprint of which clip is in which split with which label (SHA-256 of the
 * sorted `file TAB label TAB split` lines, first 16 hex digits): a run records it, and a
 * dataset whose files or split changed since gives another.
 */
export function splitDigest(
  clips: readonly { file: string; label: string; split: string }[],
): string {
  const lines = clips
    .filter((c) => c.split !== 'none')
    .map((c) => `${c.file}\t${c.label}\t${c.split}\n`)
    .sort(compare);
  return createHash('sha256').update(lines.join('')).digest('hex').slice(0, 16);
}

/**
 * The options that draw a recorded split again (a run's or a study's record of a
 * dataset's SplitMethod): a seeded split's seed and fraction; undefined for fold 1 or none.
 */
export function splitOptionsOf(
  recorded: { method: string; seed?: number; evaluateFraction?: number } | null | undefined,
): SplitOptions | undefined {
  return recorded?.method === 'seeded' &&
    recorded.seed !== undefined &&
    recorded.evaluateFraction !== undefined
    ? { seed: recorded.seed, evaluateFraction: recorded.evaluateFraction }
    : undefined;
}
