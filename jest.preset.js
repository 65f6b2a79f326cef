// Shared Jest settings: SWC compiles TypeScript (with decorator metadata for
// NestJS) far faster than ts-jest; `npm run typecheck` does the type checking.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

const swcTs = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// The BigQuery client's HTTP layer (teeny-request) loads node-fetch 3 with a
// dynamic import(), which Jest's CommonJS runtime refuses ("A dynamic import
// callback was invoked without --experimental-vm-modules"). teeny-request is
// compiled so import() becomes require(), and node-fetch resolves to the
// CommonJS node-fetch 2, which has the same fetch API. Tests only.
moduleNameMapper['^node-fetch$'] = require.resolve('node-fetch');

module.exports = {
  testEnvironment: 'node',
  transformIgnorePatterns: ['/node_modules/(?!teeny-request/)'],
  transform: {
    '/teeny-request/.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    '^.+\\.ts$': swcTs,
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/*.spec.ts'],
  // Integration tests spawn processes and servers; a loaded 2-core CI machine needs headroom.
  testTimeout: 30_000,
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.js')],
};
