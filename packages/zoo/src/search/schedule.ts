import type { TrialState } from '../store/trial-store';
import type { Pruner } from './pruner';

/**
 * What a worker asking for work does next, as decided inside the store's claim
 * transaction from the study's trials (so that concurrent workers, on any number of
 * machines, never take the same trial or promotion twice):
 * - 'reoffer': run again a trial whose worker died or was stopped (a new trial row that
 *   copies its rungs and goes on from its checkpoint toward `rung`);
 * - 'promote': send a pruned trial on to `rung`;
 * - 'new': start a new architecture in `bracket`, toward its first rung `rung`;
 * - 'wait': nothing to start now, but running trials may still make work;
 * - 'done': the study has its finished trials and nothing can change that.
 */
export type ClaimPlan =
  | { kind: 'reoffer'; trialId: number; rung: number }
  | { kind: 'promote'; trialId: number; rung: number }
  | { kind: 'new'; bracket: number; rung: number }
  | { kind: 'wait'; finished: number; running: number }
  | { kind: 'done'; finished: number };

function byIndex(a: TrialState, b: TrialState): number {
  return a.sampleIndex - b.sampleIndex || a.trialId - b.trialId;
}

/**
 * The claim decision for a study that wants `target` finished trials (complete, or
 * pruned: stopped at a rung and not promoted). In this order:
 * 1. a dead trial that had reached rungs is re-offered first: its promotion was decided;
 * 2. the pruner's first promotion;
 * 3. while finished + running trials are fewer than `target`: a dead trial without rungs
 *    is re-offered, else a new architecture starts;
 * 4. 'done' once `target` trials are finished and no running trial is below the top
 *    rung (none can cause another promotion), else 'wait'.
 * Under the paper's protocol (one rung) this is the search as it always was: done at
 * `target` complete trials.
 */
export function planClaim(
  trials: readonly TrialState[],
  pruner: Pruner,
  target: number,
): ClaimPlan {
  const top = pruner.rungs.length - 1;
  let finished = 0;
  let running = 0;
  for (const t of trials) {
    if (t.status === 'complete' || t.status === 'pruned') finished++;
    else if (t.status === 'running') running++;
  }
  const requeued = trials.filter((t) => t.requeued).sort(byIndex);
  const climbing = requeued.find((t) => t.rungs.length > 0);
  if (climbing) {
    return { kind: 'reoffer', trialId: climbing.trialId, rung: climbing.rung ?? top };
  }
  const open = finished + running < target;
  const [promotion] = pruner.promotions(trials, { open });
  if (promotion) return { kind: 'promote', ...promotion };
  if (open) {
    const fresh = requeued[0];
    if (fresh) {
      return { kind: 'reoffer', trialId: fresh.trialId, rung: pruner.bracketStart(fresh.bracket) };
    }
    const bracket = pruner.bracketFor(trials);
    return { kind: 'new', bracket, rung: pruner.bracketStart(bracket) };
  }
  const belowTop = trials.some((t) => t.status === 'running' && t.rung !== null && t.rung < top);
  if (finished >= target && !belowTop) return { kind: 'done', finished };
  return { kind: 'wait', finished, running };
}
