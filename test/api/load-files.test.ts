import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { FSDD_SPEAKERS, FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { loadAttachment, loadMedia, loadTable } from "../../src/api/load-files.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { FilterError, LockTimeoutError, MissingVersionError } from "../../src/core/errors.js";
import { PythonFolderLock } from "../../src/core/python-lock.js";
import { versionFolder } from "../../src/core/cache.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

describe("loadMedia, loadTable, loadAttachment", () => {
  let source: string;
  let files: string[];
  let cacheRoot: string;
  let repo: Repository;
  beforeAll(async () => {
    repo = new Repository("data", await tempDir("repo-"), "counting-fs");
    source = await tempDir("fsdd-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    files = await writeFsddDatabase(source, FSDD_WITH_ATTACHMENTS);
    await writeAttachments(source);
    await publish(source, "1.0.0", repo);
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  });

  test("loadMedia downloads only the files asked for and returns their paths", async () => {
    resetTraffic();
    const wanted = [files[3]!, files[0]!];
    const paths = await loadMedia("fsdd", wanted);
    expect(paths).toEqual(wanted.map((f) => join(cacheRoot, "fsdd/1.0.0/d3b62a9b", f)));
    for (const [i, p] of paths.entries()) expect(readFileSync(p).equals(readFileSync(join(source, wanted[i]!)))).toBe(true);
    expect(traffic.gets.filter((k) => k.includes("/media/"))).toHaveLength(2);
    expect(traffic.gets.filter((k) => k.includes("/attachment/"))).toEqual([]); // as audb's load_media

    const flac = await loadMedia("fsdd", files[1]!, { format: "flac" });
    expect(flac).toEqual([join(cacheRoot, "fsdd/1.0.0/40bb2241", files[1]!.replace(/\.wav$/, ".flac"))]);
    expect(readFileSync(flac[0]!).subarray(0, 4).toString()).toBe("fLaC");
    await expect(loadMedia("fsdd", "recordings/nope.wav")).rejects.toThrow(FilterError);
    await expect(loadMedia("fsdd", files[0]!, { version: "2.0.0" })).rejects.toThrow(MissingVersionError);
  });

  test("loadTable fetches the table and the misc tables it maps through, nothing else", async () => {
    // a fresh cache: the tables loadMedia put into the flavour folder would be linked
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    resetTraffic();
    const frame = await loadTable("fsdd", "files", { map: { speaker: ["speaker", "accent"] } });
    expect(traffic.gets.filter((k) => k.includes("/meta/") || k.includes("/media/")).sort()).toEqual(["fsdd/meta/1.0.0/files.zip", "fsdd/meta/1.0.0/speaker.zip"]);
    expect(frame.columnIds).toEqual(["digit", "speaker", "split", "accent"]);
    const records = frame.toRecords();
    expect(records).toHaveLength(files.length);
    for (const [i, file] of [...frame.index.files].entries()) {
      const [digit, speaker] = file.replace("recordings/", "").split("_") as [string, string];
      expect(records[i]).toMatchObject({ digit: Number(digit), speaker, accent: FSDD_SPEAKERS[speaker]!.accent });
    }
    const speakers = await loadTable("fsdd", "speaker");
    expect(speakers.length).toBe(Object.keys(FSDD_SPEAKERS).filter((s) => files.some((f) => f.includes(`_${s}_`))).length);
    await expect(loadTable("fsdd", "nope")).rejects.toThrow(/table 'nope' is not in 'fsdd' 1\.0\.0/);
  });

  test("loadAttachment returns the files of a file or folder attachment", async () => {
    const readme = await loadAttachment("fsdd", "readme");
    expect(readme).toEqual([join(cacheRoot, "fsdd/1.0.0/docs/README.txt")]);
    expect(readFileSync(readme[0]!, "utf8")).toBe("read me\n");
    const extra = await loadAttachment("fsdd", "extra");
    expect(extra).toEqual([join(cacheRoot, "fsdd/1.0.0/extra/a.txt"), join(cacheRoot, "fsdd/1.0.0/extra/sub/b.txt")]);
    resetTraffic();
    await loadAttachment("fsdd", "extra");
    expect(traffic.gets).toEqual([]);
    await expect(loadAttachment("fsdd", "nope")).rejects.toThrow(/attachment 'nope' is not in 'fsdd' 1\.0\.0; attachments: /);
  });

  test("loadTable, loadAttachment and loadMedia give up waiting for audb-python's lock after their timeout, naming it", async () => {
    const other = await tempDir("cache-locked-");
    const held = await PythonFolderLock.acquire(versionFolder(other, "fsdd", "1.0.0"));
    try {
      for (const call of [
        () => loadTable("fsdd", "files", { cacheRoot: other, timeout: 0.3 }),
        () => loadAttachment("fsdd", "readme", { cacheRoot: other, timeout: 0.3 }),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockTimeoutError);
        expect((error as Error).message).toMatch(/'.*\/fsdd\/\.1\.0\.0\.lock' within 0\.3 s: another process \(audb-python\?\) holds it/);
      }
    } finally {
      await held!.release();
    }
    const flavour = await PythonFolderLock.acquire(join(other, "fsdd", "1.0.0", "d3b62a9b"));
    try {
      await expect(loadMedia("fsdd", [files[0]!], { cacheRoot: other, timeout: 0.3 })).rejects.toThrow(LockTimeoutError);
    } finally {
      await flavour!.release();
    }
  });

  test("what the cache holds loads with the repository unreachable (as audb): tables, attachments, media of a partial folder", async () => {
    const offline = await tempDir("cache-offline-");
    configure({ repositories: [repo], cacheRoot: offline, sharedCacheRoot: join(offline, "none") });
    const table = await loadTable("fsdd", "files", { version: "1.0.0" });
    const readme = await loadAttachment("fsdd", "readme", { version: "1.0.0" });
    const media = await loadMedia("fsdd", [files[2]!], { version: "1.0.0", format: "flac" });
    const gone = new Repository("data", join(offline, "no-such-host"), "file-system");
    configure({ repositories: [gone], cacheRoot: offline, sharedCacheRoot: join(offline, "none") });
    try {
      expect((await loadTable("fsdd", "files", { version: "1.0.0" })).toRecords()).toEqual(table.toRecords());
      expect(await loadAttachment("fsdd", "readme", { version: "1.0.0" })).toEqual(readme);
      expect(await loadMedia("fsdd", [files[2]!], { version: "1.0.0", format: "flac" })).toEqual(media);
      // what is not cached still needs the repository, and the error says so
      await expect(loadMedia("fsdd", [files[3]!], { version: "1.0.0", format: "flac" })).rejects.toThrow(/not in any configured repository|does not exist/);
    } finally {
      configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    }
  });
});
