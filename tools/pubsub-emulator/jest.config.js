module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pubsub-emulator',
  rootDir: __dirname,
  // Only to learn whether an emulator exists here (and say so once if not);
  // the launcher tests start their own.
  globalSetup: '<rootDir>/../testing/pubsub-emulator.global-setup.ts',
  globalTeardown: '<rootDir>/../testing/pubsub-emulator.global-teardown.ts',
};
