#!/usr/bin/env node
// Compiles apps/ and libs/ to dist/ with SWC (about a second for the whole
// repo), keeping decorator metadata for NestJS and rewriting the workspace
// aliases (@kettle/*) to relative paths, so `node dist/apps/<app>/main.js`
// runs with production dependencies only.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const SOURCES = ['apps', 'libs'];

function* sourceFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test') yield* sourceFiles(full);
    } else if (entry.name.endsWith('.ts') && !/\.(spec|test-util|d)\.ts$/.test(entry.name)) {
      // Test code (specs, *.test-util.ts helpers that call Jest's globals) stays out of dist/ and the images.
      yield full;
    }
  }
}

function allSources() {
  return SOURCES.flatMap((d) => [...sourceFiles(path.join(ROOT, d))]);
}

function swcOptions(file) {
  const { compilerOptions } = require(path.join(ROOT, 'tsconfig.base.json'));
  return {
    filename: file,
    sourceMaps: true,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      baseUrl: ROOT,
      paths: compilerOptions.paths,
    },
    module: { type: 'commonjs' },
  };
}

function build({ quiet = false } = {}) {
  const swc = require('@swc/core');
  const started = Date.now();
  const files = allSources();
  for (const file of files) {
    const out = path.join(DIST, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    const { code, map } = swc.transformFileSync(file, swcOptions(file));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, code + `\n//# sourceMappingURL=${path.basename(out)}.map\n`);
    if (map) fs.writeFileSync(out + '.map', map);
  }
  // `node dist/apps/<app>/main.js`, as Nx lays out a built app.
  for (const app of fs.readdirSync(path.join(ROOT, 'apps'))) {
    if (fs.existsSync(path.join(ROOT, 'apps', app, 'src', 'main.ts'))) {
      fs.writeFileSync(path.join(DIST, 'apps', app, 'main.js'), "'use strict';\nrequire('./src/main.js');\n");
    }
  }
  fs.writeFileSync(path.join(DIST, '.built'), String(started));
  if (!quiet) process.stderr.write(`built ${files.length} files into dist/ in ${Date.now() - started} ms\n`);
}

/** Rebuilds when any source is newer than the last build (for `npx kettle` in a checkout). */
function ensureBuilt() {
  const stamp = path.join(DIST, '.built');
  const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const stale = builtAt === 0 || allSources().some((f) => fs.statSync(f).mtimeMs > builtAt) ||
    fs.statSync(path.join(ROOT, 'tsconfig.base.json')).mtimeMs > builtAt;
  if (stale) build({ quiet: true });
}

module.exports = { build, ensureBuilt };
if (require.main === module) build();
