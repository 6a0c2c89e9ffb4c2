module.exports = {
  ...require('../jest.preset.js'),
  rootDir: __dirname,
  // One throwaway PostgreSQL cluster per run for the PostgreSQL tests (see the zoo's).
  globalSetup: '<rootDir>/../packages/zoo/test/pg-global-setup.ts',
  globalTeardown: '<rootDir>/../packages/zoo/test/pg-global-teardown.ts',
};
