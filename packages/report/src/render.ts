import { spawn } from 'child_process';
import * as path from 'path';
import { Resvg } from '@resvg/resvg-js';
import { AscError } from '@asc/core';

/** A chart could not be compiled or rendered; names the figure. */
export class ChartRenderError extends AscError {
  constructor(
    readonly figureId: string,
    message: string,
  ) {
    super('chart-render-failed', `figure '${figureId}': ${message}`, {
      context: { figure: figureId },
    });
  }
}

/** One chart to draw: the figure's id and its Vega-Lite spec (data inline). */
export interface ChartJob {
  id: string;
  spec: Record<string, unknown>;
}

// vega and vega-lite are ESM-only with top-level await: require() cannot load them, and
// inside Jest (CommonJS) an in-process import() needs --experimental-vm-modules, whose
// loader failed intermittently on vega's module graph. So the charts are drawn by a small
// ES module run in a child Node process: the same path under Node and Jest, and vega's
// memory is returned when it exits. It reads [{id, spec}] on stdin and writes
// [{id, svg} | {id, error}] on stdout.
const RENDER_SCRIPT = `
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const job of jobs) {
  try {
    const view = new vega.View(vega.parse(vegaLite.compile(job.spec).spec), { renderer: 'none' });
    results.push({ id: job.id, svg: await view.toSVG() });
    view.finalize();
  } catch (err) {
    results.push({ id: job.id, error: String(err && err.message ? err.message : err) });
  }
}
process.stdout.write(JSON.stringify(results));
`;

// The package directory: bare imports in the script resolve from here (src/ or dist/ up).
const PACKAGE_DIR = path.join(__dirname, '..');

/**
 * Compiles Vega-Lite specs and renders each to an SVG document, headless (vega's 'none'
 * renderer, no canvas). Resolves to the SVGs by figure id; a spec that fails throws a
 * ChartRenderError naming its figure.
 */
export function renderVegaLiteSvgs(jobs: readonly ChartJob[]): Promise<Map<string, string>> {
  const firstId = jobs[0]?.id ?? '(none)';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RENDER_SCRIPT], {
      cwd: PACKAGE_DIR,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new ChartRenderError(firstId, `cannot start the renderer: ${e.message}`)),
    );
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (code !== 0) {
        reject(new ChartRenderError(firstId, `the renderer exited with code ${code}: ${stderr}`));
        return;
      }
      const results = JSON.parse(Buffer.concat(out).toString('utf8')) as {
        id: string;
        svg?: string;
        error?: string;
      }[];
      const failed = results.find((r) => r.svg === undefined);
      if (failed) {
        reject(new ChartRenderError(failed.id, failed.error ?? 'no SVG'));
        return;
      }
      resolve(new Map(results.map((r) => [r.id, r.svg as string])));
    });
    child.stdin.end(JSON.stringify(jobs));
  });
}

/** Rasterises an SVG document to PNG at `scale` times its size, with a white background. */
export function svgToPng(figureId: string, svg: string, scale = 2): Buffer {
  try {
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: '#ffffff',
      font: { loadSystemFonts: true },
    });
    return resvg.render().asPng();
  } catch (err) {
    throw new ChartRenderError(figureId, `PNG rendering failed: ${(err as Error).message}`);
  }
}
