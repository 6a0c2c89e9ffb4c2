import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Argv } from 'yargs';
import { MANIFEST_FILE, serveDemo, writeDemo, type WrittenDemo } from '@asc/demo';
import type { ExportDtype } from '@asc/trainer';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import type { Output } from '../cli/output';

interface DemoArgs {
  run?: string;
  out?: string;
  serve: boolean;
  port: number;
  dtype: ExportDtype;
}

interface DemoResult {
  outDir: string;
  model?: string;
  labels?: string[];
  files?: number;
  bytes?: number;
  url?: string;
  requests?: number;
}

/** Serves `dir` until SIGINT or SIGTERM; resolves to the address and the request count. */
async function serveUntilStopped(
  dir: string,
  port: number,
  out: Output,
): Promise<{ url: string; requests: number }> {
  let requests = 0;
  const server = await serveDemo({
    dir,
    port,
    onRequest: (r) => {
      requests++;
      if (r.status >= 400) out.warn(`${r.method} ${r.path}: ${r.status}`);
    },
  });
  out.info(`serving ${server.url} (offline, 127.0.0.1 only; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return { url: server.url, requests };
}

function describeWritten(w: WrittenDemo, out: Output): DemoResult {
  out.info(
    `wrote ${w.outDir}: ${w.files.length} files, ${(w.bytes / 1048576).toFixed(1)} MiB ` +
      `(model ${w.manifest.model.id}, classes ${w.manifest.labels.join(', ')})`,
  );
  return {
    outDir: w.outDir,
    model: w.manifest.model.id,
    labels: w.manifest.labels,
    files: w.files.length,
    bytes: w.bytes,
  };
}

/** `asc demo`: a run's model in a web page that computes scalograms and classifies. */
export const demoCommand = defineCommand<DemoArgs>({
  command: 'demo',
  describe: "Write (and serve) a web page that classifies sound with a run's model, offline",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('run', { type: 'string', describe: 'Run directory (asc train, or asc run retrain)' })
      .option('out', {
        type: 'string',
        describe: 'Folder to write (with --serve and no --run: an existing demo folder to serve)',
      })
      .option('serve', {
        type: 'boolean',
        default: false,
        describe: 'Serve the folder on 127.0.0.1 until Ctrl-C',
      })
      .option('port', { type: 'number', default: 8080, describe: 'Port for --serve (0: any free)' })
      .option('dtype', {
        choices: ['float32', 'float16'] as const,
        default: 'float32' as ExportDtype,
        describe: 'Which export of the model the page loads',
      })
      .example('asc demo --run runs/demo/study/retrain/best-accuracy --serve', '')
      .example('asc demo --run RUN --out site/', '') as unknown as Argv<DemoArgs>,
  run: async (args, out): Promise<DemoResult> => {
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
      throw new UsageError(`--port must be an integer in 0..65535, got ${args.port}`);
    }
    if (!args.run && !(args.serve && args.out)) {
      throw new UsageError('name a run (--run), or a demo folder to serve (--serve --out DIR)');
    }
    if (!args.run) {
      const dir = path.resolve(args.out!);
      if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) {
        throw new UsageError(`${dir} holds no demo (${MANIFEST_FILE}); write one with --run`);
      }
      return { outDir: dir, ...(await serveUntilStopped(dir, args.port, out)) };
    }
    if (!args.out && !args.serve) {
      throw new UsageError('say where to write the page (--out DIR), or --serve it');
    }
    const temporary = args.out ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'asc-demo-'));
    try {
      const written = writeDemo({
        runDir: path.resolve(args.run),
        outDir: args.out ? path.resolve(args.out) : path.join(temporary!, 'demo'),
        dtype: args.dtype,
      });
      const result = describeWritten(written, out);
      if (!args.serve) {
        out.info(`open it through a local server: asc demo --serve --out ${written.outDir}`);
        return result;
      }
      return { ...result, ...(await serveUntilStopped(written.outDir, args.port, out)) };
    } finally {
      if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
    }
  },
});
