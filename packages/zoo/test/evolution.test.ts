import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { archId } from '../src/arch-id';
import { EvolutionSampler, mutate } from '../src/evolution';
import { layerTable, paramCount } from '../src/params';
import { foldedSeedRng } from '@asc/core';
import { RandomSampler } from '../src/sampler';
import { Study } from '../src/search/study';
import { PAPER_SEARCH_SPACE, paramsInWindow, type SizeWindow } from '../src/space';
import type { ArchSpec } from '../src/spec';
import { SqliteTrialStore } from '../src/store/sqlite-store';
import type { TrialState } from '../src/store/trial-store';

const WINDOW: SizeWindow = { minKiB: 250, maxKiB: 500 };

/** Table 2's items of a spec, one string each, so that changed items can be counted. */
function items(s: ArchSpec): Map<string, string> {
  const m = new Map<string, string>([
    ['blocks', String(s.blocks.length)],
    ['stemFilters', String(s.stemFilters)],
    ['growth', String(s.growth)],
  ]);
  s.blocks.forEach(([a, b, p], i) => {
    m.set(`block${i + 1}.A`, String(a));
    m.set(`block${i + 1}.B`, String(b));
    m.set(`block${i + 1}.pool`, p);
  });
  return m;
}

/** Items whose value differs, a change of block count counting once for its blocks. */
function changed(parent: ArchSpec, child: ArchSpec): string[] {
  const [a, b] = [items(parent), items(child)];
  if (a.get('blocks') !== b.get('blocks')) {
    const kept = Math.min(parent.blocks.length, child.blocks.length);
    const sameKept = parent.blocks
      .slice(0, kept)
      .every((blk, i) => JSON.stringify(blk) === JSON.stringify(child.blocks[i]));
    return sameKept ? ['blocks'] : ['blocks', 'and more'];
  }
  return [...a.keys()].filter((k) => a.get(k) !== b.get(k));
}

function inSpace(s: ArchSpec): boolean {
  const sp = PAPER_SEARCH_SPACE;
  return (
    sp.blockCounts.includes(s.blocks.length) &&
    sp.stemFilters.includes(s.stemFilters) &&
    sp.growths.includes(s.growth) &&
    s.blocks.every(
      ([a, b, p]) => sp.moduleA.includes(a) && sp.moduleB.includes(b) && sp.pools.includes(p),
    )
  );
}

/** Trials as the store would hand them to the sampler: `accuracy` scored at rung 0. */
function scored(specs: ArchSpec[], accuracy: (i: number) => number): TrialState[] {
  return specs.map(
    (spec, i) =>
      ({
        trialId: i + 1,
        number: i,
        sampleIndex: i,
        archId: archId(spec),
        spec,
        status: 'complete',
        accuracy: accuracy(i),
        loss: 1 - accuracy(i),
        rejectedBySize: 0,
        rungs: [
          {
            rung: 0,
            epochs: 1,
            samples: 1,
            accuracy: accuracy(i),
            loss: 1 - accuracy(i),
            seconds: 1,
          },
        ],
      }) as unknown as TrialState,
  );
}

describe('mutation', () => {
  it('changes exactly one item of Table 2 to another of its values, inside the space', () => {
    const random = new RandomSampler({ seed: 3, window: WINDOW });
    const rng = foldedSeedRng(11);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const parent = random.at(i % 50).spec;
      const { spec, mutation } = mutate(parent, PAPER_SEARCH_SPACE, rng);
      expect(inSpace(spec)).toBe(true);
      expect(changed(parent, spec)).toEqual([
        mutation.item === 'blocks' ? 'blocks' : mutation.item,
      ]);
      expect(mutation.from).not.toBe(mutation.to);
      expect(items(parent).get(mutation.item)).toBe(mutation.from);
      expect(items(spec).get(mutation.item)).toBe(mutation.to);
      seen.add(mutation.item.replace(/\d+/, 'N'));
      expect(parent).toEqual(random.at(i % 50).spec); // the parent is left as it was
    }
    // Every kind of item gets mutated.
    expect([...seen].sort()).toEqual(
      ['blocks', 'blockN.A', 'blockN.B', 'blockN.pool', 'growth', 'stemFilters'].sort(),
    );
  });
});

describe('EvolutionSampler', () => {
  const options = {
    seed: 5,
    window: WINDOW,
    population: 8,
    tournament: 3,
    metric: 'accuracy' as const,
  };
  const random = new RandomSampler({ seed: 5, window: WINDOW });
  const parents = Array.from({ length: 10 }, (_, i) => random.at(i).spec);

  it("draws the random sampler's architectures until P trials have a result", () => {
    const evo = new EvolutionSampler(options);
    const trials = scored(parents.slice(0, 7), () => 0.5);
    expect(evo.propose(7, trials)).toMatchObject({ ...random.at(7), parent: null, mutation: null });
  });

  it('then mutates a tournament winner: one item changed, in the window, new to the study', () => {
    const evo = new EvolutionSampler(options);
    const trials = scored(parents, (i) => i / 10);
    for (let k = 10; k < 60; k++) {
      const p = evo.propose(k, trials);
      expect(p.parent).not.toBeNull();
      const parent = trials.find((t) => t.number === p.parent!.number)!;
      expect(changed(parent.spec, p.spec)).toHaveLength(1);
      expect(paramsInWindow(paramCount(p.spec), WINDOW)).toBe(true);
      expect(p.params).toBe(paramCount(p.spec));
      expect(trials.map((t) => t.archId)).not.toContain(p.archId);
      // Aging: parents come from the P = 8 youngest trials only.
      expect(p.parent!.number).toBeGreaterThanOrEqual(2);
    }
  });

  it("sizes children with the study's head: 10 classes count a 10-way dense layer", () => {
    const evo = new EvolutionSampler({ ...options, classes: 10 });
    const trials = scored(parents, (i) => i / 10);
    for (let k = 10; k < 20; k++) {
      const p = evo.propose(k, trials);
      expect(p.parent).not.toBeNull();
      expect(p.params).toBe(paramCount(p.spec, { classes: 10 }));
      expect(p.params).toBeGreaterThan(paramCount(p.spec));
      expect(paramsInWindow(p.params, WINDOW)).toBe(true);
    }
  });

  it('keeps children inside a DCASE window: int8 KB, parameter and MAC limits', () => {
    // Under 128 KB of int8 parameters, 100k parameters and 30 MMACs per second, 10 classes.
    const dcase: SizeWindow = {
      minKiB: 40,
      maxKiB: 128,
      bytesPerParam: 1,
      maxParams: 100_000,
      maxMacsPerSecond: 30e6,
      segmentSeconds: 1.28,
    };
    const o = { ...options, window: dcase, classes: 10 };
    const first = new RandomSampler(o);
    const trials = scored(
      Array.from({ length: 10 }, (_, i) => first.at(i).spec),
      (i) => i / 10,
    );
    const evo = new EvolutionSampler(o);
    let redrawn = 0;
    for (let k = 10; k < 50; k++) {
      const p = evo.propose(k, trials);
      expect(p.parent).not.toBeNull();
      // Counted here from the layer table, the window's rule written out.
      const rows = layerTable(p.spec, { classes: 10 });
      const params = rows.reduce((n, r) => n + r.params, 0);
      const macs = rows.reduce((n, r) => n + r.macs, 0);
      expect(p.params).toBe(params);
      expect(params / 1024).toBeGreaterThan(40);
      expect(params / 1024).toBeLessThan(128);
      expect(params).toBeLessThanOrEqual(100_000);
      expect(macs / 1.28).toBeLessThanOrEqual(30e6);
      if (p.draws > 1) redrawn++;
    }
    // The limits bind: some mutations fell outside and were drawn again.
    expect(redrawn).toBeGreaterThan(0);
  });

  it('prefers fitter parents (the tournament)', () => {
    const evo = new EvolutionSampler(options);
    // Trial 9 is far better than the rest: with S = 3 of P = 8 it wins 1 - (7/8)^3 = 33 %.
    const trials = scored(parents, (i) => (i === 9 ? 0.99 : 0.1));
    const wins = Array.from({ length: 300 }, (_, k) => evo.propose(100 + k, trials)).filter(
      (p) => p.parent!.number === 9,
    ).length;
    expect(wins / 300).toBeGreaterThan(0.25);
    expect(wins / 300).toBeLessThan(0.42);
  });

  it('is a function of (seed, sample index, trials): another instance proposes the same', () => {
    const trials = scored(parents, (i) => i / 10);
    const a = new EvolutionSampler(options);
    const b = new EvolutionSampler(options);
    const ka = [10, 11, 12].map((k) => a.propose(k, trials).archId);
    expect([12, 11, 10].map((k) => b.propose(k, trials).archId).reverse()).toEqual(ka);
    expect(new Set(ka).size).toBe(3);
    expect(new EvolutionSampler({ ...options, seed: 6 }).propose(10, trials).archId).not.toBe(
      ka[0],
    );
  });
});

describe('an evolution study', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-evo-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs `n` more trials of the study in `file` with a fitness that rewards width. */
  async function run(file: string, target: number): Promise<void> {
    const store = await SqliteTrialStore.open(file);
    const study = await Study.open(store, {
      name: 'evo',
      seed: 9,
      sampler: { kind: 'evolution', population: 6, tournament: 2 },
    });
    const me = { worker: 'w', host: 'h', pid: 1 };
    for (;;) {
      const c = await study.claim(me, target);
      if (c.kind !== 'claimed') break;
      const accuracy = Math.min(1, c.trial.spec.stemFilters / 128);
      await store.finishTrial(c.trial.trialId, me.worker, {
        status: 'complete',
        result: { accuracy, loss: 1 - accuracy, seconds: 1, epochs: [] },
        rungEpochs: 3,
      });
    }
    await store.close();
  }

  async function archIds(file: string): Promise<string[]> {
    const store = await SqliteTrialStore.open(file);
    const ids = (await store.getTrials('evo')).map((t) => t.archId);
    await store.close();
    return ids;
  }

  it('repeats itself across a restart, and evolves toward the fitter', async () => {
    const once = path.join(dir, 'once.sqlite');
    const twice = path.join(dir, 'twice.sqlite');
    await run(once, 30);
    await run(twice, 14);
    await run(twice, 30);
    const ids = await archIds(once);
    expect(ids).toHaveLength(30);
    expect(await archIds(twice)).toEqual(ids);
    const store = await SqliteTrialStore.open(once);
    const trials = await store.getTrials('evo');
    await store.close();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(trials.slice(0, 6).map((t) => t.accuracy!));
    const late = mean(trials.slice(-6).map((t) => t.accuracy!));
    expect(late).toBeGreaterThan(early);
  });
});
