#!/usr/bin/env node
// Checks (`--check`, the lint target) or applies the addon's C++/CUDA style
// (.clang-format) on every source under src/ and cuda/.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const EXTENSIONS = ['.cc', '.h', '.cu', '.cuh'];

function sources(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(p);
    return EXTENSIONS.includes(path.extname(entry.name)) ? [p] : [];
  });
}

const check = process.argv.includes('--check');
const files = ['src', 'cuda'].flatMap((d) => sources(path.join(root, d))).sort();
const args = check ? ['--dry-run', '--Werror', ...files] : ['-i', ...files];
const result = spawnSync('clang-format', args, { stdio: 'inherit', cwd: root });
if (result.error) {
  console.error(
    `@asc/native: clang-format could not run (${result.error.message}); ` +
      'apt-get install clang-format (scripts/setup.sh installs it)',
  );
  process.exit(1);
}
if (result.status !== 0 && check) {
  console.error('@asc/native: C++ sources are not formatted; run: npm run format:cpp -w native');
}
process.exit(result.status ?? 1);
