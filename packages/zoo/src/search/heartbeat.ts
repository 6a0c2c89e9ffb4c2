import * as os from 'os';
import type { TrialRecord, TrialStore } from '../store/trial-store';

/**
 * Heartbeats and dead-worker recovery, in one place (as Optuna's `_heartbeat.py`).
 *
 * A worker heartbeats its running trial every `intervalMs`; before every claim (and while
 * waiting) each worker runs `recoverDeadTrials`, which fails and re-offers trials whose
 * heartbeat is older than `timeoutMs`, and at once those of workers on this host whose
 * process is gone (a `kill -9` need not wait for the timeout).
 */
export interface HeartbeatSettings {
  intervalMs: number;
  timeoutMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatSettings = { intervalMs: 10_000, timeoutMs: 120_000 };

export function validateHeartbeat(h: HeartbeatSettings): HeartbeatSettings {
  if (!(h.intervalMs > 0) || !(h.timeoutMs > h.intervalMs)) {
    throw new RangeError(
      `heartbeat timeout (${h.timeoutMs} ms) must exceed the heartbeat interval (${h.intervalMs} ms), both > 0`,
    );
  }
  return h;
}

export interface HeartbeatHandle {
  stop(): void;
}

/**
 * Heartbeats `trialId` until stopped. When the store says the worker no longer owns the
 * trial, calls `onLost` once and stops: the worker must abandon the trial.
 */
export function startHeartbeat(o: {
  store: TrialStore;
  trialId: number;
  worker: string;
  intervalMs: number;
  onLost(): void;
  onError?(err: unknown): void;
}): HeartbeatHandle {
  let stopped = false;
  const beat = async () => {
    try {
      const owned = await o.store.heartbeat(o.trialId, o.worker);
      if (!owned && !stopped) {
        stopped = true;
        clearInterval(timer);
        o.onLost();
      }
    } catch (err) {
      // A missed beat is not fatal: the timeout is several intervals long.
      o.onError?.(err);
    }
  };
  const timer = setInterval(() => void beat(), o.intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** Whether a process of this host is alive (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fails (and re-offers) the study's running trials whose worker is dead. */
export async function recoverDeadTrials(
  store: TrialStore,
  studyName: string,
  o: { timeoutMs: number; host?: string },
): Promise<TrialRecord[]> {
  const host = o.host ?? os.hostname();
  const running = await store.getTrials(studyName, { status: ['running'] });
  // pid 0: a trial asked for by an outside trainer (ask-tell.ts), no process to watch.
  const deadWorkers = running
    .filter((t) => t.host === host && t.pid > 0 && t.pid !== process.pid && !processAlive(t.pid))
    .map((t) => t.worker);
  return store.failStaleTrials(studyName, { heartbeatTimeoutMs: o.timeoutMs, deadWorkers });
}
