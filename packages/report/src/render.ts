import { Resvg } from '@resvg/resvg-js';

/** A chart could not be compiled or rendered; names the figure. */
export class ChartRenderError extends Error {
  constructor(
    readonly figureId: string,
    message: string,
  ) {
    super(`figure '${figureId}': ${message}`);
    this.name = 'ChartRenderError';
  }
}

// vega and vega-lite are ESM-only with top-level await, so require() cannot load them. A
// Function-built import() survives tsc's CommonJS output (which would rewrite a literal
// import() into require()). Under Jest it needs node --experimental-vm-modules.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (
    runtime: unknown,
    options: { renderer: 'none' },
  ) => {
    toSVG(): Promise<string>;
    finalize(): void;
  };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

let libraries: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

// One after the other: Jest's ESM loader fails on two concurrent imports that share
// dependencies ("request for './accessor.js' is not in cache").
async function importLibraries(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  const vega = (await importEsm('vega')) as VegaModule;
  const vegaLite = (await importEsm('vega-lite')) as VegaLiteModule;
  return { vega, vegaLite };
}

function loadLibraries(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  libraries ??= importLibraries();
  return libraries;
}

/** Compiles a Vega-Lite spec (data inline) and renders it to an SVG document, headless. */
export async function renderVegaLiteSvg(
  figureId: string,
  spec: Record<string, unknown>,
): Promise<string> {
  let vega: VegaModule;
  let vegaLite: VegaLiteModule;
  try {
    ({ vega, vegaLite } = await loadLibraries());
  } catch (err) {
    libraries = undefined;
    const code = (err as { code?: string }).code;
    const hint =
      code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' ||
      /experimental-vm-modules/.test(String(err))
        ? " (inside Jest, run node with --experimental-vm-modules, as packages/report's test script does)"
        : '';
    throw new ChartRenderError(
      figureId,
      `cannot load vega/vega-lite: ${(err as Error).message}${hint}`,
    );
  }
  let view: InstanceType<VegaModule['View']> | undefined;
  try {
    const compiled = vegaLite.compile(spec).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    return await view.toSVG();
  } catch (err) {
    throw new ChartRenderError(figureId, (err as Error).message);
  } finally {
    view?.finalize();
  }
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
