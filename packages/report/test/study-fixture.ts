import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_FEATURE_CONFIG } from '@asc/native';
import {
  RandomSampler,
  SqliteTrialStore,
  Study,
  type TrialOutcome,
  type WorkerIdentity,
} from '@asc/zoo';

/**
 * A small study written the way `asc search` and `asc train` write one: trials through
 * the store's own API (specs from the seeded sampler), run records per the trainer's
 * contract, and a DCASE-layout dataset directory with CSVs and a few audio files.
 */
export interface FixtureOptions {
  /** Complete candidates. */
  complete: number;
  failed?: number;
  interrupted?: number;
  /** Write retrain/<name>/run.json for the two selections and a baseline. */
  runs?: boolean;
  seed?: number;
  /** The study's classes, recorded in study.json and the run records (default the 3Class ones). */
  labels?: string[];
}

export interface Fixture {
  dir: string;
  datasetDir: string;
  storeFile: string;
  cleanup(): void;
}

export const FIXTURE_STUDY = 'fixture';
export const FIXTURE_WINDOW = { minKiB: 250, maxKiB: 500 };

// A deterministic stand-in for the evaluator's metrics: a Park-Miller stream.
function metricsStream(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

function writeDataset(root: string): void {
  fs.mkdirSync(path.join(root, 'evaluation_setup'), { recursive: true });
  fs.mkdirSync(path.join(root, 'audio'), { recursive: true });
  const files = [
    'audio/bus-lyon-1-0-a.wav',
    'audio/park-paris-2-0-a.wav',
    'audio/metro-vienna-3-0-a.wav',
  ];
  fs.writeFileSync(
    path.join(root, 'meta.csv'),
    'filename\tscene_label\tidentifier\tsource_label\n' +
      `${files[0]}\ttransportation\tlyon-1\ta\n${files[1]}\toutdoor\tparis-2\ta\n${files[2]}\ttransportation\tvienna-3\ta\n`,
  );
  fs.writeFileSync(
    path.join(root, 'evaluation_setup', 'fold1_train.csv'),
    `filename\tscene_label\n${files[0]}\ttransportation\n${files[1]}\toutdoor\n`,
  );
  fs.writeFileSync(
    path.join(root, 'evaluation_setup', 'fold1_evaluate.csv'),
    `filename\tscene_label\n${files[2]}\ttransportation\n`,
  );
  for (const f of files) fs.writeFileSync(path.join(root, f), Buffer.alloc(44));
}

export async function buildFixtureStudy(o: FixtureOptions): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-report-study-'));
  const datasetDir = path.join(dir, 'dataset');
  writeDataset(datasetDir);
  const seed = o.seed ?? 7;
  const classes = o.labels?.length ?? 3;
  fs.writeFileSync(
    path.join(dir, 'study.json'),
    JSON.stringify({
      name: FIXTURE_STUDY,
      seed,
      dataset: 'dataset',
      window: FIXTURE_WINDOW,
      trials: o.complete,
      ...(o.labels ? { labels: o.labels } : {}),
    }),
  );
  const storeFile = path.join(dir, 'trials.sqlite');
  const store = await SqliteTrialStore.open(storeFile);
  const sampler = new RandomSampler({ seed, window: FIXTURE_WINDOW, classes });
  const next = metricsStream(seed);
  const who: WorkerIdentity = { worker: 'fixture-host:1:0', host: 'fixture-host', pid: 1 };
  try {
    await Study.open(store, {
      name: FIXTURE_STUDY,
      seed,
      window: FIXTURE_WINDOW,
      classes,
      featureConfigHash: 'feature-hash-0001',
      extra: { recipe: { epochs: 3 } },
    });
    const plan: TrialOutcome['status'][] = [
      ...Array<TrialOutcome['status']>(o.complete).fill('complete'),
      ...Array<TrialOutcome['status']>(o.failed ?? 0).fill('failed'),
      ...Array<TrialOutcome['status']>(o.interrupted ?? 0).fill('interrupted'),
    ];
    for (const [i, status] of plan.entries()) {
      const claim = await store.claimTrial(FIXTURE_STUDY, {
        targetFinished: plan.length,
        identity: who,
        featureConfigHash: 'feature-hash-0001',
        propose: (k) => {
          const p = sampler.at(k);
          return {
            sampleIndex: k,
            archId: p.archId,
            spec: p.spec,
            seed: 1000 + k,
            params: p.params,
            sizeKiB: (p.params * 4) / 1024,
            sizeKiBFp16: (p.params * 2) / 1024,
            rejectedBySize: p.rejectedBySize,
          };
        },
      });
      if (claim.kind !== 'claimed') throw new Error(`fixture: expected a claim, got ${claim.kind}`);
      const trialId = claim.trial.trialId;
      if (status === 'failed') {
        await store.finishTrial(trialId, who.worker, {
          status: 'failed',
          error: 'fixture failure',
        });
        continue;
      }
      if (status === 'interrupted') {
        await store.finishTrial(trialId, who.worker, {
          status: 'interrupted',
          reason: 'fixture stop',
        });
        continue;
      }
      const accuracy = Math.round((0.6 + 0.3 * next()) * 1000) / 1000;
      const loss = Math.round((0.2 + 0.4 * next()) * 10000) / 10000;
      const epochs = [1, 2, 3].map((epoch) => ({
        epoch,
        trainLoss: loss + 0.1 * (4 - epoch),
        testLoss: loss + 0.05 * (3 - epoch),
        testAccuracy: accuracy - 0.01 * (3 - epoch),
        segmentAccuracy: accuracy - 0.02,
        seconds: 10 + i,
        samplesPerSec: 100,
      }));
      for (const e of epochs) await store.reportEpoch(trialId, who.worker, e);
      await store.finishTrial(trialId, who.worker, {
        status: 'complete',
        result: {
          accuracy,
          loss,
          segmentAccuracy: accuracy - 0.02,
          seconds: 3 * (10 + i),
          backend: 'tfjs-cpu-native',
          epochs,
        },
      });
    }
    if (o.runs) {
      const trials = (await store.getTrials(FIXTURE_STUDY)).filter((t) => t.status === 'complete');
      const best = [...trials].sort((a, b) => (b.accuracy as number) - (a.accuracy as number))[0];
      const lowest = [...trials].sort((a, b) => (a.loss as number) - (b.loss as number))[0];
      const labels = o.labels ? { labels: o.labels } : {};
      writeRun(dir, 'best-accuracy', best.archId, best.spec, 0.912, 0.2345, {
        fp32Bytes: 4 * best.params + 5000,
        fp16Bytes: 2 * best.params + 5000,
        ...labels,
      });
      writeRun(dir, 'lowest-loss', lowest.archId, lowest.spec, 0.905, 0.2111, {
        fp32Bytes: 4 * lowest.params + 5000,
        fp16Bytes: 2 * lowest.params + 5000,
        ...labels,
      });
      writeRun(
        dir,
        'mobilenet-v1',
        'mobilenet-v1',
        null,
        0.899,
        0.25,
        { fp32Bytes: 12_800_000, fp16Bytes: 6_400_000 },
        3_200_000,
      );
    }
  } finally {
    await store.close();
  }
  return {
    dir,
    datasetDir,
    storeFile,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Writes a run record with the fields of the trainer's contract (issue 4). Its evaluate
 * clips: 10 per class; min(k, 9) clips of class k are taken for class k + 1 (mod n), the
 * rest are right.
 */
export function writeRun(
  studyDir: string,
  name: string,
  model: string,
  spec: unknown,
  testAccuracy: number,
  testLoss: number,
  exported: { fp32Bytes: number; fp16Bytes: number; labels?: string[] },
  params?: number,
): string {
  const { labels = ['indoor', 'outdoor', 'transportation'], ...exportSizes } = exported;
  const n = labels.length;
  const confusion = labels.map((_, k) => {
    const row = new Array<number>(n).fill(0);
    for (let j = 0; j < 10; j++) row[j < Math.min(k, 9) ? (k + 1) % n : k] += 1;
    return row;
  });
  const runDir = path.join(studyDir, 'retrain', name);
  fs.mkdirSync(runDir, { recursive: true });
  const history = [1, 2].map((epoch) => ({
    epoch,
    trainLoss: 0.5 / epoch,
    testLoss: testLoss + 0.01 * (2 - epoch),
    testAccuracy,
    segmentAccuracy: testAccuracy - 0.01,
    seconds: 60 + epoch,
    samplesPerSec: 120,
    learningRate: 0.001,
  }));
  const record = {
    format: 'asc-run/1',
    status: 'complete',
    model,
    spec,
    ...(params !== undefined ? { params } : {}),
    backend: {
      requested: 'auto',
      name: 'cpu',
      package: '@tensorflow/tfjs',
      version: '4.22.0',
      threads: 2,
      nativeKernels: true,
      notes: [],
    },
    recipe: { name: 'final', epochs: 2, batchSize: 64, learningRate: 0.001 },
    seed: 42,
    epochs: 2,
    epochsDone: 2,
    normalisation: { planes: 2, bands: 128, mean: [], scale: [], segments: 60 },
    data: {
      datasetDir: null,
      cacheDir: null,
      featureConfigHash: 'feature-hash-0001',
      featureConfig: DEFAULT_FEATURE_CONFIG,
      inputShape: [128, 128, 2],
      loader: 'worker',
      classes: labels,
      trainClips: 6,
      trainSegments: 60,
      evaluateClips: 30,
    },
    history,
    final: {
      testAccuracy,
      testLoss,
      segmentAccuracy: testAccuracy - 0.01,
      segmentBce: testLoss,
      perClass: confusion.map((row, k) => row[k] / 10),
      confusion,
      classes: labels,
      clips: 10 * n,
      segments: 300,
    },
    export: {
      ...exportSizes,
      fp32ModelJsonBytes: 4000,
      fp16ModelJsonBytes: 4000,
      fp32Dir: 'model-fp32',
      fp16Dir: 'model-fp16',
      fp16MaxAbsDiff: 0.0005,
      fp16CheckedSegments: 64,
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T02:00:00.000Z',
  };
  const file = path.join(runDir, 'run.json');
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
  return file;
}
