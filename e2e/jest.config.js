module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // One Pub/Sub emulator per run (skipped with a reason where none is installed).
  globalSetup: '<rootDir>/../tools/testing/pubsub-emulator.global-setup.ts',
  globalTeardown: '<rootDir>/../tools/testing/pubsub-emulator.global-teardown.ts',
  // Each file runs the three services as child processes next to the emulator's
  // JVM; two files at once on a 2-core machine would make every timing a guess.
  maxWorkers: 1,
};
