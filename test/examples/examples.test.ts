import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const mini = join(root, "test/fixtures/fsdd-mini");

describe("examples run as documented", () => {
  test("fsdd-publish.ts publishes FSDD to a local repository", async () => {
    const repo = await mkdtemp(join(tmpdir(), "ex-repo-"));
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/fsdd-publish.ts", mini, repo], { cwd: root });
    expect(stdout).toMatch(/published fsdd 1\.0\.0 to Repository\('data', '.*', 'file-system'\): 36 files/);
  });

  test("load-flavour.ts (npm run demo) publishes, loads at 16 kHz FLAC and summarises", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/load-flavour.ts", mini], { cwd: root });
    expect(stdout).toMatch(/files: 36, e\.g\. .*\/fsdd\/1\.0\.0\/9f9e46a1\/recordings\/0_george_0\.flac/);
    expect(stdout).toContain("first file: 16000 Hz, 1 channel(s), 16 bit");
    expect(stdout).toContain("gender via the misc table: male");
  });

  test("stream-batches.ts walks FSDD in shuffled batches of 16 kHz media (docs/loading.md)", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/stream-batches.ts", mini], { cwd: root });
    expect(stdout).toMatch(/^first batch: digits (\d, ){7}\d$/m);
    expect(stdout).toMatch(/^5 batches, 36 rows, \d+\.\d s of 16 kHz audio$/m);
  });
});
