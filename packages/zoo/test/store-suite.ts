import { createPruner } from '../src/search/pruner';
import type { ArchSpec } from '../src/spec';
import {
  FeatureConfigMismatchError,
  type ClaimOutcome,
  type NewTrial,
  type TrialRecord,
  type TrialStore,
  type WorkerIdentity,
} from '../src/store/trial-store';

/**
 * The behaviour every TrialStore must have. Each engine's test file calls
 * `describeTrialStore('engine', open)`; `open` returns a fresh, empty store.
 */
export function describeTrialStore(
  engine: string,
  open: () => Promise<{ store: TrialStore; cleanup(): Promise<void> }>,
): void {
  describe(`TrialStore contract: ${engine}`, () => {
    let store: TrialStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const spec: ArchSpec = {
      stemFilters: 8,
      growth: 1,
      blocks: [
        [0, 1, 'avg'],
        [0, 1, 'max'],
      ],
    };
    const me: WorkerIdentity = { worker: 'host-a:1:0', host: 'host-a', pid: 1 };
    const other: WorkerIdentity = { worker: 'host-b:2:0', host: 'host-b', pid: 2 };
    const proposal =
      (ids: string[]) =>
      (i: number): NewTrial => ({
        sampleIndex: i,
        archId: ids[i] ?? `arch-${i}`,
        spec,
        seed: 1000 + i,
        params: 100 + i,
        sizeKiB: (4 * (100 + i)) / 1024,
        sizeKiBFp16: (2 * (100 + i)) / 1024,
        rejectedBySize: 3 * i,
      });
    const claim = (target: number, who = me, ids: string[] = []): Promise<ClaimOutcome> =>
      store.claimTrial('s', { targetFinished: target, identity: who, propose: proposal(ids) });
    const claimed = async (target: number, who = me, ids: string[] = []): Promise<TrialRecord> => {
      const c = await claim(target, who, ids);
      if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
      return c.trial;
    };
    const result = (accuracy: number) => ({
      accuracy,
      loss: 1 - accuracy,
      seconds: 2,
      epochs: [
        {
          epoch: 1,
          trainLoss: 0.9,
          testLoss: 0.8,
          testAccuracy: accuracy,
          segmentAccuracy: accuracy - 0.01,
          seconds: 1,
          samplesPerSec: 50,
        },
      ],
    });

    beforeEach(async () => {
      await store.createStudy({ name: 's', seed: 7, config: { window: [250, 500] } });
    });

    it('creates a study once; creating it again returns the stored record unchanged', async () => {
      const again = await store.createStudy({ name: 's', seed: 99, config: { other: true } });
      expect(again.seed).toBe(7);
      expect(again.config).toEqual({ window: [250, 500] });
      expect(again.nextSampleIndex).toBe(0);
      expect((await store.getStudy('s'))?.name).toBe('s');
      expect(await store.getStudy('nope')).toBeNull();
      expect((await store.listStudies()).map((s) => s.name)).toEqual(['s']);
    });

    it('claims consecutive sample indexes and records who runs each trial', async () => {
      const a = await claimed(5);
      const b = await claimed(5, other);
      expect([a.sampleIndex, b.sampleIndex]).toEqual([0, 1]);
      expect([a.number, b.number]).toEqual([0, 1]);
      expect(a).toMatchObject({
        status: 'running',
        worker: me.worker,
        host: 'host-a',
        pid: 1,
        seed: 1000,
      });
      expect(a.spec).toEqual(spec);
      expect(a.rejectedBySize).toBe(0);
      expect(b.rejectedBySize).toBe(3);
      expect(a.heartbeatAt).toBeGreaterThan(0);
      expect((await store.getStudy('s'))?.nextSampleIndex).toBe(2);
    });

    it('skips a proposal whose architecture is already in the study', async () => {
      const ids = ['x', 'y', 'x', 'z'];
      await claimed(5, me, ids);
      await claimed(5, me, ids);
      const third = await claimed(5, me, ids);
      expect(third.archId).toBe('z');
      expect(third.sampleIndex).toBe(3);
    });

    it('says wait while running trials fill the target and done once it is complete', async () => {
      const a = await claimed(2);
      const b = await claimed(2);
      expect(await claim(2)).toEqual({ kind: 'wait', complete: 0, running: 2 });
      expect(
        await store.finishTrial(a.trialId, me.worker, { status: 'complete', result: result(0.9) }),
      ).toBe(true);
      expect(await claim(2)).toEqual({ kind: 'wait', complete: 1, running: 1 });
      await store.finishTrial(b.trialId, me.worker, { status: 'complete', result: result(0.8) });
      expect(await claim(2)).toEqual({ kind: 'done', complete: 2 });
      expect(await store.countTrials('s')).toEqual({
        running: 0,
        complete: 2,
        failed: 0,
        interrupted: 0,
        pruned: 0,
      });
    });

    it('stores final metrics and epochs of a complete trial', async () => {
      const a = await claimed(3);
      await store.reportEpoch(a.trialId, me.worker, { ...result(0.5).epochs[0], epoch: 0 });
      await store.finishTrial(a.trialId, me.worker, {
        status: 'complete',
        result: { ...result(0.9), segmentAccuracy: 0.85, backend: 'cpu' },
      });
      const t = (await store.getTrial(a.trialId))!;
      expect(t).toMatchObject({ status: 'complete', accuracy: 0.9, loss: expect.closeTo(0.1, 12) });
      expect(t).toMatchObject({ segmentAccuracy: 0.85, backend: 'cpu', seconds: 2, error: null });
      expect(t.endedAt).toBeGreaterThanOrEqual(t.startedAt);
      expect(t.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      expect(t.epochs[0].testAccuracy).toBe(0.5);
      const [listed] = await store.getTrials('s');
      expect(listed).toEqual(t);
    });

    it('stores a NaN metric (a diverged loss) as null and keeps infinities', async () => {
      const a = await claimed(3);
      await store.reportEpoch(a.trialId, me.worker, {
        ...result(0.5).epochs[0],
        trainLoss: NaN,
        testLoss: Infinity,
      });
      const [epoch] = (await store.getTrial(a.trialId))!.epochs;
      expect(epoch).toMatchObject({ trainLoss: null, testLoss: Infinity, testAccuracy: 0.5 });
    });

    it('hands out records the caller may mutate without touching the store', async () => {
      const a = await claimed(3);
      a.spec.blocks.pop();
      a.status = 'complete';
      const fresh = (await store.getTrial(a.trialId))!;
      expect(fresh.spec).toEqual(spec);
      expect(fresh.status).toBe('running');
    });

    it('lets only the owning worker heartbeat, report or finish a running trial', async () => {
      const a = await claimed(3);
      expect(await store.heartbeat(a.trialId, other.worker)).toBe(false);
      expect(await store.reportEpoch(a.trialId, other.worker, result(0.5).epochs[0])).toBe(false);
      expect(
        await store.finishTrial(a.trialId, other.worker, { status: 'failed', error: 'x' }),
      ).toBe(false);
      expect(await store.heartbeat(a.trialId, me.worker)).toBe(true);
      expect(
        await store.finishTrial(a.trialId, me.worker, { status: 'failed', error: 'boom' }),
      ).toBe(true);
      expect(
        await store.finishTrial(a.trialId, me.worker, { status: 'complete', result: result(1) }),
      ).toBe(false);
      expect(await store.heartbeat(a.trialId, me.worker)).toBe(false);
      expect((await store.getTrial(a.trialId))!.error).toBe('boom');
    });

    it('fails trials with stale heartbeats and offers their architecture again first', async () => {
      const a = await claimed(3);
      const b = await claimed(3, other);
      // a's heartbeat is 600 ms old, b's fresh: a 400 ms timeout separates them even when a
      // loaded machine takes a few hundred ms between b's heartbeat and the sweep.
      await new Promise((r) => setTimeout(r, 600));
      await store.heartbeat(b.trialId, other.worker);
      const marked = await store.failStaleTrials('s', { heartbeatTimeoutMs: 400 });
      expect(marked.map((t) => t.trialId)).toEqual([a.trialId]);
      expect(marked[0]).toMatchObject({ status: 'failed', requeued: true });
      expect(marked[0].error).toMatch(/heartbeat/);
      expect(await store.heartbeat(a.trialId, me.worker)).toBe(false);
      const retry = await claimed(3, other);
      expect(retry).toMatchObject({
        sampleIndex: 0,
        archId: a.archId,
        seed: a.seed,
        retryOf: a.trialId,
      });
      expect((await store.getTrial(a.trialId))!.requeued).toBe(false);
      const next = await claimed(3, other);
      expect(next.sampleIndex).toBe(2);
    });

    it('fails the trials of workers named dead regardless of their heartbeat', async () => {
      const a = await claimed(3);
      await claimed(3, other);
      const marked = await store.failStaleTrials('s', {
        heartbeatTimeoutMs: 60_000,
        deadWorkers: [me.worker],
      });
      expect(marked.map((t) => t.trialId)).toEqual([a.trialId]);
    });

    it('re-offers interrupted trials but not trials the evaluator failed', async () => {
      const a = await claimed(5);
      const b = await claimed(5);
      await store.finishTrial(a.trialId, me.worker, { status: 'failed', error: 'evaluator threw' });
      await store.finishTrial(b.trialId, me.worker, { status: 'interrupted', reason: 'SIGINT' });
      expect((await store.getTrial(b.trialId))!).toMatchObject({
        status: 'interrupted',
        requeued: true,
      });
      const c = await claimed(5);
      expect(c).toMatchObject({ sampleIndex: 1, retryOf: b.trialId });
      const d = await claimed(5);
      expect(d.sampleIndex).toBe(2);
    });

    it('writes nothing when the proposal throws', async () => {
      await expect(
        store.claimTrial('s', {
          targetFinished: 3,
          identity: me,
          propose: () => {
            throw new Error('space exhausted');
          },
        }),
      ).rejects.toThrow('space exhausted');
      expect(await store.getTrials('s')).toEqual([]);
      expect((await store.getStudy('s'))?.nextSampleIndex).toBe(0);
    });

    it('serialises concurrent claims from one process', async () => {
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => claim(10)));
      const trials = outcomes.flatMap((o) => (o.kind === 'claimed' ? [o.trial] : []));
      expect(trials).toHaveLength(10);
      expect(new Set(trials.map((t) => t.sampleIndex)).size).toBe(10);
      expect(outcomes.filter((o) => o.kind === 'wait')).toHaveLength(2);
    });

    it('filters trials by status and rejects an unknown study', async () => {
      const a = await claimed(5);
      await claimed(5);
      await store.finishTrial(a.trialId, me.worker, { status: 'pruned', result: result(0.5) });
      expect((await store.getTrials('s', { status: ['pruned'] })).map((t) => t.trialId)).toEqual([
        a.trialId,
      ]);
      expect(await store.getTrials('s', { status: ['running'] })).toHaveLength(1);
      await expect(store.getTrials('nope')).rejects.toThrow(/no study named "nope"/);
    });

    describe('under a pruner', () => {
      // ASHA, eta 3, rungs at 1, 3 and 9 epochs.
      const pruner = createPruner({
        kind: 'asha',
        minEpochs: 1,
        maxEpochs: 9,
        reductionFactor: 3,
        metric: 'accuracy',
      });
      const claimUnder = (target: number, who = me) =>
        store.claimTrial('s', {
          targetFinished: target,
          identity: who,
          propose: proposal([]),
          pruner,
        });
      const rungResult = (accuracy: number, samples: number, trainedSamples: number) => ({
        ...result(accuracy),
        epochs: [],
        seconds: 5,
        samples,
        trainedSamples,
      });
      const stopAt = (
        id: number,
        who: WorkerIdentity,
        acc: number,
        epochs: number,
        samples: number,
      ) =>
        store.finishTrial(id, who.worker, {
          status: epochs === 9 ? 'complete' : 'pruned',
          result: rungResult(acc, samples, samples - (epochs === 1 ? 0 : epochs === 3 ? 10 : 30)),
          rungEpochs: epochs,
        });

      it('records each rung reached and promotes the best once eta trials reached a rung', async () => {
        const ids: number[] = [];
        for (const acc of [0.5, 0.7, 0.6]) {
          const c = await claimUnder(6);
          expect(c).toMatchObject({ kind: 'claimed', via: 'new', trial: { rung: 0, bracket: 0 } });
          const t = (c as { trial: TrialRecord }).trial;
          ids.push(t.trialId);
          expect(await stopAt(t.trialId, me, acc, 1, 10)).toBe(true);
        }
        const pruned = (await store.getTrial(ids[1]))!;
        expect(pruned).toMatchObject({
          status: 'pruned',
          rung: 0,
          accuracy: 0.7,
          trainedSamples: 10,
        });
        expect(pruned.rungs).toEqual([
          {
            rung: 0,
            epochs: 1,
            samples: 10,
            accuracy: 0.7,
            loss: expect.closeTo(0.3, 12),
            seconds: 5,
          },
        ]);
        // The top 1 of 3 goes on: the same trial, running again under the claimer.
        const promoted = await claimUnder(6, other);
        expect(promoted).toMatchObject({
          kind: 'claimed',
          via: 'promote',
          trial: { trialId: ids[1], number: 1, status: 'running', rung: 1, worker: other.worker },
        });
        expect(await stopAt(ids[1], other, 0.8, 3, 30)).toBe(true);
        const t = (await store.getTrial(ids[1]))!;
        expect(t).toMatchObject({ status: 'pruned', rung: 1, seconds: 10, trainedSamples: 30 });
        expect(t.rungs.map((r) => [r.rung, r.epochs, r.samples])).toEqual([
          [0, 1, 10],
          [1, 3, 30],
        ]);
        expect((await store.getTrials('s')).map((x) => x.status)).toEqual([
          'pruned',
          'pruned',
          'pruned',
        ]);
      });

      it('re-offers a promoted trial whose worker died with its rungs, toward the same rung', async () => {
        for (const acc of [0.5, 0.7, 0.6]) {
          const c = (await claimUnder(3)) as { trial: TrialRecord };
          await store.reportEpoch(c.trial.trialId, me.worker, {
            ...result(acc).epochs[0],
            epoch: 1,
          });
          await stopAt(c.trial.trialId, me, acc, 1, 10);
        }
        const promoted = (await claimUnder(3, other)) as { trial: TrialRecord };
        await store.reportEpoch(promoted.trial.trialId, other.worker, result(0.75).epochs[0]);
        await store.reportEpoch(promoted.trial.trialId, other.worker, {
          ...result(0.75).epochs[0],
          epoch: 2,
        });
        await store.failStaleTrials('s', {
          heartbeatTimeoutMs: 60_000,
          deadWorkers: [other.worker],
        });
        const dead = (await store.getTrial(promoted.trial.trialId))!;
        expect(dead).toMatchObject({ status: 'failed', requeued: true, rung: 1 });
        const again = await claimUnder(3);
        expect(again).toMatchObject({
          kind: 'claimed',
          via: 'reoffer',
          trial: { retryOf: dead.trialId, rung: 1, sampleIndex: dead.sampleIndex, number: 3 },
        });
        const retry = (again as { trial: TrialRecord }).trial;
        expect(retry.rungs).toEqual(dead.rungs);
        // Epoch 2 belonged to the run that died; epoch 1 ended before rung 0 (1 epoch).
        expect(retry.epochs.map((e) => e.epoch)).toEqual([1]);
        expect(retry.trainedSamples).toBeNull();
        expect((await store.getTrial(dead.trialId))!.requeued).toBe(false);
      });

      it('never hands the same promotion to two concurrent claims', async () => {
        for (let i = 0; i < 6; i++) {
          const c = (await claimUnder(6)) as { trial: TrialRecord };
          await stopAt(c.trial.trialId, me, 0.1 * i, 1, 10);
        }
        // All 6 at rung 0, none can come: the top floor(6/3) = 2 go on, once each.
        const outcomes = await Promise.all(Array.from({ length: 5 }, () => claimUnder(6)));
        const promoted = outcomes.flatMap((o) => (o.kind === 'claimed' ? [o.trial.number] : []));
        expect(promoted.sort()).toEqual([4, 5]);
        expect(outcomes.filter((o) => o.kind === 'wait')).toHaveLength(3);
      });
    });

    it('refuses to mix feature configs in a study, naming both hashes', async () => {
      const withHash = (hash: string | null) =>
        store.claimTrial('s', {
          targetFinished: 5,
          identity: me,
          featureConfigHash: hash,
          propose: proposal([]),
        });
      expect((await withHash('aaaa1111')).kind).toBe('claimed');
      expect((await withHash(null)).kind).toBe('claimed');
      const refused = await withHash('bbbb2222').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(FeatureConfigMismatchError);
      expect(refused).toMatchObject({ studyHash: 'aaaa1111', trialHash: 'bbbb2222', study: 's' });
      expect((refused as Error).message).toMatch(/aaaa1111.*bbbb2222/);
      expect(await store.getTrials('s')).toHaveLength(2);
      await store.createStudy({ name: 'h', seed: 1, config: {}, featureConfigHash: 'cccc3333' });
      await expect(
        store.claimTrial('h', {
          targetFinished: 5,
          identity: me,
          featureConfigHash: 'aaaa1111',
          propose: proposal([]),
        }),
      ).rejects.toThrow(/cccc3333.*aaaa1111/);
    });

    it('copies a whole study into another store and refuses to overwrite one', async () => {
      const a = await claimed(4);
      const b = await claimed(4, other);
      await store.reportEpoch(b.trialId, other.worker, result(0.4).epochs[0]);
      await store.finishTrial(a.trialId, me.worker, {
        status: 'complete',
        result: { ...result(0.9), samples: 300, trainedSamples: 300 },
        rungEpochs: 3,
      });
      await store.finishTrial(b.trialId, other.worker, { status: 'interrupted', reason: 'stop' });
      const retry = await claimed(4);
      await store.finishTrial(retry.trialId, me.worker, {
        status: 'complete',
        result: result(0.7),
      });
      await claimed(4);
      const source = (await store.getStudy('s'))!;
      const trials = await store.getTrials('s');
      const target = await open();
      try {
        const copied = await target.store.importStudy({ ...source, name: 'copy' }, trials);
        expect(copied).toMatchObject({
          name: 'copy',
          seed: 7,
          config: source.config,
          nextSampleIndex: 3,
          createdAt: source.createdAt,
        });
        const back = await target.store.getTrials('copy');
        const ids = new Map(trials.map((t, i) => [t.trialId, back[i].trialId]));
        expect(back).toEqual(
          trials.map((t) => ({
            ...t,
            studyName: 'copy',
            trialId: ids.get(t.trialId),
            retryOf: t.retryOf === null ? null : ids.get(t.retryOf),
          })),
        );
        expect(back[2].retryOf).toBe(back[1].trialId);
        expect(back[0]).toMatchObject({ rung: 0, trainedSamples: 300 });
        expect(back[0].rungs).toEqual([
          {
            rung: 0,
            epochs: 3,
            samples: 300,
            accuracy: 0.9,
            loss: expect.closeTo(0.1, 12),
            seconds: 2,
          },
        ]);
        await expect(target.store.importStudy({ ...source, name: 'copy' }, [])).rejects.toThrow(
          /a study named "copy" already exists/,
        );
      } finally {
        await target.store.close();
        await target.cleanup();
      }
    });
  });
}
