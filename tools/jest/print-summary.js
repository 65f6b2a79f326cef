// Prints the workspace's test totals as one line: "N passed, N failed, N skipped".
'use strict';
const fs = require('node:fs');
const file = process.argv[2];
const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const l of lines) {
  const r = JSON.parse(l);
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
}
console.log(`\nJest projects run: ${lines.length}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
