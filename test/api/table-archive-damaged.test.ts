import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { cuts, resetFaults } from "../helpers/faulty-fs-backend.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { load } from "../../src/api/load.js";
import { ArchiveError } from "../../src/core/archive.js";

// QA 22 D11: a table archive that arrived damaged was named by the path of a temp file in
// the cache, not by its repository key and table.

test("a table archive cut short is an ArchiveError naming its repository key and table, and nothing is kept", async () => {
  resetFaults();
  const { cacheRoot } = await publishedFsdd("faulty-fs");
  Object.assign(cuts, { match: /\/meta\/1\.0\.0\/files\.zip$/, bytes: 40, times: 1 });
  const error = await load("fsdd", { version: "1.0.0", onlyMetadata: true }).catch((e: unknown) => e);
  expect(cuts.done).toBe(1);
  expect(error).toBeInstanceOf(ArchiveError);
  const message = (error as Error).message;
  expect(message).toMatch(/^table 'files' of 'fsdd' 1\.0\.0: cannot open archive 'fsdd\/meta\/1\.0\.0\/files\.zip': /);
  expect(message).not.toContain(cacheRoot);
  const folder = join(cacheRoot, "fsdd", "1.0.0");
  const flavor = (await readdir(folder)).find((f) => /^[0-9a-f]{8}$/.test(f))!;
  expect((await readdir(join(folder, flavor))).filter((f) => f.startsWith("db.files"))).toEqual([]);
  expect((await load("fsdd", { version: "1.0.0", onlyMetadata: true })).table("files").length).toBeGreaterThan(0);
});
