import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AscError } from '@asc/core';

/** One CSV file of the dataset and the SHA-256 of its bytes. */
export interface CsvDigest {
  /** Path relative to the dataset root, '/'-separated. */
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * What identifies a dataset's content without hashing its audio: its CSVs (the DCASE
 * layout's; none in the folder layout) and the list of its audio files.
 */
export interface DatasetFingerprint {
  root: string;
  csvFiles: CsvDigest[];
  /** SHA-256 over the sorted lines `<file> <sha256>` of every CSV. */
  csvSha256: string;
  /** Files under `audio/`, at any depth (the clips present on disk; class folders included). */
  audioFileCount: number;
  /** SHA-256 over the sorted lines `<file> <bytes>` of the files under `audio/`. */
  audioListSha256: string;
}

/** The dataset directory is absent or unreadable. */
export class DatasetFingerprintError extends AscError {
  constructor(
    readonly root: string,
    message: string,
  ) {
    super('dataset-fingerprint-failed', `${root}: ${message}`, { context: { root } });
  }
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// The DCASE layout keeps its CSVs at the root (meta.csv) and in evaluation_setup/.
function csvFilesUnder(root: string, dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory() && entry.name !== 'audio') csvFilesUnder(root, rel, out);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) out.push(rel);
  }
}

/** Files under `dir` of the root, any depth, '/'-separated; hidden names skipped. */
function filesUnder(root: string, dir: string, out: { file: string; bytes: number }[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${dir}/${entry.name}`;
    const stat = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (stat?.isDirectory()) filesUnder(root, rel, out);
    else if (stat?.isFile()) out.push({ file: rel, bytes: stat.size });
  }
}

/** Hashes every CSV of the dataset at `root` and lists its audio files. */
export function datasetFingerprint(root: string): DatasetFingerprint {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new DatasetFingerprintError(root, 'the dataset directory does not exist');
  }
  const files: string[] = [];
  csvFilesUnder(root, '', files);
  files.sort();
  const audio: { file: string; bytes: number }[] = [];
  filesUnder(root, 'audio', audio);
  audio.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (files.length === 0 && audio.length === 0) {
    throw new DatasetFingerprintError(root, 'no CSV files and no audio/ files in the dataset');
  }
  const csvFiles = files.map((file) => {
    const data = fs.readFileSync(path.join(root, file));
    return { file, bytes: data.length, sha256: sha256(data) };
  });
  return {
    root: path.resolve(root),
    csvFiles,
    csvSha256: sha256(csvFiles.map((c) => `${c.file} ${c.sha256}\n`).join('')),
    audioFileCount: audio.length,
    audioListSha256: sha256(audio.map((a) => `${a.file} ${a.bytes}\n`).join('')),
  };
}

/** The git revision of the code at `dir`, and whether the work tree had changes. */
export interface GitRevision {
  commit: string;
  dirty: boolean;
}

/** The checkout's commit, or null when `dir` is not in a git work tree (or git is absent). */
export function gitRevision(dir: string): GitRevision | null {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    return { commit: run(['rev-parse', 'HEAD']), dirty: run(['status', '--porcelain']) !== '' };
  } catch {
    return null;
  }
}
