// One temporary folder per test run: every test's temporary files, and those of the
// processes the tests start (node, python: both honour TMPDIR), go into it, and it is
// removed when the run ends, also after a failed test or a killed child.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "audb-ts-test-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
