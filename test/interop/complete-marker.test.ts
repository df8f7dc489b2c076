// audb-python writes `<flavour folder>/.complete` after ANY load that leaves every
// attachment, table and non-removed medium of the version in the folder
// (audb/core/load.py `_database_check_complete`), e.g. after partial loads that together
// cover everything. A shared cache then treats the folder as complete in both.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { SYNTHETIC_ARCHIVES, writeSyntheticDatabase } from "./synthetic-db.js";

async function setup() {
  const work = await mkdtemp(join(tmpdir(), "interop-complete-"));
  await mkdir(join(work, "host"));
  const repo = new Repository("repo", join(work, "host"), "file-system");
  configure({ repositories: [repo], cacheRoot: join(work, "cache"), sharedCacheRoot: join(work, "no-shared") });
  await writeSyntheticDatabase(join(work, "db"));
  await publish(join(work, "db"), "1.0.0", repo, { archives: SYNTHETIC_ARCHIVES });
}

test("a partial load is not marked complete while files are missing", async () => {
  await setup();
  const loaded = await loadToCache("interop", { version: "1.0.0", media: "wav/a\\.wav" });
  expect(existsSync(join(loaded.folder, ".complete"))).toBe(false);
});

test("a load whose media filter selects every file marks the folder complete, as audb does", async () => {
  await setup();
  const loaded = await loadToCache("interop", { version: "1.0.0", media: ".*" });
  expect(loaded.media).toHaveLength(6);
  expect(existsSync(join(loaded.folder, ".complete"))).toBe(true);
});
