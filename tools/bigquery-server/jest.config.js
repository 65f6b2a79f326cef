module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'bigquery-server',
  rootDir: __dirname,
};
