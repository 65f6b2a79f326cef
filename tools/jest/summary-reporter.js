// Appends each Jest run's totals to $KETTLE_TEST_SUMMARY so .ci/run can print
// one closing line for the whole workspace (Nx runs one Jest per project).
'use strict';
const fs = require('node:fs');

class SummaryReporter {
  constructor(globalConfig) {
    this.file = process.env.KETTLE_TEST_SUMMARY;
    this.name = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    if (!this.file) return;
    const line = {
      project: this.name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
  }
}
module.exports = SummaryReporter;
