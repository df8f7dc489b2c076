import { existsSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { BackendUnavailableError, registerBackend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { dependencies } from "../../src/api/discovery.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { loadTo } from "../../src/api/load-to.js";
import { publish } from "../../src/api/publish.js";
import { removeMedia } from "../../src/api/remove-media.js";
import { configure } from "../../src/api/settings.js";
import { archiveName, listArchive } from "../../src/core/archive.js";
import { MissingDependencyError, type Dependencies } from "../../src/core/dependencies.js";
import { MissingVersionError } from "../../src/core/errors.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const GROUPED = "recordings/0_jackson_0.wav"; // in archive 'group' of 1.0.7 with 0_jackson_1, unchanged in 1.0.10
const CHANGED = "recordings/0_nicolas_0.wav"; // re-recorded: own archives in 1.0.7 and 1.0.10

async function entries(host: string, key: string): Promise<string[]> {
  return (await listArchive(join(host, key))).map((e) => e.path);
}

function mediaKeyOf(file: string, version: string, deps: Dependencies): string {
  return `data/fsdd/media/${version}/${deps.archive(file)}.zip`;
}

describe("removeMedia on the FSDD history", () => {
  let host: string;
  let backend: FileSystemBackend;
  let cacheRoot: string;

  beforeAll(async () => {
    host = await tempDir("repo-");
    const repo = new Repository("data", host, "counting-fs");
    backend = new FileSystemBackend(join(host, "data"));
    for (const [tag, version] of [["v1.0.7", "1.0.7"], ["v1.0.10", "1.0.10"]] as const) {
      const root = await tempDir(`fsdd-${tag}-`);
      await materialize(MINI_FSDD, tag, root);
      await writeFsddDatabase(root);
      await publish(root, version, repo, { archives: { [GROUPED]: "group", "recordings/0_jackson_1.wav": "group" } });
    }
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  });

  test("marks the files removed in every version, deletes them from the archives, and loads skip them", async () => {
    await loadToCache("fsdd", { version: "1.0.10" }); // caches the old dependency table
    await expect(removeMedia("fsdd", [GROUPED, "recordings/nope.wav"])).rejects.toThrow(MissingDependencyError);
    await expect(removeMedia("fsdd", "recordings/nope.wav")).rejects.toThrow(/'recordings\/nope\.wav': not a media file of any version of 'fsdd'/);
    expect((await fetchDependencies(backend, "fsdd", "1.0.7")).removedMedia).toEqual([]); // nothing changed

    await removeMedia("fsdd", [GROUPED, CHANGED]);

    for (const version of ["1.0.7", "1.0.10"]) {
      const deps = await fetchDependencies(backend, "fsdd", version);
      expect(deps.removedMedia.sort(), version).toEqual([GROUPED, CHANGED].sort());
      expect(deps.has(GROUPED) && deps.has(CHANGED)).toBe(true);
    }
    expect(await entries(host, "data/fsdd/media/1.0.7/group.zip")).toEqual(["recordings/0_jackson_1.wav"]);
    expect(await entries(host, `data/fsdd/media/1.0.7/${archiveName(CHANGED)}.zip`)).toEqual([]);
    expect(await entries(host, `data/fsdd/media/1.0.10/${archiveName(CHANGED)}.zip`)).toEqual([]);
    expect(existsSync(join(host, "data/fsdd/media/1.0.10/group.zip"))).toBe(false);

    // the cached dependency table was invalidated
    expect((await dependencies("fsdd", { version: "1.0.10" })).removedMedia.sort()).toEqual([GROUPED, CHANGED].sort());

    resetTraffic();
    const fresh = await loadToCache("fsdd", { version: "1.0.10", cacheRoot: await tempDir("cache-fresh-") });
    expect(fresh.media).not.toContain(GROUPED);
    expect(fresh.media).not.toContain(CHANGED);
    expect(fresh.media).toContain("recordings/0_jackson_1.wav");
    expect(existsSync(join(fresh.folder, GROUPED))).toBe(false);
    expect(existsSync(join(fresh.folder, "recordings/0_jackson_1.wav"))).toBe(true);
    expect(traffic.gets.filter((k) => k.endsWith(`${archiveName(CHANGED)}.zip`))).toEqual([]);

    // with removedMedia the rows stay (as in audb), the files are still not there
    const { load } = await import("../../src/api/load.js");
    const withRemoved = await load("fsdd", { version: "1.0.10", removedMedia: true, cacheRoot: await tempDir("cache-removed-") });
    const rows = withRemoved.tables.get("files")!.files;
    expect(rows.filter((f) => f.endsWith(CHANGED) || f.endsWith(GROUPED))).toHaveLength(2);
    expect(rows.length).toBe((await load("fsdd", { version: "1.0.10" })).tables.get("files")!.files.length + 2);
    expect(existsSync(join(withRemoved.root!, CHANGED))).toBe(false);

    // running again changes nothing and uploads nothing
    resetTraffic();
    await removeMedia("fsdd", CHANGED);
    expect(traffic.puts).toEqual([]);

    // loadTo leaves removed media out, and a version published on top keeps them removed
    const root = await tempDir("load-to-");
    await loadTo(root, "fsdd");
    expect(existsSync(join(root, CHANGED))).toBe(false);
    expect(existsSync(join(root, "recordings/0_jackson_1.wav"))).toBe(true);
    resetTraffic();
    const next = await publish(root, "1.1.0", new Repository("data", host, "counting-fs"));
    expect(traffic.puts.filter((k) => k.includes("/media/"))).toEqual([]);
    expect(next.removedMedia.sort()).toEqual([GROUPED, CHANGED].sort());
  });

  test("an interrupted run has marked the file removed in every version's table before any archive changed", async () => {
    const latest = await fetchDependencies(backend, "fsdd", "1.0.10");
    const file = latest.media.find((f) => latest.version(f) === "1.0.7" && !latest.removed(f) && latest.archive(f) !== "group")!;
    const key = mediaKeyOf(file, "1.0.7", latest);
    expect(await entries(host, key)).toEqual([file]); // 1.0.10 loads it from 1.0.7's archive

    resetTraffic();
    traffic.failPut = (k) => k.includes("/media/");
    await expect(removeMedia("fsdd", file)).rejects.toThrow(/injected/);
    traffic.failPut = undefined;
    for (const version of ["1.0.7", "1.0.10"]) expect((await fetchDependencies(backend, "fsdd", version)).removed(file), version).toBe(true);
    expect(await entries(host, key)).toEqual([file]);
    const meanwhile = await loadToCache("fsdd", { version: "1.0.10", cacheRoot: await tempDir("cache-") });
    expect(meanwhile.media).not.toContain(file);

    await removeMedia("fsdd", file); // running again finishes the job
    expect(await entries(host, key)).toEqual([]);
  });

  test("an unknown database is named", async () => {
    await expect(removeMedia("no-such-db", "a.wav")).rejects.toThrow(MissingVersionError);
  });
});

registerBackend("unreachable", (host, name) => {
  const inner = new FileSystemBackend(join(host, name));
  inner.list = async () => {
    throw new BackendUnavailableError(`cannot reach ${host} (down for the test)`);
  };
  return inner;
});

describe("removeMedia with a repository that cannot be reached", () => {
  test("skips it, as audb does, and says which; the others are changed", async () => {
    const { repo, files } = await publishedFsdd();
    const down = new Repository("down", await tempDir("repo-down-"), "unreachable");
    configure({ repositories: [down, repo] });
    const result = await removeMedia("fsdd", files[0]!);
    expect(result.unreachable).toEqual([{ repository: "down", reason: expect.stringContaining("down for the test") as string }]);
    expect((await fetchDependencies(await repo.open(), "fsdd", "1.0.0")).removed(files[0]!)).toBe(true);

    configure({ repositories: [down] });
    await expect(removeMedia("fsdd", files[1]!)).rejects.toThrow(/could not reach down: cannot reach .* \(down for the test\)/);
  });
});

describe("removeMedia on audb-python's repository", () => {
  test("rewrites parquet dependency tables as db.zip and deletes the parquet", async () => {
    const host = await tempDir("interop-");
    await cp(resolve(import.meta.dirname, "../interop/reference/repo"), join(host, "repo"), { recursive: true });
    const backend = new FileSystemBackend(join(host, "repo"));
    configure({ repositories: [new Repository("repo", host, "file-system")], cacheRoot: await tempDir("cache-") });
    const before = new Map<string, Dependencies>();
    for (const version of ["1.0.0", "2.0.0"]) before.set(version, await fetchDependencies(backend, "interop", version));
    await removeMedia("interop", "wav/c.wav");
    for (const version of ["1.0.0", "2.0.0"]) {
      expect(existsSync(join(host, "repo/interop", version, "db.parquet"))).toBe(false);
      expect(existsSync(join(host, "repo/interop", version, "db.zip"))).toBe(true);
      const deps = await fetchDependencies(backend, "interop", version);
      expect(deps.removedMedia.sort()).toEqual(["wav/c.wav", "wav/d.wav"]);
      const expected = before.get(version)!.clone();
      expected.markRemoved("wav/c.wav");
      expect(deps.equals(expected), version).toBe(true);
    }
    expect(await entries(host, "repo/interop/media/1.0.0/group.zip")).toEqual([]);
  });
});
