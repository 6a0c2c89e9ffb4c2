import { AscError } from '@asc/core';
import type { RungRecord, TrialState } from '../store/trial-store';

/**
 * # Pruner: how much training each trial gets
 *
 * A pruner fixes a ladder of rungs (training budgets in epochs, ascending; the last is a
 * trial's full budget, `maxEpochs`), groups trials into brackets (bracket b starts its
 * trials at rung `bracketStart(b)`), says which bracket a new trial joins, and which
 * trials stopped at a rung are promoted to the next one. A trial trains to its bracket's
 * first rung and stops there (status `pruned`, the rung recorded); a promotion sends it
 * on to the next rung from where it stopped (its checkpoint), and a trial that reaches
 * the top rung is `complete`.
 *
 * Contract:
 * - Pure: every decision is a function of the study's trials as the store holds them (and
 *   of whether new trials may still join), never of process state or clocks, so that any
 *   worker on any machine deciding inside the store's transaction decides alike.
 * - `promotions` lists the trials to promote now, the one to take first first. It only
 *   names trials that are `pruned` at rung k < top and not already taken.
 * - Trials count at a rung when they reached it and are still in the study's race:
 *   running, pruned, complete, or dead and waiting to be re-offered with their rungs.
 *   Failed trials (the evaluator threw) and rows already re-run by a retry do not.
 *
 * Implementations (one class, `SuccessiveHalvingPruner`):
 * - 'none': the paper's protocol. With `minEpochs = maxEpochs` one rung, every trial
 *   trains the full budget; with a lower `minEpochs` the rungs only record each trial's
 *   metrics on the way (every trial is promoted: nothing is pruned, the training is the
 *   same).
 * - 'asha': asynchronous successive halving (Li et al., "A System for Massively Parallel
 *   Hyperparameter Tuning", MLSys 2020, Algorithm 2): rungs at minEpochs x eta^k up to
 *   maxEpochs; a trial at rung k is promoted when it is in the top floor(n_k / eta) of
 *   the n_k trials that have reached rung k so far, by the metric; higher rungs first.
 *   Early trials are promoted as soon as eta of them have reached a rung, before later
 *   ones arrive. The study is finite: once no trial can still arrive at a rung (no new
 *   trials may join and none is on its way there), the rung promotes at least its best
 *   trial, so that every study ends with complete trials.
 * - 'hyperband': asynchronous Hyperband, brackets of ASHA with different minimum
 *   budgets (Li et al., "Hyperband", JMLR 2018): bracket b starts at rung b; new trials
 *   are dealt to the brackets in proportion to Hyperband's n_s = ceil((s_max + 1) /
 *   (s + 1) eta^s), s = s_max - b.
 */
export interface Pruner {
  readonly config: PrunerConfig;
  /** Rung budgets in epochs, ascending; the last is `config.maxEpochs`. */
  readonly rungs: readonly number[];
  readonly brackets: number;
  /** The first rung of a bracket. */
  bracketStart(bracket: number): number;
  /** The bracket a new trial joins, given the study's trials so far. */
  bracketFor(trials: readonly TrialState[]): number;
  /** Trials to promote now, first to take first. `open`: new trials may still join. */
  promotions(trials: readonly TrialState[], o: { open: boolean }): Promotion[];
}

export type PrunerKind = 'none' | 'asha' | 'hyperband';
export const PRUNER_KINDS: readonly PrunerKind[] = ['none', 'asha', 'hyperband'];
export type PrunerMetric = 'accuracy' | 'loss';
export const PRUNER_METRICS: readonly PrunerMetric[] = ['accuracy', 'loss'];

/** A pruner's settings, as recorded with the study. */
export interface PrunerConfig {
  kind: PrunerKind;
  /** A trial's full budget, epochs: the top rung. */
  maxEpochs: number;
  /** The lowest rung, epochs (fractions allowed: they count in training samples). */
  minEpochs: number;
  /** eta: the ratio of successive rungs and the 1/eta promoted at each. */
  reductionFactor: number;
  /** What ranks trials at a rung: higher accuracy or lower loss. */
  metric: PrunerMetric;
}

/** A promotion: `trialId` goes on from the rung it stopped at to `rung`. */
export interface Promotion {
  trialId: number;
  rung: number;
}

/** A pruner's settings that make no sense (named by the flag a user would change). */
export class PrunerConfigError extends AscError {
  constructor(
    message: string,
    readonly field: keyof PrunerConfig,
  ) {
    super('pruner-config-invalid', message, { context: { field } });
  }
}

/** The paper's protocol: one rung of `epochs`. */
export function paperProtocol(epochs: number): PrunerConfig {
  return {
    kind: 'none',
    maxEpochs: epochs,
    minEpochs: epochs,
    reductionFactor: 3,
    metric: 'accuracy',
  };
}

/** Checks a pruner's settings; returns them complete. */
export function validatePrunerConfig(c: PrunerConfig): PrunerConfig {
  if (!PRUNER_KINDS.includes(c.kind)) {
    throw new PrunerConfigError(
      `pruner must be one of ${PRUNER_KINDS.join(', ')}, got ${c.kind}`,
      'kind',
    );
  }
  if (!(c.maxEpochs > 0) || !Number.isFinite(c.maxEpochs)) {
    throw new PrunerConfigError(
      `epochs must be a positive number, got ${c.maxEpochs}`,
      'maxEpochs',
    );
  }
  if (!(c.minEpochs > 0) || c.minEpochs > c.maxEpochs) {
    throw new PrunerConfigError(
      `min-epochs must be > 0 and at most epochs (${c.maxEpochs}), got ${c.minEpochs}`,
      'minEpochs',
    );
  }
  if (!(c.reductionFactor >= 2) || !Number.isFinite(c.reductionFactor)) {
    throw new PrunerConfigError(
      `reduction-factor must be a number >= 2, got ${c.reductionFactor}`,
      'reductionFactor',
    );
  }
  if (!PRUNER_METRICS.includes(c.metric)) {
    throw new PrunerConfigError(`metric must be accuracy or loss, got ${c.metric}`, 'metric');
  }
  if (c.kind !== 'none' && c.minEpochs === c.maxEpochs) {
    throw new PrunerConfigError(
      `${c.kind} needs min-epochs below epochs (${c.maxEpochs}): with one rung nothing can be pruned`,
      'minEpochs',
    );
  }
  return { ...c };
}

/** Relative tolerance for comparing budgets computed as products of floats. */
const EPS = 1e-9;

/** minEpochs x eta^k while below maxEpochs, then maxEpochs. */
export function rungLadder(minEpochs: number, maxEpochs: number, eta: number): number[] {
  const rungs: number[] = [];
  for (let r = minEpochs; r < maxEpochs * (1 - EPS); r *= eta) rungs.push(r);
  rungs.push(maxEpochs);
  return rungs;
}

/**
 * The synchronous Hyperband schedule (the paper's Table 1 is R = 81, eta = 3): for
 * s = s_max .. 0, n = ceil((s_max + 1) / (s + 1) eta^s) configurations at r = R eta^-s,
 * and round i of its successive halving keeps floor(n eta^-i) of them at r eta^i.
 * Resources are in units of the minimum (`minResource`).
 */
export function hyperbandBrackets(
  maxResource: number,
  eta: number,
  minResource = 1,
): { s: number; rounds: { n: number; r: number }[] }[] {
  const sMax = Math.floor(Math.log(maxResource / minResource) / Math.log(eta) + EPS);
  const out: { s: number; rounds: { n: number; r: number }[] }[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s - EPS);
    const r = maxResource * eta ** -s;
    const rounds = [];
    for (let i = 0; i <= s; i++)
      rounds.push({ n: Math.floor(n * eta ** -i + EPS), r: r * eta ** i });
    out.push({ s, rounds });
  }
  return out;
}

/** Whether a trial counts at the rungs it reached (see the contract). */
export function inRace(t: TrialState): boolean {
  if (t.status === 'running' || t.status === 'pruned' || t.status === 'complete') return true;
  return t.requeued && t.rungs.length > 0;
}

/** A trial on its way to a rung: running, or dead and waiting to be re-offered there. */
function headingTo(t: TrialState): number | null {
  if (t.status === 'running' || (t.requeued && t.rungs.length > 0)) return t.rung;
  return null;
}

function rungOf(t: TrialState, rung: number): RungRecord | undefined {
  return t.rungs.find((r) => r.rung === rung);
}

/** Successive halving in brackets: the 'none', 'asha' and 'hyperband' pruners. */
export class SuccessiveHalvingPruner implements Pruner {
  readonly config: PrunerConfig;
  readonly rungs: readonly number[];
  readonly brackets: number;
  /** Hyperband's n_s per bracket (bracket b has s = top - b). */
  private readonly shares: number[];

  constructor(config: PrunerConfig) {
    this.config = validatePrunerConfig(config);
    const c = this.config;
    this.rungs = rungLadder(c.minEpochs, c.maxEpochs, c.reductionFactor);
    const top = this.rungs.length - 1;
    this.brackets = c.kind === 'hyperband' ? top + 1 : 1;
    this.shares = Array.from({ length: this.brackets }, (_, b) => {
      const s = top - b;
      return Math.ceil(((top + 1) / (s + 1)) * c.reductionFactor ** s - EPS);
    });
  }

  bracketStart(bracket: number): number {
    return bracket;
  }

  bracketFor(trials: readonly TrialState[]): number {
    if (this.brackets === 1) return 0;
    const started = new Array<number>(this.brackets).fill(0);
    for (const t of trials)
      if (t.retryOf === null) started[t.bracket] = (started[t.bracket] ?? 0) + 1;
    let best = 0;
    for (let b = 1; b < this.brackets; b++) {
      if (started[b] / this.shares[b] < started[best] / this.shares[best] - EPS) best = b;
    }
    return best;
  }

  /** Trials of a rung of n that go on: all (none), else floor(n / eta), at least one once closed. */
  quota(n: number, closed: boolean): number {
    if (this.config.kind === 'none') return n;
    const q = Math.floor(n / this.config.reductionFactor + EPS);
    return closed && n > 0 ? Math.max(1, q) : q;
  }

  /** Sorts best first by the metric at `rung` (ties: earlier trials first). */
  rank(trials: readonly TrialState[], rung: number): TrialState[] {
    const value = (t: TrialState): number => {
      const r = rungOf(t, rung) as RungRecord;
      const v = this.config.metric === 'accuracy' ? -r.accuracy : r.loss;
      return Number.isFinite(v) ? v : Infinity;
    };
    return [...trials].sort((a, b) => value(a) - value(b) || a.number - b.number);
  }

  promotions(trials: readonly TrialState[], o: { open: boolean }): Promotion[] {
    const top = this.rungs.length - 1;
    const found: { trial: TrialState; from: number; order: number }[] = [];
    const racing = trials.filter(inRace);
    for (let b = 0; b < this.brackets; b++) {
      const bracket = racing.filter((t) => t.bracket === b);
      // Whether more trials may still arrive at the rung being looked at.
      let incoming = o.open;
      for (let k = this.bracketStart(b); k < top; k++) {
        incoming ||= bracket.some((t) => headingTo(t) === k);
        const reached = bracket.filter((t) => rungOf(t, k) !== undefined);
        const ranked = this.rank(reached, k);
        const chosen = ranked.slice(0, this.quota(reached.length, !incoming));
        const waiting = chosen.filter((t) => t.status === 'pruned' && t.rung === k);
        waiting.forEach((trial, order) => found.push({ trial, from: k, order }));
        incoming ||= waiting.length > 0;
      }
    }
    found.sort((a, b) => b.from - a.from || a.order - b.order || a.trial.number - b.trial.number);
    return found.map(({ trial, from }) => ({ trialId: trial.trialId, rung: from + 1 }));
  }
}

export function createPruner(config: PrunerConfig): Pruner {
  return new SuccessiveHalvingPruner(config);
}
