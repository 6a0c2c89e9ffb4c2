import { spawn } from 'child_process';
// The module object itself (not an import-star copy), so that jest.spyOn reaches the writer.
import fs = require('fs');
import * as os from 'os';
import * as path from 'path';
import {
  atomicTempPath,
  atomicTempPid,
  commitFileSync,
  isAtomicTemp,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from '../src';

const CHILD = path.join(__dirname, 'fixtures', 'atomic-child.js');

/** The paths of the files and folders fsync was called on, in order. */
function spyFsyncs(): { paths: () => string[]; restore: () => void } {
  const opened = new Map<number, string>();
  const synced: string[] = [];
  const realOpen = fs.openSync as (p: string, ...rest: unknown[]) => number;
  const openSpy = jest.spyOn(fs, 'openSync').mockImplementation(((
    p: string,
    ...rest: unknown[]
  ) => {
    const fd = realOpen(p, ...rest);
    opened.set(fd, p);
    return fd;
  }) as never);
  const realFsync = fs.fsyncSync;
  const fsyncSpy = jest.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
    synced.push(opened.get(fd) as string);
    realFsync(fd);
  });
  return {
    paths: () => synced,
    restore: () => {
      openSpy.mockRestore();
      fsyncSpy.mockRestore();
    },
  };
}

describe('atomic file writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-atomic-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces text and binary content and creates the folder', async () => {
    const file = path.join(dir, 'sub', 'a.json');
    writeJsonAtomicSync(file, { a: 1 });
    expect(fs.readFileSync(file, 'utf8')).toBe('{\n  "a": 1\n}\n');
    writeFileAtomicSync(file, new Uint8Array([0, 255, 7]));
    expect([...fs.readFileSync(file)]).toEqual([0, 255, 7]);
    await writeFileAtomic(file, 'été');
    expect(fs.readFileSync(file, 'utf8')).toBe('été');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['a.json']);
  });

  it('names temporaries uniquely per process and call, beside the file', () => {
    const file = path.join(dir, 'x.bin');
    const a = atomicTempPath(file);
    const b = atomicTempPath(file);
    expect(a).not.toBe(b);
    expect(path.dirname(a)).toBe(dir);
    expect(path.basename(a)).toMatch(new RegExp(`^\\.x\\.bin\\.${process.pid}\\.\\d+\\.tmp$`));
    expect(isAtomicTemp(path.basename(a))).toBe(true);
    expect(isAtomicTemp('x.bin')).toBe(false);
    expect(isAtomicTemp('.x.bin.tmp')).toBe(false);
    expect(atomicTempPid(path.basename(a))).toBe(process.pid);
    expect(atomicTempPid('.a.b.17.3.tmp')).toBe(17);
    expect(atomicTempPid('x.bin')).toBeUndefined();
  });

  it('fsyncs the temporary file before the rename, then the folder', () => {
    const file = path.join(dir, 'f.txt');
    const spy = spyFsyncs();
    const rename = jest.spyOn(fs, 'renameSync');
    try {
      writeFileAtomicSync(file, 'hello');
    } finally {
      spy.restore();
    }
    const synced = spy.paths();
    expect(synced).toHaveLength(2);
    expect(isAtomicTemp(path.basename(synced[0]))).toBe(true);
    expect(synced[1]).toBe(dir);
    expect(rename).toHaveBeenCalledWith(synced[0], file);
  });

  it('fsyncs file and folder in the async variant too', async () => {
    const probe = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = jest.spyOn(handleProto, 'sync');
    const open = jest.spyOn(fs.promises, 'open');
    await writeFileAtomic(path.join(dir, 'g.txt'), 'x');
    expect(sync).toHaveBeenCalledTimes(2);
    const opened = open.mock.calls.map((c) => c[0] as string);
    expect(isAtomicTemp(path.basename(opened[0]))).toBe(true);
    expect(opened[1]).toBe(dir);
  });

  it('leaves the old content and no temporary when writing fails', async () => {
    const file = path.join(dir, 'keep.txt');
    fs.writeFileSync(file, 'old');
    const failure = Object.assign(new Error('ENOSPC: no space left on device'), {
      code: 'ENOSPC',
    });
    jest.spyOn(fs, 'fsyncSync').mockImplementationOnce(() => {
      throw failure;
    });
    expect(() => writeFileAtomicSync(file, 'new')).toThrow(failure);
    jest.spyOn(fs.promises, 'rename').mockRejectedValueOnce(failure);
    await expect(writeFileAtomic(file, 'new')).rejects.toBe(failure);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('commits a finished temporary file with fsync and rename', () => {
    const file = path.join(dir, 'store.db');
    const temp = atomicTempPath(file);
    fs.writeFileSync(temp, 'db');
    const spy = spyFsyncs();
    try {
      commitFileSync(temp, file);
    } finally {
      spy.restore();
    }
    expect(spy.paths()).toEqual([temp, dir]);
    expect(fs.readFileSync(file, 'utf8')).toBe('db');
    expect(fs.existsSync(temp)).toBe(false);
  });

  it('leaves the file whole (old or new content) when the writer is killed mid-write', async () => {
    const file = path.join(dir, 'big.bin');
    const megabytes = 16;
    const size = megabytes * 1024 * 1024;
    fs.writeFileSync(file, Buffer.alloc(size, 'a'));
    for (const delayMs of [50, 150, 300]) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [CHILD, file, String(megabytes)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
        child.on('error', reject);
        child.on('exit', (_code, signal) =>
          signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited with ${_code}`)),
        );
      });
      const content = fs.readFileSync(file);
      expect(content.length).toBe(size);
      const first = content[0];
      expect(['a', 'b', 'c'].map((c) => c.charCodeAt(0))).toContain(first);
      expect(content.every((byte) => byte === first)).toBe(true);
      // Whatever else the kill left in the folder is a temporary a later run can sweep.
      for (const name of fs.readdirSync(dir)) {
        if (name !== 'big.bin') expect(isAtomicTemp(name)).toBe(true);
      }
    }
  });
});
