import { describeWindow, studySizeWindow, TRIAL_STATUSES, type StudyAnalysis } from '@asc/zoo';
import type { Fact, Table } from './model';
import type { RunSummary } from './runRecord';
import { mean, median, sum } from './stats';
import type { StudySnapshot } from './studyData';

function seconds(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min (${s.toFixed(0)} s)`;
  return `${(s / 3600).toFixed(2)} h (${s.toFixed(0)} s)`;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} (${n})`).join(', ') || 'none recorded';
}

/** The search's own facts: what ran, what failed, where, and how long it took. */
export function searchFacts(snapshot: StudySnapshot, analysis: StudyAnalysis): Fact[] {
  const { study, trials } = snapshot;
  const facts: Fact[] = [];
  if (study) {
    facts.push({ label: 'study', value: `${study.name} (seed ${study.seed})` });
    facts.push({ label: 'trial store', value: snapshot.storeLocation ?? 'none' });
  }
  const window = study && studySizeWindow(study);
  if (window) {
    const paperWindow = Object.keys(window).length === 2;
    facts.push(
      paperWindow
        ? {
            label: 'size window (KiB, float32)',
            value: `${window.minKiB} < size < ${window.maxKiB}`,
          }
        : { label: 'size window and limits', value: describeWindow(window) },
    );
  }
  facts.push({ label: 'trials recorded', value: String(trials.length) });
  for (const status of TRIAL_STATUSES) {
    facts.push({ label: `trials ${status}`, value: String(analysis.counts[status]) });
  }
  facts.push({
    label: 'trials that re-ran an interrupted or lost one',
    value: String(trials.filter((t) => t.retryOf !== null).length),
  });
  facts.push({
    label: 'distinct architectures proposed',
    value: String(new Set(trials.map((t) => t.archId)).size),
  });
  facts.push({
    label: 'samples rejected by size (raw draws outside the window)',
    value: String(analysis.rejectedBySize),
  });
  const complete = trials.filter((t) => t.status === 'complete' && t.seconds !== null);
  const perCandidate = complete.map((t) => t.seconds as number);
  facts.push({ label: 'compute per complete candidate, mean', value: seconds(mean(perCandidate)) });
  facts.push({
    label: 'compute per complete candidate, median',
    value: seconds(median(perCandidate)),
  });
  facts.push({
    label: 'compute, all trials (evaluator-reported seconds)',
    value: seconds(sum(trials.filter((t) => t.seconds !== null).map((t) => t.seconds as number))),
  });
  const started = trials.map((t) => t.startedAt);
  const ended = trials.map((t) => t.endedAt).filter((e): e is number => e !== null);
  if (started.length > 0 && ended.length > 0) {
    facts.push({
      label: 'wall clock, first start to last end',
      value: seconds((Math.max(...ended) - Math.min(...started)) / 1000),
    });
  }
  facts.push({
    label: 'backends (trials)',
    value: countBy(
      trials.filter((t) => t.backend),
      (t) => t.backend as string,
    ),
  });
  facts.push({ label: 'hosts (trials)', value: countBy(trials, (t) => t.host) });
  facts.push({ label: 'workers', value: String(new Set(trials.map((t) => t.worker)).size) });
  return facts;
}

/** The trainer's backend record in words: package, version, tfjs backend, threads. */
export function backendText(backend: unknown): string {
  if (backend === null || backend === undefined) return 'not recorded';
  if (typeof backend === 'string') return backend;
  const b = backend as Record<string, unknown>;
  if (typeof b.name === 'string') {
    const parts = [
      [b.package, b.version].filter((v) => typeof v === 'string').join(' '),
      `backend ${b.name}`,
      typeof b.threads === 'number' ? `${b.threads} threads` : '',
      b.nativeKernels === true ? 'native kernels' : '',
    ];
    return parts.filter((p) => p !== '').join(', ');
  }
  return JSON.stringify(backend);
}

/** One row per retrained run: where and how long it trained. */
export function retrainingTable(runs: readonly RunSummary[]): Table {
  return {
    id: 'retraining',
    title: 'Retraining runs',
    caption:
      'The final-recipe runs under retrain/: backend as recorded, seed, epochs and training time.',
    columns: [
      { key: 'run', label: 'run', format: { kind: 'text' } },
      { key: 'model', label: 'model', format: { kind: 'text' } },
      { key: 'backend', label: 'backend', format: { kind: 'text' } },
      { key: 'seed', label: 'seed', format: { kind: 'integer' } },
      { key: 'epochsDone', label: 'epochs done', format: { kind: 'integer' } },
      { key: 'epochsPlanned', label: 'epochs planned', format: { kind: 'integer' } },
      { key: 'trainingSeconds', label: 'training (s)', format: { kind: 'fixed', decimals: 1 } },
    ],
    rows: runs.map((r) => ({
      run: r.name,
      model: r.model,
      backend: backendText(r.backend),
      seed: r.seed,
      epochsDone: r.epochsDone,
      epochsPlanned: r.epochsPlanned,
      trainingSeconds: r.trainingSeconds,
    })),
    notes: [],
  };
}
