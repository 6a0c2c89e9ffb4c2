/** Progress of long work: a redrawn bar on a TTY, a line every few seconds otherwise. */
export interface Progress {
  /** Sets the count done so far (and optionally a short status text). */
  update(done: number, status?: string): void;
  /** Ends the bar with a final line. */
  finish(status?: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit: string;
  /** Stream to draw on; stderr by default so stdout stays machine-readable. */
  stream?: NodeJS.WriteStream;
  /** Seconds between lines when the stream is not a TTY. */
  plainIntervalSeconds?: number;
  /** Silence everything (tests, --quiet). */
  silent?: boolean;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
  const intervalMs = (options.plainIntervalSeconds ?? 5) * 1000;
  const start = Date.now();
  let lastDraw = 0;
  let done = 0;
  let status = '';

  const line = (): string => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (options.total - done) / rate : Infinity;
    const frac = options.total > 0 ? Math.min(1, done / options.total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    return (
      `${options.label} ${bar}${done}/${options.total} ${options.unit} ` +
      `${rate.toFixed(rate < 10 ? 2 : 1)} ${options.unit}/s ` +
      `elapsed ${formatSeconds(elapsed)} eta ${formatSeconds(eta)}` +
      (status ? ` ${status}` : '')
    );
  };

  const draw = (final: boolean): void => {
    if (options.silent) return;
    const now = Date.now();
    if (tty) {
      if (!final && now - lastDraw < 100) return;
      stream.write(`\r\x1b[2K${line()}${final ? '\n' : ''}`);
    } else {
      if (!final && now - lastDraw < intervalMs) return;
      stream.write(line() + '\n');
    }
    lastDraw = now;
  };

  return {
    update(n, s) {
      done = n;
      if (s !== undefined) status = s;
      draw(false);
    },
    finish(s) {
      if (s !== undefined) status = s;
      draw(true);
    },
  };
}
