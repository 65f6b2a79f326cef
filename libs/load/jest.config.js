module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'load',
  rootDir: __dirname,
};
