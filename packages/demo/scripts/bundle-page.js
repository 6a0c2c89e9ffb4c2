// Builds the page into dist/page: the bundle (app.js: the page, tfjs with its WebGL, wasm
// and CPU backends, the feature pipeline of @asc/native/browser), the microphone's
// worklet, index.html with its content security policy, the styles and tfjs's .wasm
// files. Runs after tsc (it reads the policy from dist/serve.js). Offline: esbuild is an
// installed binary.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { CONTENT_SECURITY_POLICY } = require('../dist/serve.js');

const root = path.join(__dirname, '..');
const page = path.join(root, 'page');
const out = path.join(root, 'dist', 'page');

/**
 * fftw-js (Emscripten) requires fs and path only when it runs under Node: for it they are
 * empty modules. Any other import of a Node module fails the build (platform 'browser').
 */
const fftwNodeModules = {
  name: 'fftw-node-modules',
  setup(build) {
    build.onResolve({ filter: /^(fs|path)$/ }, (args) =>
      /[\\/]fftw-js[\\/]/.test(args.importer) ? { path: args.path, namespace: 'empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({
      contents: 'module.exports = {};',
    }));
  },
};

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'wasm'), { recursive: true });
  const common = {
    bundle: true,
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: false,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [fftwNodeModules],
  };
  await esbuild.build({
    ...common,
    entryPoints: [path.join(page, 'main.ts')],
    outfile: path.join(out, 'app.js'),
    format: 'iife',
  });
  await esbuild.build({
    ...common,
    entryPoints: [path.join(page, 'capture-worklet.ts')],
    outfile: path.join(out, 'capture-worklet.js'),
    format: 'iife',
  });
  const html = fs
    .readFileSync(path.join(page, 'index.html'), 'utf8')
    .replace('CONTENT_SECURITY_POLICY', CONTENT_SECURITY_POLICY);
  fs.writeFileSync(path.join(out, 'index.html'), html);
  fs.copyFileSync(path.join(page, 'style.css'), path.join(out, 'style.css'));
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '.');
  for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(wasmDir, f), path.join(out, 'wasm', f));
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
