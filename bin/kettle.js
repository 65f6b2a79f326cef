#!/usr/bin/env node
'use strict';
// In a source checkout, compile first when the sources changed; an installed
// image ships dist/ and no tools/.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..');
const builder = path.join(root, 'tools', 'build.js');
if (fs.existsSync(builder) && fs.existsSync(path.join(root, 'node_modules', '@swc', 'core'))) {
  require(builder).ensureBuilt();
}
require(path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js'));
