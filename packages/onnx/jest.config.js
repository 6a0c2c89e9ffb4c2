module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  testEnvironment: '<rootDir>/test/environment.js',
};
