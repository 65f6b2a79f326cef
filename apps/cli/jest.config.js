module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli',
  rootDir: __dirname,
  // Each test runs the real command line several times (a process each).
  testTimeout: 60_000,
};
