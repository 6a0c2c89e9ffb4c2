// Shared Jest settings. Tests import sibling packages from their TypeScript
// sources (not dist/), so a test never runs against a stale build.
const path = require('path');

const root = __dirname;
const sources = {
  '@asc/core': 'packages/core/src/index.ts',
  '@asc/native': 'native/lib/index.ts',
  '@asc/native/browser': 'native/lib/browser.ts',
  '@asc/datasets': 'datasets/src/index.ts',
  '@asc/zoo': 'packages/zoo/src/index.ts',
  '@asc/trainer': 'packages/trainer/src/index.ts',
  '@asc/report': 'packages/report/src/index.ts',
  '@asc/demo': 'packages/demo/src/index.ts',
  '@asc/onnx': 'packages/onnx/src/index.ts',
  '@asc/cli': 'tools/src/index.ts',
};

const moduleNameMapper = {};
for (const [name, file] of Object.entries(sources)) {
  moduleNameMapper[`^${name}$`] = path.join(root, file);
}

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.jest.json') }],
  },
  testTimeout: 120000,
};
