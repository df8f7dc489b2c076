// Cross-version reuse (audb's _get_files_from_cache, _get_attachments_from_cache): media,
// tables and attachments that another cached version holds with the same checksum are
// linked, not downloaded again; also from a version cached without our dependency table
// (as audb-python leaves it).
import { copyFileSync, existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { loadAttachment, loadTable } from "../../src/api/load-files.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { CACHED_DEPENDENCY_FILE, versionFolder } from "../../src/core/cache.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const CHANGED = "recordings/0_jackson_0.wav";
const inode = (folder: string, file: string) => statSync(join(folder, file)).ino;
/** `copy` holds the bytes of `original` in a file of its own: a table saved again in place changes one version only. */
function expectCopy(original: string, copy: string): void {
  expect(readFileSync(copy).equals(readFileSync(original)), copy).toBe(true);
  expect(statSync(copy).ino, copy).not.toBe(statSync(original).ino);
}

describe("reuse across cached versions", () => {
  let repo: Repository;
  beforeAll(async () => {
    repo = new Repository("data", await tempDir("repo-"), "counting-fs");
    configure({ repositories: [repo] });
    const source = await tempDir("fsdd-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source, FSDD_WITH_ATTACHMENTS);
    await writeAttachments(source);
    await publish(source, "1.0.0", repo);
    copyFileSync(join(source, "recordings/0_jackson_1.wav"), join(source, CHANGED)); // re-recorded
    await publish(source, "1.1.0", repo);
  });

  const freshCache = async () => {
    const cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    return cacheRoot;
  };

  test("tables and attachments another version holds are copied, media linked, none downloaded", async () => {
    await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.gets.filter((k) => !k.endsWith("db.yaml") && !k.endsWith("db.zip"))).toEqual([
      expect.stringMatching(/\/media\/1\.1\.0\//),
    ]);
    expect(inode(next.folder, "recordings/1_theo_0.wav")).toBe(inode(old.folder, "recordings/1_theo_0.wav")); // media: linked
    for (const f of ["db.files.csv", "db.speaker.csv", "docs/README.txt", "extra/a.txt", "extra/sub/b.txt"]) expectCopy(join(old.folder, f), join(next.folder, f));
    expect(inode(next.folder, CHANGED)).not.toBe(inode(old.folder, CHANGED));
    expect(existsSync(join(next.folder, ".complete"))).toBe(true);
  });

  test("a version cached without our dependency table (audb-python's) is reused: its table comes from the repository", async () => {
    const cacheRoot = await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    await rm(join(versionFolder(cacheRoot, "fsdd", "1.0.0"), CACHED_DEPENDENCY_FILE));
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.gets.filter((k) => k.includes("/media/") || k.includes("/meta/") || k.includes("/attachment/"))).toEqual([
      expect.stringMatching(/\/media\/1\.1\.0\//),
    ]);
    expect(traffic.gets.filter((k) => k.includes("/1.0.0/"))).toEqual([expect.stringMatching(/fsdd\/1\.0\.0\/db\.zip$/)]);
    expect(inode(next.folder, "recordings/1_theo_0.wav")).toBe(inode(old.folder, "recordings/1_theo_0.wav"));
    expect(existsSync(join(versionFolder(cacheRoot, "fsdd", "1.0.0"), CACHED_DEPENDENCY_FILE))).toBe(true); // kept for the next load
  });

  test("tables and attachments that loadTable and loadAttachment fetched are not fetched again by a load of that version", async () => {
    const cacheRoot = await freshCache();
    await loadTable("fsdd", "files", { version: "1.0.0" });
    await loadAttachment("fsdd", "extra", { version: "1.0.0" });
    resetTraffic();
    const full = await loadToCache("fsdd", { version: "1.0.0" });
    const fetched = traffic.gets.filter((k) => k.includes("/meta/") || k.includes("/attachment/"));
    expect(fetched.sort()).toEqual(["fsdd/attachment/1.0.0/readme.zip"]);
    const versionDir = versionFolder(cacheRoot, "fsdd", "1.0.0");
    for (const f of ["db.files.csv", "db.speaker.csv", "extra/a.txt", "extra/sub/b.txt"]) expectCopy(join(versionDir, f), join(full.folder, f));
    expect(existsSync(join(full.folder, ".complete"))).toBe(true);
  });

  test("a cached version the repository does not hold (another repository's) is skipped, and asked for once a load", async () => {
    const cacheRoot = await freshCache();
    const stray = join(cacheRoot, "fsdd", "1.0.5", "d3b62a9b");
    await mkdir(join(stray, "recordings"), { recursive: true });
    copyFileSync(join(MINI_FSDD, "recordings", "0_jackson_0.wav"), join(stray, CHANGED));
    resetTraffic();
    const loaded = await loadToCache("fsdd", { version: "1.1.0" });
    expect(existsSync(join(loaded.folder, ".complete"))).toBe(true);
    expect(readFileSync(join(loaded.folder, CHANGED)).equals(readFileSync(join(MINI_FSDD, "recordings", "0_jackson_1.wav")))).toBe(true); // 1.1.0's, not the stray
    expect(traffic.gets.filter((k) => k.includes("/1.0.5/"))).toEqual([]);
    const asked = traffic.checks.filter((k) => k.includes("/1.0.5/"));
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked).size).toBe(asked.length); // each key once, not once for tables, attachments and media
  });

  test("files of the shared cache are copied, not linked: other users own them", async () => {
    const shared = await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    const own = await tempDir("own-cache-");
    configure({ repositories: [repo], cacheRoot: own, sharedCacheRoot: shared });
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.gets.filter((k) => k.includes("/media/") || k.includes("/meta/") || k.includes("/attachment/"))).toHaveLength(1);
    for (const f of ["db.files.csv", "extra/sub/b.txt", "recordings/1_theo_0.wav"]) {
      expect(inode(next.folder, f), f).not.toBe(inode(old.folder, f));
      expect(readFileSync(join(next.folder, f)).equals(readFileSync(join(old.folder, f))), f).toBe(true);
    }
  });

  test("a file another version holds but that cannot be read there is downloaded, a folder attachment as a whole", async () => {
    await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    await rm(join(old.folder, "recordings/1_theo_0.wav"));
    await mkdir(join(old.folder, "recordings/1_theo_0.wav")); // a folder: neither linked nor copied
    await rm(join(old.folder, "extra/sub/b.txt"));
    await symlink("nowhere", join(old.folder, "extra/sub/b.txt")); // no file to place
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    const fetched = traffic.gets.filter((k) => k.includes("/media/") || k.includes("/meta/") || k.includes("/attachment/"));
    expect(fetched.filter((k) => k.includes("/attachment/"))).toEqual(["fsdd/attachment/1.0.0/extra.zip"]);
    expect(fetched.filter((k) => k.includes("/media/"))).toHaveLength(2);
    expect(readFileSync(join(next.folder, "extra/sub/b.txt"), "utf8")).toBe("b\n");
    expect(statSync(join(next.folder, "recordings/1_theo_0.wav")).isFile()).toBe(true);
    expect(existsSync(join(next.folder, ".complete"))).toBe(true);
    expect((await readdir(join(next.folder, ".."))).filter((e) => e.includes("~"))).toEqual([]);
  });

  test("loadTable and loadAttachment take what another cached version or the version's own folder holds, as audb's load_table does", async () => {
    const cacheRoot = await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    resetTraffic();
    await loadTable("fsdd", "files", { version: "1.1.0" });
    await loadAttachment("fsdd", "extra", { version: "1.1.0" });
    await loadTable("fsdd", "files", { version: "1.0.0" });
    expect(traffic.gets.filter((k) => k.includes("/meta/") || k.includes("/attachment/"))).toEqual([]);
    const v110 = versionFolder(cacheRoot, "fsdd", "1.1.0");
    for (const f of ["db.files.csv", "db.speaker.csv", "extra/sub/b.txt"]) expectCopy(join(old.folder, f), join(v110, f));
    expectCopy(join(old.folder, "db.files.csv"), join(versionFolder(cacheRoot, "fsdd", "1.0.0"), "db.files.csv"));
  });

  test("loadTable and loadAttachment remove what a killed one left beside the version folder, and no one else's files", async () => {
    const cacheRoot = await freshCache();
    await loadToCache("fsdd", { version: "1.0.0", onlyMetadata: true });
    const parent = join(cacheRoot, "fsdd");
    await mkdir(join(parent, "1.0.0~Xy12Ab", "extra"), { recursive: true }); // ours, from a killed loadAttachment
    await mkdir(join(parent, "1.0.0~")); // audb-python's
    const filling = join(versionFolder(cacheRoot, "fsdd", "1.0.0"), "d3b62a9b", "recordings", "0_jackson_0.wav.1234.audb-tmp");
    await mkdir(dirname(filling), { recursive: true });
    await writeFile(filling, "a load of the flavour folder at work");
    await loadAttachment("fsdd", "extra", { version: "1.0.0" });
    // `.1.0.0.lock`: audb-python's lock file of the version folder, which we take too and, like it, leave
    expect((await readdir(parent)).sort()).toEqual([".1.0.0.lock", "1.0.0", "1.0.0~"]);
    expect(existsSync(filling)).toBe(true);
  });

  test("a symbolic link in another cached version is not linked: the file or attachment is downloaded", async () => {
    await freshCache();
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    const outside = await tempDir("outside-");
    for (const f of ["db.files.csv", "extra"]) {
      await cp(join(old.folder, f), join(outside, f), { recursive: true });
      await rm(join(old.folder, f), { recursive: true });
      await symlink(join(outside, f), join(old.folder, f));
    }
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.gets.filter((k) => k.includes("/meta/") || k.includes("/attachment/")).sort()).toEqual([
      "fsdd/attachment/1.0.0/extra.zip", "fsdd/meta/1.0.0/files.zip",
    ]);
    for (const f of ["db.files.csv", "extra", "extra/sub/b.txt"]) expect(lstatSync(join(next.folder, f)).isSymbolicLink(), f).toBe(false);
  });

  test("a folder attachment another process (audb-python, without our locks) put in place first is kept", async () => {
    await freshCache();
    const folder = join((await loadToCache("fsdd", { version: "1.0.0", onlyMetadata: true })).folder);
    traffic.beforeGet = async (key) => {
      if (!key.endsWith("/extra.zip")) return;
      await mkdir(join(folder, "extra", "sub"), { recursive: true });
      await writeFile(join(folder, "extra", "a.txt"), "a\n");
      await writeFile(join(folder, "extra", "sub", "b.txt"), "b\n");
    };
    const loaded = await loadToCache("fsdd", { version: "1.0.0" });
    expect(readFileSync(join(loaded.folder, "extra/sub/b.txt"), "utf8")).toBe("b\n");
    expect(existsSync(join(loaded.folder, ".complete"))).toBe(true);
    expect((await readdir(join(loaded.folder, ".."))).filter((e) => e.includes("~"))).toEqual([]);
  });

  test("loadTable and loadAttachment remove the temp files a killed one left for its tables and attachments, not others", async () => {
    const cacheRoot = await freshCache();
    await loadTable("fsdd", "files", { version: "1.0.0" });
    const dir = versionFolder(cacheRoot, "fsdd", "1.0.0");
    await mkdir(join(dir, "docs"), { recursive: true });
    const left = [join(dir, "db.files.csv.audb-1.audb-tmp"), join(dir, "docs", "README.txt.audb-2.audb-tmp")];
    const others = [join(dir, "db.yaml.audb-3.audb-tmp"), join(dir, "docs", "other.txt.audb-4.audb-tmp")];
    for (const f of [...left, ...others]) await writeFile(f, "partial");
    await loadAttachment("fsdd", "readme", { version: "1.0.0" });
    for (const f of left) expect(existsSync(f), f).toBe(false);
    for (const f of others) expect(existsSync(f), f).toBe(true); // a flavour folder's load may be writing the header
  });

  test("a folder attachment whose path ends in '/' loads, and is reused under the right names", async () => {
    const slashRepo = new Repository("slash", await tempDir("repo-"), "counting-fs");
    configure({ repositories: [slashRepo] });
    const source = await tempDir("fsdd-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source, FSDD_WITH_ATTACHMENTS.replace("{path: extra}", "{path: extra/}"));
    await writeAttachments(source);
    await publish(source, "1.0.0", slashRepo);
    copyFileSync(join(source, "recordings/0_jackson_1.wav"), join(source, CHANGED));
    await publish(source, "1.1.0", slashRepo);
    const cacheRoot = await tempDir("cache-");
    configure({ repositories: [slashRepo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    const old = await loadToCache("fsdd", { version: "1.0.0" });
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.gets.filter((k) => k.includes("/attachment/"))).toEqual([]);
    for (const loaded of [old, next]) {
      expect(readFileSync(join(loaded.folder, "extra/a.txt"), "utf8")).toBe("a\n");
      expect(readFileSync(join(loaded.folder, "extra/sub/b.txt"), "utf8")).toBe("b\n");
    }
    expect((await readdir(join(next.folder, "extra"))).sort()).toEqual(["a.txt", "sub"]);
  });

  test("a broken dependency table of another cached version in the repository is an error naming it, not skipped", async () => {
    const cacheRoot = await freshCache();
    const stray = join(cacheRoot, "fsdd", "1.0.6", "d3b62a9b");
    await mkdir(stray, { recursive: true });
    const host = join(repo.host, repo.name, "fsdd", "1.0.6");
    await mkdir(host, { recursive: true });
    await writeFile(join(host, "db.zip"), "not a zip");
    try {
      await expect(loadToCache("fsdd", { version: "1.1.0" })).rejects.toThrow(/1\.0\.6\/db\.zip/);
    } finally {
      await rm(host, { recursive: true });
    }
  });

  test("cached versions older than every file still missing are not looked at (audb looks from a file's own version on)", async () => {
    const cacheRoot = await freshCache();
    for (const old of ["0.5.0", "0.10.0"]) await mkdir(join(cacheRoot, "fsdd", old, "d3b62a9b"), { recursive: true });
    resetTraffic();
    await loadToCache("fsdd", { version: "1.1.0" });
    expect(traffic.checks.filter((k) => /\/0\.(5|10)\.0\//.test(k))).toEqual([]);
  });
});
