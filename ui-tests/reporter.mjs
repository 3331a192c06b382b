// One plain summary line at the end, `N passed, N failed`, for CI logs that do not read
// Playwright's own summary. Runs beside the `list` reporter. Errors outside any test (a spec
// that does not load, a broken config) count as failures, so a red run never reads "0 failed".
export default class SummaryReporter {
  onBegin(config, suite) {
    this.suite = suite;
    this.errors = 0;
  }

  onError() {
    this.errors += 1;
  }

  onEnd() {
    let passed = 0;
    let failed = this.errors;
    for (const test of this.suite ? this.suite.allTests() : []) {
      const outcome = test.outcome();
      if (outcome === 'expected' || outcome === 'flaky') passed += 1;
      else if (outcome === 'unexpected') failed += 1;
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }

  printsToStdio() {
    return true;
  }
}
