// What a killed load leaves in a cache is swept by the next load, and only that: audb-python's
// staging folder of the same flavour (`<id>~`) may be in use by a running audb-python load.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { isTempName, tempPathFor } from "../../backends/filesystem.js";
import { loadToCache, removeStaleStaging } from "../../src/api/load-cache.js";
import { flavorFolder, isComplete } from "../../src/core/cache.js";
import { flavorId, makeFlavor } from "../../src/core/flavor.js";
import { FSDD_HEADER, publishedFsdd, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { spawnTsx } from "../helpers/spawn-tsx.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";

test("a load removes its own staging folders and temp files a killed load left, not audb-python's staging folder", async () => {
  const { files, cacheRoot } = await publishedFsdd("file-system");
  const folder = flavorFolder(cacheRoot, "fsdd", "1.0.0", flavorId(makeFlavor({})));
  const python = `${folder}~`;
  const ours = `${folder}~Ab3xY9`;
  await mkdir(join(python, "recordings"), { recursive: true });
  await writeFile(join(python, "recordings", "busy.wav"), "audb-python is writing this");
  await mkdir(join(ours, "x"), { recursive: true });
  await mkdir(join(folder, "recordings"), { recursive: true });
  const temp = tempPathFor(join(folder, files[0]!));
  await writeFile(temp, "half a file");

  const loaded = await loadToCache("fsdd", { version: "1.0.0" });
  expect(loaded.folder).toBe(folder);
  expect(isComplete(folder)).toBe(true);
  expect(existsSync(ours)).toBe(false);
  expect(existsSync(temp)).toBe(false);
  const left = (await readdir(folder, { recursive: true })).filter((f) => isTempName(f));
  expect(left).toEqual([]);
  expect(existsSync(join(python, "recordings", "busy.wav"))).toBe(true);
});

test("the sweep also removes staging folders named as Node 20.15 and 20.16 name them (<folder>~XXXXXX and 6 characters)", async () => {
  const parent = await mkdtemp(join(tmpdir(), "version-"));
  const folder = join(parent, "d3b62a9b");
  const staging = ["d3b62a9b~Ab3xY9", "d3b62a9b~XXXXXXeFTXBT"];
  const others = ["d3b62a9b", "d3b62a9b~", "d3b62a9b~notours", "d3b62a9b~XXXXXXeFTXBT1", "e0000000~XXXXXXeFTXBT"];
  for (const name of [...staging, ...others]) await mkdir(join(parent, name, "x"), { recursive: true });

  await removeStaleStaging(folder, { sweep: false });
  expect((await readdir(parent)).sort()).toEqual([...others].sort());
});

test("a load killed while it puts an attachment folder in place leaves none of it; the next load puts all of it there", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  const cacheRoot = await mkdtemp(join(tmpdir(), "cache-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root, `${FSDD_HEADER}attachments:\n  extra: {path: extra}\n`);
  await mkdir(join(root, "extra/sub"), { recursive: true });
  for (const f of ["extra/a.txt", "extra/b.txt", "extra/sub/c.txt"]) await writeFile(join(root, f), `${f}\n`);
  const repo = new Repository("data", host, "file-system");
  configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  await publish(root, "1.0.0", repo);

  // killed right after a file of the attachment is renamed into the flavour folder, if it is moved file by file
  const folder = flavorFolder(cacheRoot, "fsdd", "1.0.0", flavorId(makeFlavor({})));
  const hook = join(import.meta.dirname, "../helpers/kill-after-rename.cjs");
  const child = spawnTsx(join(import.meta.dirname, "../helpers/load-process.ts"), [host, cacheRoot, "1.0.0"], {
    nodeArgs: ["--require", hook], env: { AUDB_KILL_AFTER: "/extra/a.txt", AUDB_KILL_UNDER: `${folder}/` },
  });
  await child.done;
  const loaded = await loadToCache("fsdd", { version: "1.0.0" });
  expect(isComplete(loaded.folder)).toBe(true);
  for (const f of ["extra/a.txt", "extra/b.txt", "extra/sub/c.txt"]) expect(existsSync(join(loaded.folder, f)), f).toBe(true);
});
