module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'collect',
  rootDir: __dirname,
};
