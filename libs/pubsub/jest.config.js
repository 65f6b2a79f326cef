module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pubsub',
  rootDir: __dirname,
  // One Pub/Sub emulator per run (skipped with a reason where none is installed).
  globalSetup: '<rootDir>/../../tools/testing/pubsub-emulator.global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/testing/pubsub-emulator.global-teardown.ts',
};
