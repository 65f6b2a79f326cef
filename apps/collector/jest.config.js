module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'collector',
  rootDir: __dirname,
};
