#!/usr/bin/env node
// Builds the addon with cmake-js (offline: node-api-headers instead of downloaded Node
// headers). CMake's own dependency tracking makes a second run cheap.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--directory', root, '--out', path.join(root, 'build')];
if (process.env.ASC_CUDA === '0') args.push('--CDASC_WITH_CUDA=OFF');
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (result.status !== 0) {
  console.error(
    '@asc/native: the addon did not build. It needs cmake, g++, pkg-config, libfftw3-dev, ' +
      'libopenblas-dev, libsndfile1-dev and libsoxr-dev (scripts/setup.sh installs them).',
  );
  process.exit(result.status ?? 1);
}
