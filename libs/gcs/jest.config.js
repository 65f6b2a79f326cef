module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'gcs',
  rootDir: __dirname,
};
