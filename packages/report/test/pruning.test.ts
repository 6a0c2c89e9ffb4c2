import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SqliteTrialStore, Study } from '@asc/zoo';
import { generateReport } from '@asc/report';

/**
 * A study under ASHA written through the store's API (6 trials, eta 3, rungs at 1, 3 and
 * 9 epochs, 100 samples an epoch), its report's rungs, compute and top-rung figures
 * checked against the counts worked out by hand.
 */
describe('report of a pruned study', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-report-pruned-'));
    fs.writeFileSync(path.join(dir, 'study.json'), JSON.stringify({ name: 'asha', seed: 3 }));
    const store = await SqliteTrialStore.open(path.join(dir, 'trials.sqlite'));
    const study = await Study.open(store, {
      name: 'asha',
      seed: 3,
      pruner: { kind: 'asha', maxEpochs: 9, minEpochs: 1, reductionFactor: 3, metric: 'accuracy' },
    });
    const me = { worker: 'w', host: 'h', pid: 1 };
    const trained = new Map<number, number>();
    for (;;) {
      const c = await study.claim(me, 6);
      if (c.kind !== 'claimed') break;
      const t = c.trial;
      const epochs = study.pruner.rungs[t.rung!];
      const accuracy = 0.5 + 0.05 * t.number + 0.01 * epochs;
      const from = trained.get(t.trialId) ?? 0;
      trained.set(t.trialId, epochs * 100);
      await store.finishTrial(t.trialId, me.worker, {
        status: t.rung === 2 ? 'complete' : 'pruned',
        rungEpochs: epochs,
        result: {
          accuracy,
          loss: 1 - accuracy,
          seconds: 1,
          epochs: [],
          samples: epochs * 100,
          trainedSamples: epochs * 100 - from,
        },
      });
    }
    await store.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows the rungs, the promotions and the compute, and plots the top rung', async () => {
    const report = await generateReport({ studyDir: dir, outDir: path.join(dir, 'report') });
    const section = report.model.sections.find((s) => s.title === 'Rungs, promotions and compute')!;
    // Arrivals in rising accuracy: rung 0 promotes t2 (the top 1 of 3), t3 (of 4), t4 (of
    // 5); rung 1 then holds t2..t4 and sends its top 1, t4, to the top before t5 exists.
    // t5 arrives last: rung 0 is closed with 6 (top 2: t5, t4), so t5 goes on, and rung 1,
    // closed with t2..t5, sends its top 1, t5, to the top as well.
    expect(section.tables[0].rows).toEqual([
      { rung: 0, epochs: 1, reached: 6, promoted: 4, stopped: 2 },
      { rung: 1, epochs: 3, reached: 4, promoted: 2, stopped: 2 },
      { rung: 2, epochs: 9, reached: 2, promoted: 0, stopped: 0 },
    ]);
    const facts = Object.fromEntries(section.facts.map((f) => [f.label, f.value]));
    // 6 x 100 + 4 x 200 + 2 x 600 samples, against 6 x 900 for the paper's protocol.
    expect(facts['trained samples, all trials and runs']).toBe('2,600');
    expect(facts["the paper's protocol on as many trials (full budget each)"]).toBe(
      '5,400 samples; this study trained 48.1 % of that',
    );
    expect(facts.pruner).toBe(
      'asha: rungs at 1, 3, 9 epochs, reduction factor 3, ranked by accuracy',
    );
    const figure3 = report.model.sections
      .flatMap((s) => s.figures)
      .find((f) => f.id === 'figure3')!;
    expect(figure3.data.rows.map((r) => r.trialId)).toEqual([5, 6]);
    const notes = report.model.sections.find((s) => s.title.startsWith('Figure 3'))!.notes;
    expect(notes[0]).toMatch(/the 2 trials that reached the top rung \(9 epochs\), of 6 finished/);
  });
});
