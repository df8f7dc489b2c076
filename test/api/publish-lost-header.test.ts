import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, expect, test } from "vitest";
import { failures, resetFaults } from "../helpers/faulty-fs-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { LOCAL_CLAIM_FILE } from "../../src/api/publish-claim.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { listVersions } from "../../src/core/layout.js";
import { Repository } from "../../src/core/repository.js";
import { FileSystemBackend } from "../../backends/filesystem.js";

// QA 22 D10: the header's upload reached the store but its answer was lost; the publish
// failed, and running it again from the same folder said the version already exists.

let root: string;
let repo: Repository;
const store = () => new FileSystemBackend(join(repo.host, repo.name));

beforeEach(async () => {
  resetFaults();
  const temp = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
  root = await temp("fsdd-");
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root);
  repo = new Repository("data", await temp("repo-"), "faulty-fs");
  const cacheRoot = await temp("cache-");
  configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  failures.lostPut = /\/db\.yaml$/;
});

test("a header stored whose answer is lost: the publish checks it is there and succeeds", async () => {
  const deps = await publish(root, "1.0.0", repo, { numWorkers: 1 });
  expect(deps.media.length).toBeGreaterThan(0);
  expect(await listVersions(store(), "fsdd")).toEqual(["1.0.0"]);
  expect(await readFile(join(root, "db.csv"), "utf8")).toContain("recordings/");
  expect(existsSync(join(root, LOCAL_CLAIM_FILE))).toBe(false);
});

test("a header stored whose answer is lost and that cannot be checked: the publish fails, run again it finishes", async () => {
  failures.thenFailReads = true;
  await expect(publish(root, "1.0.0", repo, { numWorkers: 1 })).rejects.toThrow(/answer to the upload of 'fsdd\/1\.0\.0\/db\.yaml' lost/);
  expect(existsSync(join(root, "db.csv"))).toBe(false);
  resetFaults();
  expect(await listVersions(store(), "fsdd")).toEqual(["1.0.0"]);
  const deps = await publish(root, "1.0.0", repo, { numWorkers: 1 });
  expect(deps.media.length).toBeGreaterThan(0);
  expect(await readFile(join(root, "db.csv"), "utf8")).toContain("recordings/");
  expect(existsSync(join(root, LOCAL_CLAIM_FILE))).toBe(false);
  await expect(publish(root, "1.0.0", repo, { numWorkers: 1 })).rejects.toThrow(/already exists/);
});
