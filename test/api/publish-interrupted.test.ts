import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { spawnTsx, waitForOutput } from "../helpers/spawn-tsx.js";
import { FULL_FSDD, MINI_FSDD, hasFullFsdd, materialize, padRecordings } from "../helpers/fsdd-history.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { listVersions } from "../../src/core/layout.js";
import { FileSystemBackend } from "../../backends/filesystem.js";

const child = join(import.meta.dirname, "../helpers/publish-process.ts");

const start = (args: string[]) => spawnTsx(child, args);

test("killing a publish midway leaves no visible version; running it again completes it", { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  await materialize(hasFullFsdd ? FULL_FSDD : MINI_FSDD, "v1.0.10", root);
  await padRecordings(root, 1000);
  const files = await writeFsddDatabase(root);
  const backend = new FileSystemBackend(join(host, "data"));

  const victim = start([root, host, "1.0.0", "announce"]);
  await waitForOutput(victim, "uploading");
  victim.proc.kill("SIGKILL");
  await victim.done;
  expect(await listVersions(backend, "fsdd")).toEqual([]);
  expect((await backend.list("fsdd/media/1.0.0/")).files.length).toBeLessThan(files.length);

  const again = start([root, host, "1.0.0"]);
  expect((await again.done).code, again.err()).toBe(0);
  expect(await listVersions(backend, "fsdd")).toEqual(["1.0.0"]);
  const deps = await fetchDependencies(backend, "fsdd", "1.0.0");
  expect(deps.media.sort()).toEqual(files);
  expect((await backend.list("fsdd/media/1.0.0/")).files).toHaveLength(files.length);
});
