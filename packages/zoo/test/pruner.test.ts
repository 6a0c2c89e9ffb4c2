import {
  createPruner,
  hyperbandBrackets,
  paperProtocol,
  rungLadder,
  validatePrunerConfig,
  PrunerConfigError,
  type Pruner,
  type PrunerConfig,
} from '../src/search/pruner';
import { planClaim, type ClaimPlan } from '../src/search/schedule';
import type { TrialState, TrialStatus } from '../src/store/trial-store';

/**
 * A study as the store would hold it, driven by hand: claim() applies planClaim's decision
 * as a store's claim transaction does, finish() records a rung as the worker does.
 */
class Sim {
  trials: TrialState[] = [];
  log: string[] = [];
  constructor(
    readonly pruner: Pruner,
    readonly target: number,
  ) {}

  claim(): ClaimPlan {
    const plan = planClaim(this.trials, this.pruner, this.target);
    if (plan.kind === 'new') {
      const n = this.trials.length;
      this.trials.push({
        trialId: n + 1,
        number: n,
        sampleIndex: n,
        status: 'running',
        bracket: plan.bracket,
        rung: plan.rung,
        rungs: [],
        requeued: false,
        retryOf: null,
      } as unknown as TrialState);
      this.log.push(`new t${n}@${plan.rung}`);
    } else if (plan.kind === 'promote') {
      const t = this.byId(plan.trialId);
      t.status = 'running';
      t.rung = plan.rung;
      this.log.push(`promote t${t.number}@${plan.rung}`);
    } else this.log.push(plan.kind);
    return plan;
  }

  byId(id: number): TrialState {
    return this.trials.find((t) => t.trialId === id)!;
  }

  /** The running trial `number` reaches its rung with this metric. */
  finish(number: number, accuracy: number): void {
    const t = this.trials[number];
    expect(t.status).toBe('running');
    const rung = t.rung!;
    t.rungs.push({
      rung,
      epochs: this.pruner.rungs[rung],
      samples: null,
      accuracy,
      loss: 1 - accuracy,
      seconds: 1,
    });
    t.status = (rung === this.pruner.rungs.length - 1 ? 'complete' : 'pruned') as TrialStatus;
  }

  /** One worker: claim, finish with value(trial, rung), until done. */
  runAll(value: (number: number, rung: number) => number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const plan = this.claim();
      if (plan.kind === 'done') return;
      if (plan.kind === 'wait') throw new Error('one worker never waits');
      const t = plan.kind === 'new' ? this.trials[this.trials.length - 1] : this.byId(plan.trialId);
      this.finish(t.number, value(t.number, t.rung!));
    }
    throw new Error('no end');
  }

  at(status: TrialStatus): number[] {
    return this.trials.filter((t) => t.status === status).map((t) => t.number);
  }
}

const asha = (o: Partial<PrunerConfig> = {}): Pruner =>
  createPruner({
    kind: 'asha',
    maxEpochs: 9,
    minEpochs: 1,
    reductionFactor: 3,
    metric: 'accuracy',
    ...o,
  });

describe('rungs', () => {
  it('lie at min-epochs x eta^k up to the budget, fractions included', () => {
    expect(rungLadder(1 / 3, 3, 3)).toEqual([1 / 3, 1, 3]);
    expect(rungLadder(1, 9, 3)).toEqual([1, 3, 9]);
    expect(rungLadder(0.5, 3, 3)).toEqual([0.5, 1.5, 3]); // the top is the budget itself
    expect(rungLadder(3 / 16, 3, 4)).toEqual([3 / 16, 0.75, 3]);
    expect(createPruner(paperProtocol(3)).rungs).toEqual([3]);
  });

  it('refuse settings that cannot work, naming the setting', () => {
    const bad = (o: Partial<PrunerConfig>) => () =>
      validatePrunerConfig({ ...asha().config, ...o });
    expect(bad({ minEpochs: 10 })).toThrow(PrunerConfigError);
    expect(bad({ minEpochs: 9 })).toThrow(/asha needs min-epochs below epochs/);
    expect(bad({ reductionFactor: 1 })).toThrow(/reduction-factor/);
    expect(bad({ metric: 'f1' as never })).toThrow(/metric/);
  });
});

describe('ASHA promotions, worked by hand', () => {
  it('promotes early trials before later ones arrive, and ends with the best at the top', () => {
    // eta 3, rungs 1/3/9 epochs, 6 trials. Rung-0 accuracies in arrival order:
    const first = [0.5, 0.7, 0.6, 0.9, 0.4, 0.8];
    const second: Record<number, number> = { 1: 0.75, 3: 0.92, 5: 0.85 };
    const s = new Sim(asha(), 6);
    s.runAll((n, rung) => (rung === 0 ? first[n] : rung === 1 ? second[n] : 0.95));
    expect(s.log).toEqual([
      'new t0@0',
      'new t1@0',
      'new t2@0',
      // 3 at rung 0: the top floor(3/3) = 1, t1 (0.7), goes on before t3..t5 exist.
      'promote t1@1',
      'new t3@0',
      // 4 at rung 0: the top 1 is now t3 (0.9); t1 keeps its promotion.
      'promote t3@1',
      'new t4@0',
      'new t5@0',
      // All 6 arrived, none can still come: rung 0 promotes its top floor(6/3) = 2, t3 and t5.
      'promote t5@1',
      // Rung 1 is closed with 3: its top 1 (t3, 0.92) reaches the top rung.
      'promote t3@2',
      'done',
    ]);
    expect(s.at('complete')).toEqual([3]);
    expect(s.at('pruned')).toEqual([0, 1, 2, 4, 5]);
    expect(s.trials.map((t) => t.rung)).toEqual([0, 1, 0, 2, 0, 1]);
  });

  it('ranks by loss, lower first, when asked', () => {
    const s = new Sim(asha({ metric: 'loss' }), 3);
    // finish() records loss = 1 - accuracy: t2 has the lowest loss.
    s.runAll((n) => [0.2, 0.1, 0.6][n]);
    expect(s.log.slice(0, 4)).toEqual(['new t0@0', 'new t1@0', 'new t2@0', 'promote t2@1']);
    expect(s.at('complete')).toEqual([2]);
  });

  it('waits while trials on their way to a rung may still change its promotions', () => {
    const s = new Sim(asha(), 4);
    for (let i = 0; i < 4; i++) expect(s.claim().kind).toBe('new');
    // Four workers busy; the study is full: a fifth waits.
    expect(s.claim()).toEqual({ kind: 'wait', finished: 0, running: 4 });
    s.finish(0, 0.3);
    s.finish(1, 0.8);
    s.finish(2, 0.5);
    // 3 of rung 0 in, t3 still running: the top floor(3/3) = 1 goes on at once.
    expect(s.claim()).toEqual({ kind: 'promote', trialId: 2, rung: 1 });
    expect(s.claim().kind).toBe('wait');
    s.finish(3, 0.9);
    s.finish(1, 0.81);
    // Rung 0 is closed with 4: its top 1 is now t3, not yet promoted (t1's early
    // promotion does not take its place).
    expect(s.claim()).toEqual({ kind: 'promote', trialId: 4, rung: 1 });
    s.finish(3, 0.83);
    // Rung 1 is closed with t1 (0.81) and t3 (0.83): its top 1 goes on to the top.
    expect(s.claim()).toEqual({ kind: 'promote', trialId: 4, rung: 2 });
    s.finish(3, 0.84);
    expect(s.claim()).toEqual({ kind: 'done', finished: 4 });
    expect(s.at('complete')).toEqual([3]);
  });

  it('re-offers a dead trial that had reached rungs before anything else', () => {
    const s = new Sim(asha(), 3);
    s.runAll(() => 0.5);
    const t = s.trials.find((x) => x.status === 'complete')!;
    // As if the worker that took it to the top had died: failed, requeued, rungs kept.
    t.status = 'failed';
    t.requeued = true;
    t.rungs.pop();
    expect(planClaim(s.trials, s.pruner, 3)).toEqual({
      kind: 'reoffer',
      trialId: t.trialId,
      rung: 2,
    });
  });
});

describe('the paper protocol and observation rungs', () => {
  it('one rung: every trial trains the full budget, done at the target', () => {
    const s = new Sim(createPruner(paperProtocol(3)), 4);
    s.runAll((n) => n / 10);
    expect(s.at('complete')).toEqual([0, 1, 2, 3]);
    expect(s.log).toEqual(['new t0@0', 'new t1@0', 'new t2@0', 'new t3@0', 'done']);
  });

  it('rungs below the top only record: every trial goes on to the top', () => {
    const s = new Sim(createPruner({ ...paperProtocol(3), minEpochs: 1 / 3 }), 3);
    s.runAll(() => 0.5);
    expect(s.at('complete')).toEqual([0, 1, 2]);
    expect(s.trials.every((t) => t.rungs.map((r) => r.rung).join() === '0,1,2')).toBe(true);
  });
});

describe('Hyperband', () => {
  it("has the paper's bracket budgets (Li et al. 2018, Table 1: R = 81, eta = 3)", () => {
    const table = hyperbandBrackets(81, 3).map((b) => b.rounds.map(({ n, r }) => [n, r]));
    expect(table).toEqual([
      [
        [81, 1],
        [27, 3],
        [9, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [34, 3],
        [11, 9],
        [3, 27],
        [1, 81],
      ],
      [
        [15, 9],
        [5, 27],
        [1, 81],
      ],
      [
        [8, 27],
        [2, 81],
      ],
      [[5, 81]],
    ]);
  });

  it('asynchronously, deals 143 trials as the table and promotes as many per rung', () => {
    const pruner = createPruner({
      kind: 'hyperband',
      maxEpochs: 81,
      minEpochs: 1,
      reductionFactor: 3,
      metric: 'accuracy',
    });
    expect(pruner.rungs).toEqual([1, 3, 9, 27, 81]);
    const s = new Sim(pruner, 143);
    // Each trial worse than every earlier one: ASHA then never promotes a trial that a
    // later one displaces, and its asynchronous promotions add up to the synchronous table.
    s.runAll((n) => 1 - n / 1000);
    const reached = (b: number) =>
      pruner.rungs
        .map(
          (_, k) =>
            s.trials.filter((t) => t.bracket === b && t.rungs.some((r) => r.rung === k)).length,
        )
        .slice(b);
    const table = hyperbandBrackets(81, 3);
    for (let b = 0; b < 5; b++) expect(reached(b)).toEqual(table[b].rounds.map((r) => r.n));
  });
});
