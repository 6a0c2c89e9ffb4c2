import * as fs from 'fs';
import type { Argv, CommandModule } from 'yargs';
import { atomicTempPath, commitFileSync } from '@asc/core';
import {
  openTrialStore,
  redactUrl,
  SqliteTrialStore,
  StudyDir,
  StudyDirError,
  studySizeWindow,
  TRIAL_STATUSES,
  type StudyConfig,
  type StudyRecord,
  type TrialStatus,
  type TrialStore,
} from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { readStudyConfig } from '../ops/search';

interface ExportArgs {
  storage: string;
  study: string;
  out: string;
}

interface ImportArgs {
  from: string;
  storage: string;
  study?: string;
}

interface CopyResult {
  study: string;
  from: string;
  to: string;
  trials: number;
  counts: Record<TrialStatus, number>;
}

/** Closes `store` after `fn`, whatever happens. */
async function using<T>(store: TrialStore, fn: (s: TrialStore) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function countsOf(statuses: TrialStatus[]): Record<TrialStatus, number> {
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<
    TrialStatus,
    number
  >;
  for (const s of statuses) counts[s]++;
  return counts;
}

function describeCounts(counts: Record<TrialStatus, number>): string {
  return TRIAL_STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/** The study.json an exported directory gets: what `asc report` reads, plus provenance. */
function studyJson(study: StudyRecord, from: string): StudyConfig {
  return {
    ...study.config,
    name: study.name,
    seed: study.seed,
    window: studySizeWindow(study) ?? undefined,
    featureConfigHash: study.featureConfigHash,
    exportedFrom: from,
    exportedAt: new Date().toISOString(),
  };
}

/**
 * Copies the study into `<out>/trials.sqlite` (created through a temporary file when new,
 * so that a failed export leaves nothing behind) and writes `<out>/study.json` unless the
 * directory already has one for this study.
 */
async function exportStudy(args: ExportArgs): Promise<CopyResult> {
  const studyDir = new StudyDir(args.out);
  const existing = readStudyConfig(studyDir);
  if (existing !== null && existing.name !== args.study) {
    throw new UsageError(
      `${studyDir.configFile} describes study "${existing.name ?? '(unnamed)'}", not "${args.study}"; export into another directory`,
    );
  }
  const source = await openTrialStore(args.storage);
  const { study, trials } = await using(source, async (s) => {
    const record = await s.getStudy(args.study);
    if (!record) {
      const names = (await s.listStudies()).map((x) => x.name).join(', ') || 'none';
      throw new UsageError(`no study "${args.study}" in ${s.location} (it holds: ${names})`);
    }
    return { study: record, trials: await s.getTrials(args.study) };
  });
  fs.mkdirSync(studyDir.dir, { recursive: true });
  const storeFile = studyDir.storeFile;
  const isNew = !studyDir.hasStore();
  const target = isNew ? atomicTempPath(storeFile) : storeFile;
  try {
    await using(await SqliteTrialStore.open(target), (t) => t.importStudy(study, trials));
    if (isNew) commitFileSync(target, storeFile);
  } finally {
    if (isNew) for (const f of ['', '-wal', '-shm']) fs.rmSync(target + f, { force: true });
  }
  if (existing === null) studyDir.writeConfig(studyJson(study, redactUrl(args.storage)));
  return {
    study: study.name,
    from: redactUrl(args.storage),
    to: storeFile,
    trials: trials.length,
    counts: countsOf(trials.map((t) => t.status)),
  };
}

/** Copies a study directory's study (study.json's, `--study`, or the only one) into a store. */
async function importStudy(args: ImportArgs): Promise<CopyResult> {
  const studyDir = new StudyDir(args.from);
  const storeFile = studyDir.storeFile;
  if (!studyDir.hasStore()) {
    throw new UsageError(`${storeFile} does not exist: --from must be a study directory`);
  }
  const source = await SqliteTrialStore.open(storeFile);
  const { study, trials } = await using(source, async (s) => {
    let record: StudyRecord | null;
    try {
      record = await studyDir.findStudy(s, args.study ?? readStudyConfig(studyDir)?.name);
    } catch (err) {
      if (err instanceof StudyDirError) throw new UsageError(err.message);
      throw err;
    }
    if (!record) throw new UsageError(`${storeFile} holds no study`);
    return { study: record, trials: await s.getTrials(record.name) };
  });
  const target = await openTrialStore(args.storage);
  await using(target, (t) => t.importStudy(study, trials));
  return {
    study: study.name,
    from: storeFile,
    to: redactUrl(args.storage),
    trials: trials.length,
    counts: countsOf(trials.map((t) => t.status)),
  };
}

const exportCommand = defineCommand<ExportArgs>({
  command: 'export',
  describe:
    'Copy a study from a trial store into DIR/trials.sqlite + study.json (for asc report offline)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('storage', {
        type: 'string',
        demandOption: true,
        describe: 'The trial store: postgresql://user@host:port/db, or a SQLite file',
      })
      .option('study', { type: 'string', demandOption: true, describe: 'The study to copy' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Study directory to write (trials.sqlite, study.json)',
      }) as Argv<ExportArgs & GlobalOptions>,
  run: async (args, out) => {
    const result = await exportStudy(args);
    out.info(
      `exported study "${result.study}" from ${result.from}: ${result.trials} trials (${describeCounts(result.counts)}) -> ${result.to}`,
    );
    return result;
  },
});

const importCommand = defineCommand<ImportArgs>({
  command: 'import',
  describe: "Copy a study directory's study (trials.sqlite) into a trial store",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('from', {
        type: 'string',
        demandOption: true,
        describe: 'Study directory holding trials.sqlite (and study.json)',
      })
      .option('storage', {
        type: 'string',
        demandOption: true,
        describe: 'The trial store to copy into: postgresql://user@host:port/db, or a SQLite file',
      })
      .option('study', {
        type: 'string',
        describe: "The study to copy (default: study.json's, or the store's only study)",
      }) as Argv<ImportArgs & GlobalOptions>,
  run: async (args, out) => {
    const result = await importStudy(args);
    out.info(
      `imported study "${result.study}" from ${result.from}: ${result.trials} trials (${describeCounts(result.counts)}) -> ${result.to}`,
    );
    return result;
  },
});

/** `asc study export|import`: move a study between trial stores. */
export const studyCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'study',
  describe: 'Copy a study between trial stores (export to a study directory, import from one)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .command(exportCommand as never)
      .command(importCommand as never)
      .demandCommand(1, 'Name a subcommand: export or import.') as Argv<GlobalOptions>,
  handler: () => undefined,
};
