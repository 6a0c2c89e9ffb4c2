import type { Argv } from 'yargs';
import {
  TRIAL_STATUSES,
  analyseTrials,
  openTrialStore,
  redactUrl,
  type TrialRecord,
  type TrialStatus,
} from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { parseEpochs } from '../cli/flags';
import { askStudy, locateStudy, tellStudy } from '../ops/ask-tell';
import { describeRungs, type StudyLocation } from '../ops/search';
import { studyOptions, studyRequest, type StudyArgs } from './search';

interface TrialsArgs {
  study: string;
  storage?: string;
  csv: boolean;
  status?: string[];
  analysis: boolean;
}

/** Columns of the table and the CSV, in order. */
const COLUMNS: [string, (t: TrialRecord) => string | number | null][] = [
  ['number', (t) => t.number],
  ['trial_id', (t) => t.trialId],
  ['sample_index', (t) => t.sampleIndex],
  ['arch_id', (t) => t.archId],
  ['status', (t) => t.status],
  ['accuracy', (t) => t.accuracy],
  ['loss', (t) => t.loss],
  ['segment_accuracy', (t) => t.segmentAccuracy],
  ['params', (t) => t.params],
  ['size_kb', (t) => t.sizeKiB],
  ['size_kb_fp16', (t) => t.sizeKiBFp16],
  ['epochs', (t) => t.epochs.length],
  ['bracket', (t) => t.bracket],
  ['rung', (t) => t.rung],
  // rung:epochs:accuracy:loss of every rung reached, ';'-separated
  ['rungs', (t) => t.rungs.map((r) => [r.rung, r.epochs, r.accuracy, r.loss].join(':')).join(';')],
  ['trained_samples', (t) => t.trainedSamples],
  ['seconds', (t) => t.seconds],
  ['backend', (t) => t.backend],
  ['seed', (t) => t.seed],
  ['started_at', (t) => new Date(t.startedAt).toISOString()],
  ['ended_at', (t) => (t.endedAt === null ? null : new Date(t.endedAt).toISOString())],
  ['worker', (t) => t.worker],
  ['host', (t) => t.host],
  ['retry_of', (t) => t.retryOf],
  ['feature_config_hash', (t) => t.featureConfigHash],
  ['error', (t) => (t.error === null ? null : t.error.split('\n')[0])],
];

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

type AskArgs = StudyArgs;

interface TellArgs {
  study: string;
  storage?: string;
  trial: number;
  accuracy?: number;
  loss?: number;
  epochs?: string;
  samples?: number;
  'trained-samples'?: number;
  seconds?: number;
  fail?: string;
}

/** `asc trials ask`: the next trial for a trainer outside this project. */
const askCommand = defineCommand<AskArgs>({
  command: 'ask',
  describe:
    'Claim the next trial to train (id, architecture spec, budget) for a trainer outside asc; ' +
    'creates the study on first use',
  builder: (y: Argv<GlobalOptions>) =>
    studyOptions(y).option('heartbeat-timeout', {
      type: 'number',
      default: 3600,
      describe:
        'Seconds after which an asked trial not yet told counts as dead and is offered again',
    }) as Argv<AskArgs & GlobalOptions>,
  run: (args, out) =>
    askStudy(
      {
        ...studyRequest(args),
        trials: args.trials,
        heartbeatTimeoutMs: args['heartbeat-timeout'] * 1000,
      },
      out,
    ),
});

/** --study and --storage: a study directory, or a study in a trial store. */
function studyFlags<A>(y: Argv<A>): Argv<A & { study: string; storage?: string }> {
  return y
    .option('study', {
      type: 'string',
      demandOption: true,
      describe: 'Study directory; with --storage, the study name',
    })
    .option('storage', {
      type: 'string',
      describe: 'Trial store URL (default: STUDY/trials.sqlite)',
    }) as Argv<A & { study: string; storage?: string }>;
}

function studyLocation(args: { study: string; storage?: string }): StudyLocation {
  return args.storage !== undefined
    ? { storage: args.storage, name: args.study }
    : { dir: args.study };
}

/** `asc trials tell`: the result of an asked trial at its budget. */
const tellCommand = defineCommand<TellArgs>({
  command: 'tell',
  describe: 'Record the result of an asked trial at the budget it was asked for',
  builder: (y: Argv<GlobalOptions>) =>
    studyFlags(y)
      .option('trial', { type: 'number', demandOption: true, describe: 'The trial number asked' })
      .option('accuracy', { type: 'number', describe: 'Test accuracy at the budget, 0..1' })
      .option('loss', { type: 'number', describe: 'Test loss at the budget' })
      .option('epochs', {
        type: 'string',
        describe: 'Epochs trained in all: the budget asked (e.g. 0.3333333333333333 or 1/3)',
      })
      .option('samples', { type: 'number', describe: 'Training samples since the trial began' })
      .option('trained-samples', {
        type: 'number',
        describe: 'Training samples this run trained (less when it resumed)',
      })
      .option('seconds', { type: 'number', describe: 'Training seconds of this run' })
      .option('fail', {
        type: 'string',
        describe: 'The trial failed: record this message instead of a result',
      }) as Argv<TellArgs & GlobalOptions>,
  run: (args, out) => {
    const location = studyLocation(args);
    if (!Number.isInteger(args.trial) || args.trial < 0) {
      throw new UsageError(`--trial must be a trial number, got ${args.trial}`);
    }
    if (args.fail !== undefined) return tellStudy(location, args.trial, { failed: args.fail }, out);
    for (const flag of ['accuracy', 'loss', 'epochs'] as const) {
      if (args[flag] === undefined) throw new UsageError(`--${flag} is required (or --fail)`);
    }
    return tellStudy(
      location,
      args.trial,
      {
        accuracy: args.accuracy!,
        loss: args.loss!,
        epochs: parseEpochs('--epochs', args.epochs)!,
        samples: args.samples,
        trainedSamples: args['trained-samples'],
        seconds: args.seconds,
      },
      out,
    );
  },
});

/** `asc trials`: the trials of a study as a table, JSON or CSV; `ask` and `tell`. */
export const trialsCommand = defineCommand<TrialsArgs>({
  command: 'trials',
  describe:
    'List the trials of a study (table, --json or --csv) or its analysis (--analysis); ' +
    'ask / tell drive the search from another trainer',
  builder: (y: Argv<GlobalOptions>) =>
    studyFlags(y.command(askCommand as never).command(tellCommand as never))
      .option('csv', { type: 'boolean', default: false, describe: 'Print CSV on stdout' })
      .option('status', {
        type: 'string',
        array: true,
        choices: TRIAL_STATUSES as string[],
        describe: 'Only trials with these statuses',
      })
      .option('analysis', {
        type: 'boolean',
        default: false,
        describe:
          'Print accuracy by growth ratio, blocks, module type and pooling, and the selection',
      }) as Argv<TrialsArgs & GlobalOptions>,
  run: async (args, out) => {
    if (args.csv && args.json) throw new UsageError('--csv and --json exclude each other');
    const { storeLocation: location, name } = locateStudy(
      studyLocation(args),
      'run asc search first',
    );
    const store = await openTrialStore(location);
    let trials: TrialRecord[];
    try {
      if (!(await store.getStudy(name))) {
        const names = (await store.listStudies()).map((s) => s.name).join(', ') || 'none';
        throw new UsageError(`no study "${name}" in ${redactUrl(location)} (it holds: ${names})`);
      }
      trials = await store.getTrials(name);
    } finally {
      await store.close();
    }
    const analysis = analyseTrials(trials);
    const shown = args.status
      ? trials.filter((t) => args.status!.includes(t.status as TrialStatus))
      : trials;

    if (args.csv) {
      const lines = [
        COLUMNS.map(([h]) => h).join(','),
        ...shown.map((t) => COLUMNS.map(([, f]) => csvField(f(t))).join(',')),
      ];
      process.stdout.write(lines.join('\n') + '\n');
      return undefined;
    }
    if (args.analysis) {
      out.info(
        `study "${name}": ${analysis.complete} complete trials, ${analysis.rejectedBySize} samples rejected by size`,
      );
      for (const [title, groups] of [
        ['growth ratio', analysis.byGrowth],
        ['blocks', analysis.byBlocks],
        ['module type', analysis.byModule],
        ['pooling', analysis.byPooling],
      ] as const) {
        out.info(`by ${title}:`);
        for (const g of groups) {
          out.info(
            `  ${g.key.padEnd(12)} n=${String(g.count).padStart(4)}  mean ${pct(g.meanAccuracy)}  std ${
              g.stdAccuracy === null ? '-' : (100 * g.stdAccuracy).toFixed(2)
            }`,
          );
        }
      }
      return { study: name, analysis };
    }
    const widths = [6, 34, 11, 5, 9, 8, 9];
    out.info(
      ['#', 'identifier', 'status', 'rung', 'accuracy', 'loss', 'KB']
        .map((h, i) => h.padEnd(widths[i]))
        .join(' ')
        .trimEnd(),
    );
    for (const t of shown) {
      out.info(
        [
          String(t.number).padEnd(widths[0]),
          t.archId.padEnd(widths[1]),
          (t.status + (t.retryOf !== null ? '*' : '')).padEnd(widths[2]),
          (t.rung === null ? '-' : String(t.rung)).padEnd(widths[3]),
          pct(t.accuracy).padEnd(widths[4]),
          (t.loss === null ? '-' : t.loss.toFixed(4)).padEnd(widths[5]),
          t.sizeKiB.toFixed(1).padEnd(widths[6]),
          t.error ? t.error.split('\n')[0] : '',
        ]
          .join(' ')
          .trimEnd(),
      );
    }
    const counts = analysis.counts;
    out.info(
      TRIAL_STATUSES.filter((s) => counts[s] > 0)
        .map((s) => `${counts[s]} ${s}`)
        .join(', ') +
        (shown.some((t) => t.retryOf !== null)
          ? '  (* = re-run of an interrupted or dead trial)'
          : ''),
    );
    if (analysis.rungs.length > 1) for (const line of describeRungs(analysis.rungs)) out.info(line);
    const samples = analysis.compute.trainedSamples;
    out.info(
      `trained samples: ${samples === null ? 'not recorded' : samples.toLocaleString('en-US')}` +
        (analysis.compute.trialsWithoutSamples > 0
          ? ` (${analysis.compute.trialsWithoutSamples} trials recorded none)`
          : ''),
    );
    return {
      study: name,
      store: redactUrl(location),
      counts,
      trainedSamples: samples,
      rungs: analysis.rungs,
      trials: shown,
      selection: analysis.selection,
    };
  },
});
