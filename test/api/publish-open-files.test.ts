// A folder attachment of more files than a process may open at once (a desktop's soft
// limit is 1,024) is published: its files are read a few at a time, not all at once.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { FSDD_HEADER, FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { listVersions } from "../../src/core/layout.js";

const child = join(import.meta.dirname, "../helpers/publish-process.ts");

/** Publishes `root` as 1.0.0 to `host` in a child process that may open at most `files` files. */
async function publishUnderLimit(root: string, host: string, files: number, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const command = `ulimit -n ${files} && exec "${process.execPath}" --import tsx "${child}" "${root}" "${host}" 1.0.0`;
  const proc = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  return { code, output };
}

test("a folder attachment of more files than the open-file limit is published", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root, FSDD_WITH_ATTACHMENTS);
  await writeAttachments(root);
  await mkdir(join(root, "extra", "many"));
  for (let i = 0; i < 600; i++) await writeFile(join(root, "extra", "many", `${i}.txt`), `${i}\n`);

  const { code, output } = await publishUnderLimit(root, host, 256);
  expect(output).toContain("published");
  expect(code).toBe(0);
  expect(await listVersions(new FileSystemBackend(join(host, "data")), "fsdd")).toEqual(["1.0.0"]);
});

test("folder attachments stored at the same time share one limit of open files", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  const ids = ["a0", "a1", "a2", "a3", "a4", "a5"];
  await writeFsddDatabase(root, `${FSDD_HEADER}attachments:\n${ids.map((id) => `  ${id}: {path: ${id}}\n`).join("")}`);
  for (const id of ids) {
    await mkdir(join(root, id));
    for (let i = 0; i < 40; i++) await writeFile(join(root, id, `${i}.txt`), `${id} ${i}\n`);
  }
  const { code, output } = await publishUnderLimit(root, host, 80, { AUDB_TEST_WORKERS: "4" });
  expect(output).toContain("published");
  expect(code).toBe(0);
});

