module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'gcs-server',
  rootDir: __dirname,
};
