import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { BackendUnavailableError } from "../../backends/backend.js";
import { FSDD_HEADER, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, manifest, materialize } from "../helpers/fsdd-history.js";
import { available, cached, dependencies, exists, latestVersion, repository, versions } from "../../src/api/discovery.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { MissingVersionError } from "../../src/core/errors.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

describe("discovery", () => {
  let repoA: Repository;
  let repoB: Repository;
  let cacheRoot: string;

  beforeAll(async () => {
    repoA = new Repository("a", await tempDir("repo-a-"), "file-system");
    repoB = new Repository("b", await tempDir("repo-b-"), "file-system");
    // fsdd 1.0.7 and 1.0.10 in a (1.0.10 sorts before 1.0.7 lexically), another db in b
    for (const [tag, version] of [["v1.0.7", "1.0.7"], ["v1.0.10", "1.0.10"]] as const) {
      const root = await tempDir(`fsdd-${tag}-`);
      await materialize(MINI_FSDD, tag, root);
      await writeFsddDatabase(root);
      await publish(root, version, repoA);
    }
    const other = await tempDir("other-");
    await materialize(MINI_FSDD, "v1.0", other);
    await writeFsddDatabase(other, FSDD_HEADER.replace("name: fsdd", "name: other"));
    await publish(other, "2.0.0", repoB);
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repoA, repoB], cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
  });

  test("available lists every version with its repository, sorted; onlyLatest keeps the newest", async () => {
    const all = await available();
    expect(all.map((e) => [e.name, e.version, e.repository.name])).toEqual([
      ["fsdd", "1.0.7", "a"], ["fsdd", "1.0.10", "a"], ["other", "2.0.0", "b"],
    ]);
    const latest = await available({ onlyLatest: true });
    expect(latest.map((e) => `${e.name}@${e.version}`)).toEqual(["fsdd@1.0.10", "other@2.0.0"]);
  });

  test("versions, latestVersion and repository", async () => {
    expect(await versions("fsdd")).toEqual(["1.0.7", "1.0.10"]);
    expect(await versions("no-such-db")).toEqual([]);
    expect(await latestVersion("fsdd")).toBe("1.0.10");
    await expect(latestVersion("no-such-db")).rejects.toThrow(MissingVersionError);
    expect((await repository("other", "2.0.0")).equals(repoB)).toBe(true);
    expect((await repository("fsdd", "1.0.7")).equals(repoA)).toBe(true);
    await expect(repository("fsdd", "9.9.9")).rejects.toThrow(/version '9\.9\.9' of 'fsdd' does not exist; available: 1\.0\.7, 1\.0\.10/);
  });

  test("dependencies, exists and cached follow what is in the cache", async () => {
    const deps = await dependencies("fsdd", { version: "1.0.7" });
    const files = [...manifest(MINI_FSDD, "v1.0.7").keys()].map((f) => `recordings/${f}`).sort();
    expect([...deps.media].sort()).toEqual(files);
    expect(deps.tables.sort()).toEqual(["db.files.csv", "db.speaker.csv"]);
    expect((await dependencies("fsdd")).media).toHaveLength(manifest(MINI_FSDD, "v1.0.10").size);

    expect(await exists("fsdd", { version: "1.0.7" })).toBe(false);
    expect(await cached()).toEqual([]);
    await loadToCache("fsdd", { version: "1.0.7" });
    await loadToCache("fsdd", { version: "1.0.10", onlyMetadata: true });
    expect(await exists("fsdd", { version: "1.0.7" })).toBe(true);
    expect(await exists("fsdd", { version: "1.0.7", format: "flac" })).toBe(false);
    // as audb's exists: the folder is there, complete or not (cached() tells which is complete)
    expect(await exists("fsdd")).toBe(true);
    expect(await exists("fsdd", { version: "1.0.7", cacheRoot: await tempDir("empty-cache-") })).toBe(false);
    // the shared cache counts, unless a cacheRoot is given (then only that one, as audb)
    await loadToCache("fsdd", { version: "1.0.7", onlyMetadata: true, format: "flac", cacheRoot: join(cacheRoot, "no-shared") });
    expect(await exists("fsdd", { version: "1.0.7", format: "flac" })).toBe(true);
    expect(await exists("fsdd", { version: "1.0.7", format: "flac", cacheRoot })).toBe(false);

    const entries = await cached({ name: "fsdd" });
    expect(entries.map((e) => [e.version, e.flavorId, e.complete])).toEqual([["1.0.7", "d3b62a9b", true], ["1.0.10", "d3b62a9b", false]]);
    expect(entries[0]!.path).toBe(join(cacheRoot, "fsdd", "1.0.7", "d3b62a9b"));
    expect(await cached({ name: "other" })).toEqual([]);
  });

  test("a repository that cannot be listed is skipped, as audb does, and named; when none can be listed, the error names it", async () => {
    const broken = new Repository("broken", "/nowhere", "no-such-backend");
    configure({ repositories: [repoA, broken], cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
    try {
      const skipped: string[] = [];
      const found = await available({ onSkipped: (repository, error) => skipped.push(`${repository.name}: ${error.message}`) });
      expect(found.map((e) => `${e.name} ${e.version} ${e.repository.name}`)).toEqual(["fsdd 1.0.7 a", "fsdd 1.0.10 a"]);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatch(/^broken: cannot list repository Repository\('broken', '\/nowhere', 'no-such-backend'\): /);
      expect(await versions("no-such-db")).toEqual([]);
      expect(await versions("fsdd")).toEqual(["1.0.7", "1.0.10"]);
      await expect(loadToCache("no-such-db")).rejects.toThrow(/^database 'no-such-db' is not in any configured repository \(a, broken\); could not ask broken: repository 'broken' uses backend 'no-such-backend'/);
      await expect(loadToCache("fsdd", { version: "9.9.9" })).rejects.toThrow(
        /^version '9\.9\.9' of 'fsdd' does not exist; available: 1\.0\.7, 1\.0\.10; could not ask broken: repository 'broken' uses backend 'no-such-backend'/,
      );

      configure({ repositories: [broken] });
      const reported: string[] = [];
      await expect(available({ onSkipped: (repository) => reported.push(repository.name) })).rejects.toThrow(BackendUnavailableError);
      expect(reported).toEqual([]); // the error says it; it is not also reported as skipped
      await expect(available()).rejects.toThrow(/Repository\('broken', '\/nowhere', 'no-such-backend'\)/);
      await expect(versions("no-such-db")).rejects.toThrow(/broken/);
    } finally {
      configure({ repositories: [repoA, repoB] });
    }
  });
});
