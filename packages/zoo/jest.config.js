module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  // One throwaway PostgreSQL cluster per run for the PostgreSQL store tests.
  globalSetup: '<rootDir>/test/pg-global-setup.ts',
  globalTeardown: '<rootDir>/test/pg-global-teardown.ts',
};
