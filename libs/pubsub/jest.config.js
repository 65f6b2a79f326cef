module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pubsub',
  rootDir: __dirname,
};
