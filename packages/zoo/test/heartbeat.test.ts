import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  processAlive,
  recoverDeadTrials,
  startHeartbeat,
  validateHeartbeat,
} from '../src/search/heartbeat';
import { Study } from '../src/search/study';
import { SqliteTrialStore } from '../src/store/sqlite-store';

describe('heartbeats and dead-worker recovery', () => {
  let dir: string;
  let store: SqliteTrialStore;
  let study: Study;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-hb-'));
    store = await SqliteTrialStore.open(path.join(dir, 'trials.sqlite'));
    study = await Study.open(store, { name: 's', seed: 1 });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const claim = async (host: string, pid: number) => {
    const c = await study.claim({ worker: `${host}:${pid}:0`, host, pid }, 10);
    if (c.kind !== 'claimed') throw new Error(c.kind);
    return c.trial;
  };

  it('recovers at once the trial of a vanished process on this host', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(processAlive(gone)).toBe(false);
    expect(processAlive(process.pid)).toBe(true);
    const dead = await claim(os.hostname(), gone);
    const alive = await claim(os.hostname(), process.ppid);
    const recovered = await recoverDeadTrials(store, 's', { timeoutMs: 60_000 });
    expect(recovered.map((t) => t.trialId)).toEqual([dead.trialId]);
    expect(recovered[0].error).toMatch(/died/);
    expect((await store.getTrial(alive.trialId))!.status).toBe('running');
  });

  it('recovers a silent worker on another host only after the timeout', async () => {
    const remote = await claim('elsewhere', 12345);
    expect(await recoverDeadTrials(store, 's', { timeoutMs: 300 })).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    const recovered = await recoverDeadTrials(store, 's', { timeoutMs: 300 });
    expect(recovered.map((t) => t.trialId)).toEqual([remote.trialId]);
    expect(recovered[0].error).toMatch(/no heartbeat from|sent no heartbeat/);
  });

  it('keeps a trial alive while beating and reports when it is taken away', async () => {
    const t = await claim('elsewhere', 1);
    let lost = 0;
    const hb = startHeartbeat({
      store,
      trialId: t.trialId,
      worker: t.worker,
      intervalMs: 50,
      onLost: () => lost++,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await recoverDeadTrials(store, 's', { timeoutMs: 200 })).toEqual([]);
    await store.failStaleTrials('s', { heartbeatTimeoutMs: 60_000, deadWorkers: [t.worker] });
    await new Promise((r) => setTimeout(r, 200));
    hb.stop();
    expect(lost).toBe(1);
  });

  it('requires a timeout longer than the interval', () => {
    expect(() => validateHeartbeat({ intervalMs: 1000, timeoutMs: 500 })).toThrow(/must exceed/);
  });
});
