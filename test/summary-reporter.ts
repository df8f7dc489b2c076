// Prints one plain closing line, "tests: N passed, N failed, N skipped", after vitest's own
// summary, so CI logs state the counts in a runner-neutral form.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // a file that does not load, or a failing beforeAll/afterAll, skips tests: it counts as a failure
      for (const suite of [module, ...module.children.allSuites()]) if (suite.errors().length > 0) failed++;
      if (module.state() === "failed" && module.children.size === 0 && module.errors().length === 0) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
