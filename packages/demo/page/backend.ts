import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The tfjs backends the page can run on, in the order it tries them. */
export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How long a backend may take to start before the next is tried. */
const BACKEND_START_TIMEOUT_MS = 20000;

export interface BackendChoice {
  name: BackendName;
  /** What it runs on: the GPU's renderer, wasm's SIMD and threads. */
  detail: string;
  /** Backends tried before it, and why each was not used. */
  skipped: { name: BackendName; reason: string }[];
}

function describe(name: BackendName): string {
  const env = tf.env();
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = info && gl ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    const float = env.getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'float32' : 'float16';
    return `WebGL ${env.getNumber('WEBGL_VERSION')}, ${float} textures${renderer ? `, ${renderer}` : ''}`;
  }
  if (name === 'wasm') {
    const simd = env.getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    const threads = env.getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'one thread';
    return `WebAssembly, ${simd}, ${threads}`;
  }
  return 'plain JavaScript';
}

/**
 * The renderer's name when WebGL draws in software (SwiftShader, llvmpipe: a browser
 * without a usable GPU), where tfjs's WebGL kernels run several times slower than its
 * wasm ones; null when WebGL is on a GPU or absent.
 */
function softwareRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  const match = /swiftshader|llvmpipe|softpipe|software|basic render/i.exec(renderer);
  return match ? match[0] : null;
}

/**
 * Sets the first backend of BACKENDS that initialises (`requested` alone when given):
 * WebGL where the browser draws with a GPU, else WebAssembly (its .wasm files are in
 * wasm/ beside the page), else tfjs's JavaScript kernels.
 */
export async function chooseBackend(requested?: BackendName): Promise<BackendChoice> {
  setWasmPaths('wasm/');
  const skipped: BackendChoice['skipped'] = [];
  for (const name of requested ? [requested] : BACKENDS) {
    const software = name === 'webgl' && !requested ? softwareRenderer() : null;
    if (software) {
      skipped.push({ name, reason: `software renderer (${software}): wasm is faster` });
      continue;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A backend whose initialisation never settles (a wasm thread that cannot start)
    // must not keep the page from trying the next.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${BACKEND_START_TIMEOUT_MS / 1000} s`)),
        BACKEND_START_TIMEOUT_MS,
      );
    });
    try {
      if (await Promise.race([tf.setBackend(name), timeout])) {
        await tf.ready();
        return { name, detail: describe(name), skipped };
      }
      skipped.push({ name, reason: 'did not initialise' });
    } catch (err) {
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }
  throw new Error(
    `no tfjs backend could start: ${skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}`,
  );
}
