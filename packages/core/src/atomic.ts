import * as fs from 'fs';
import * as path from 'path';

/*
 * Replacing a file so that a reader, or the next run after a crash or a kill, finds either
 * the old content or the new, never a torn file:
 *   1. write a temporary file in the same folder (a rename is atomic only within one file
 *      system),
 *   2. fsync it (otherwise the rename can reach the disk before the data, and a power
 *      loss leaves an empty file under the final name),
 *   3. rename it over the target,
 *   4. fsync the folder (the rename itself is a change of the folder's entries).
 * A failure at any step removes the temporary file and leaves the target as it was.
 */

let counter = 0;

/**
 * The one temporary-name scheme: `.<name>.<pid>.<n>.tmp` beside `file`, unique per
 * process and call, hidden from `ls`, and recognisable by `isAtomicTemp` so that a
 * later run can sweep what a killed process left behind.
 */
export function atomicTempPath(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Whether a file name (not a path) is one of atomicTempPath's temporaries. */
export function isAtomicTemp(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * The id of the process that made a temporary (undefined for other names): a sweeper
 * removes only those of processes no longer alive.
 */
export function atomicTempPid(name: string): number | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

// Windows cannot open a folder for fsync; there the rename is as durable as it gets.
const CAN_SYNC_FOLDERS = process.platform !== 'win32';

function syncFolderSync(dir: string): void {
  if (!CAN_SYNC_FOLDERS) return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function syncFolder(dir: string): Promise<void> {
  if (!CAN_SYNC_FOLDERS) return;
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves a finished temporary file (e.g. one a database wrote) over `file`: fsync, rename,
 * fsync of the folder. `temp` must be in the same folder as `file`.
 */
export function commitFileSync(temp: string, file: string): void {
  const fd = fs.openSync(temp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  syncFolderSync(path.dirname(file));
}

/** Replaces `file` with `data` (text as UTF-8) atomically and durably; creates its folder. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temp = atomicTempPath(file);
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeFileSync(fd, bytesOf(data));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  syncFolderSync(dir);
}

/** writeFileAtomicSync without blocking the event loop. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = atomicTempPath(file);
  try {
    const handle = await fs.promises.open(temp, 'w');
    try {
      await handle.writeFile(bytesOf(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await syncFolder(dir);
}

/** `value` as indented JSON with a final newline, written with writeFileAtomicSync. */
export function writeJsonAtomicSync(file: string, value: unknown): void {
  writeFileAtomicSync(file, JSON.stringify(value, null, 2) + '\n');
}
