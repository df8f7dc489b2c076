// A folder attachment of more files than a process may open at once (a desktop's soft
// limit is 1,024) is published: its files are read a few at a time, not all at once.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { listVersions } from "../../src/core/layout.js";

const child = join(import.meta.dirname, "../helpers/publish-process.ts");

test("a folder attachment of more files than the open-file limit is published", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root, FSDD_WITH_ATTACHMENTS);
  await writeAttachments(root);
  await mkdir(join(root, "extra", "many"));
  for (let i = 0; i < 600; i++) await writeFile(join(root, "extra", "many", `${i}.txt`), `${i}\n`);

  const command = `ulimit -n 256 && exec "${process.execPath}" --import tsx "${child}" "${root}" "${host}" 1.0.0`;
  const proc = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  expect(output).toContain("published");
  expect(code).toBe(0);
  expect(await listVersions(new FileSystemBackend(join(host, "data")), "fsdd")).toEqual(["1.0.0"]);
});
