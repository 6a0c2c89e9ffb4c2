import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/**
 * Writes `data` to `file` through a temporary file in the same directory and a rename,
 * so that `file` is either absent, its old content, or complete: never half written.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  counter += 1;
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${counter}.tmp`,
  );
  try {
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** Whether `name` is one of writeFileAtomic's temporaries (left behind by a killed process). */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.\d+\.\d+\.tmp$/.test(name);
}
