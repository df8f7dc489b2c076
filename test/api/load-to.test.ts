import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { isTempName, tempPathFor } from "../../backends/filesystem.js";
import { loadTo } from "../../src/api/load-to.js";
import { removeMedia } from "../../src/api/remove-media.js";
import { publish } from "../../src/api/publish.js";
import { dependenciesFromCsv } from "../../src/core/dependencies-csv.js";
import { DependencyMismatchError, MissingVersionError, OptionError } from "../../src/core/errors.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const mediaGets = () => traffic.gets.filter((k) => k.includes("/media/"));
const mediaPuts = () => traffic.puts.filter((k) => k.includes("/media/"));
const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

describe("loadTo", () => {
  let repo: Repository;
  let source: string;
  let files: string[];
  beforeAll(async () => {
    ({ repo, source, files } = await publishedFsdd());
  });

  test("removes what a killed loadTo left (staging beside the folder, temp files in it); two at once into one folder take turns", async () => {
    const root = await tempDir("load-to-");
    await mkdir(join(root, "recordings"), { recursive: true });
    const staging = `${root}~Ab3xY9`;
    await mkdir(join(staging, "x"), { recursive: true });
    const temp = tempPathFor(join(root, files[0]!));
    await writeFile(temp, "half a file");
    await Promise.all([loadTo(root, "fsdd", { version: "1.0.0" }), loadTo(root, "fsdd", { version: "1.0.0" })]);
    expect(existsSync(staging)).toBe(false);
    expect((await readdir(root, { recursive: true })).filter((f) => isTempName(f) || f.endsWith(".tmp"))).toEqual([]);
    expect((await readdir(dirname(root))).filter((f) => f.startsWith(`${basename(root)}~`) || f.startsWith(`.${basename(root)}.`))).toEqual([]);
    for (const f of files) expect(same(join(root, f), join(source, f)), f).toBe(true);
  });

  test("a file where the folder or the cache root should be is an OptionError naming it, and nothing is downloaded", async () => {
    const dir = await tempDir("not-a-folder-");
    const file = join(dir, "afile");
    await writeFile(file, "x");
    resetTraffic();
    for (const [call, path] of [
      [() => loadTo(file, "fsdd", { version: "1.0.0" }), file],
      [() => loadTo(join(file, "sub"), "fsdd", { version: "1.0.0" }), join(file, "sub")],
      [() => loadToCache("fsdd", { version: "1.0.0", cacheRoot: file }), file],
    ] as const) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as Error).message).toContain(`'${path}' is not a folder`);
    }
    const dangling = join(dir, "dangling");
    await symlink(join(dir, "nowhere"), dangling);
    await expect(loadToCache("fsdd", { version: "1.0.0", cacheRoot: dangling })).rejects.toThrow(/'.*dangling' is a symbolic link to nothing/);
    await symlink(join(dir, "loop2"), join(dir, "loop1"));
    await symlink(join(dir, "loop1"), join(dir, "loop2"));
    await expect(loadTo(join(dir, "loop1"), "fsdd", { version: "1.0.0" })).rejects.toThrow(new OptionError(`loadTo root: '${join(dir, "loop1")}' is a loop of symbolic links`));
    expect(traffic.gets).toEqual([]);
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  test("writes the original database and its dependency table; publish on top uploads only what changed", async () => {
    const root = await tempDir("load-to-");
    const deps = await loadTo(root, "fsdd");
    for (const f of ["db.yaml", "db.files.csv", "db.speaker.csv", ...files]) expect(same(join(root, f), join(source, f)), f).toBe(true);
    const local = dependenciesFromCsv(await readFile(join(root, "db.csv"), "utf8"));
    expect(local.equals(deps)).toBe(true);
    expect(deps.media.sort()).toEqual(files);
    expect((await readdir(root, { recursive: true })).filter((f) => f.includes("~") || f.endsWith(".tmp"))).toEqual([]);
    expect((await readdir(dirname(root))).filter((f) => f.startsWith(`${basename(root)}~`))).toEqual([]);

    await writeFile(join(root, "db.speaker.csv"), (await readFile(join(root, "db.speaker.csv"), "utf8")).replace("USA/neutral", "USA/east"));
    resetTraffic();
    await publish(root, "1.1.0", repo);
    expect(traffic.puts.sort()).toEqual(["fsdd/1.1.0/db.yaml", "fsdd/1.1.0/db.zip", "fsdd/meta/1.1.0/speaker.zip"]);
  });

  test("publishing a folder loaded from an older version on top of the latest: the error names previousVersion, the way that keeps the edits", async () => {
    const first = await tempDir("load-to-");
    await loadTo(first, "fsdd", { version: "1.0.0" });
    await writeFile(join(first, files[0]!), readFileSync(join(source, files[1]!)));
    await publish(first, "1.5.0", repo, { previousVersion: "1.0.0" }); // now the latest
    const old = await tempDir("load-to-");
    await loadTo(old, "fsdd", { version: "1.0.0" });
    const edited = join(old, files[2]!);
    await writeFile(edited, readFileSync(join(source, files[3]!)));
    const error = await publish(old, "1.6.0", repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyMismatchError);
    expect((error as Error).message).toContain(`does not match the dependency table of 'fsdd' 1.5.0 (its newest row is from 1.0.0`);
    expect((error as Error).message).toContain("name it: previousVersion (--previous-version)");
    expect((error as Error).message).toContain("your edits too");
    resetTraffic();
    await publish(old, "1.6.0", repo, { previousVersion: "1.0.0" });
    expect(mediaPuts()).toHaveLength(1);
    expect(readFileSync(edited).equals(readFileSync(join(source, files[3]!)))).toBe(true);
  });

  test("keeps files whose checksum matches, replaces the others, downloads what is missing", async () => {
    const root = await tempDir("load-to-");
    await loadTo(root, "fsdd", { version: "1.0.0" });
    const [edited, deleted] = files as [string, string];
    await writeFile(join(root, edited), "edited");
    await rm(join(root, deleted));
    await writeFile(join(root, "db.files.csv"), "file\n");
    resetTraffic();
    await loadTo(root, "fsdd", { version: "1.0.0" });
    expect(mediaGets()).toHaveLength(2);
    expect(traffic.gets.filter((k) => k.includes("/meta/"))).toEqual(["fsdd/meta/1.0.0/files.zip"]);
    for (const f of [edited, deleted, "db.files.csv"]) expect(same(join(root, f), join(source, f)), f).toBe(true);
  });

  test("onlyMetadata loads header and tables, no media; unknown versions are named", async () => {
    const root = await tempDir("load-to-");
    resetTraffic();
    await loadTo(root, "fsdd", { version: "1.0.0", onlyMetadata: true });
    expect(mediaGets()).toEqual([]);
    expect(existsSync(join(root, "recordings"))).toBe(false);
    expect(same(join(root, "db.files.csv"), join(source, "db.files.csv"))).toBe(true);
    expect(existsSync(join(root, "db.csv"))).toBe(true);
    await expect(loadTo(root, "fsdd", { version: "7.0.0" })).rejects.toThrow(MissingVersionError);
  });

  // last: removes media from the repository's every version
  test("a removed medium's file that is not the version's is deleted, one that is stays (as audb's load_to)", async () => {
    const root = await tempDir("load-to-");
    await loadTo(root, "fsdd", { version: "1.0.0" });
    const [stale, kept] = [files[5]!, files[6]!];
    await writeFile(join(root, stale), readFileSync(join(source, files[7]!)));
    await removeMedia("fsdd", [stale, kept]);
    await loadTo(root, "fsdd", { version: "1.0.0" });
    expect(existsSync(join(root, stale))).toBe(false);
    expect(same(join(root, kept), join(source, kept))).toBe(true);
  });

  test("media removed from the version since the folder was loaded: the error names them and says to load again (not previousVersion)", async () => {
    const root = await tempDir("load-to-");
    await loadTo(root, "fsdd");
    await removeMedia("fsdd", files[8]!);
    const error = await publish(root, "9.0.0", repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyMismatchError);
    expect((error as Error).message).toMatch(new RegExp(`was loaded from 'fsdd' \\S+, but media were removed from it since \\(remove_media\\): ${files[8]!.replace(".", "\\.")}\\. Load \\S+ again with loadTo\\(\\)`));
    expect((error as Error).message).not.toContain("previousVersion");
  });
});
