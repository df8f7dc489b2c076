import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { FSDD_HEADER, publishedFsdd, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { info } from "../../src/api/info.js";
import { audioInfo } from "../../src/audio/info.js";
import { removeMedia } from "../../src/api/remove-media.js";
import { FilterError, MissingVersionError } from "../../src/core/errors.js";

describe("info", () => {
  let source: string;
  let files: string[];
  beforeAll(async () => {
    ({ source, files } = await publishedFsdd());
  });

  test("header fields come from db.yaml without downloading tables or media", async () => {
    resetTraffic();
    const db = await info.header("fsdd", { loadTables: false });
    expect(db.name).toBe("fsdd");
    expect([...db.tables.keys()]).toEqual(["files"]);
    expect([...db.miscTables.keys()]).toEqual(["speaker"]);
    expect(await info.license("fsdd")).toBe("CC-BY-SA-4.0");
    expect(await info.licenseUrl("fsdd", { version: "1.0.0" })).toBe("https://creativecommons.org/licenses/by-sa/4.0/");
    expect(await info.usage("fsdd")).toBe("unrestricted");
    expect(await info.languages("fsdd")).toEqual(["eng"]);
    expect(await info.description("fsdd")).toMatch(/^Free Spoken Digit Dataset/);
    expect(await info.source("fsdd")).toBe("https://github.com/Jakobovski/free-spoken-digit-dataset");
    expect([...(await info.schemes("fsdd", { loadTables: false })).keys()].sort()).toEqual(["accent", "digit", "gender", "speaker", "split"]);
    expect((await info.splits("fsdd")).size).toBe(0);
    // as audb's info.tables: the filewise and segmented tables; misc tables come from info.miscTables
    expect(await info.tables("fsdd")).toEqual({
      files: { type: "filewise", columns: { digit: { schemeId: "digit" }, speaker: { schemeId: "speaker" }, split: { schemeId: "split" } } },
    });
    // one header download, then the cached copy; the dependency table is not needed for header facts
    expect(traffic.gets).toEqual(["fsdd/1.0.0/db.yaml"]);
  });

  test("header and schemes load the misc tables schemes take labels from, as audb's load_tables (default)", async () => {
    const db = await info.header("fsdd");
    expect(db.miscTables.get("speaker")!.index.level("speaker").values).toEqual(["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]);
    expect(() => db.tables.get("files")!.index).toThrow(); // the tables themselves hold no data
    const schemes = await info.schemes("fsdd");
    expect(schemes.get("speaker")!.labels).toBe("speaker");
  });

  test("media facts come from the dependency table", async () => {
    resetTraffic();
    expect((await info.files("fsdd")).sort()).toEqual(files);
    let total = 0;
    for (const f of files) total += (await audioInfo(join(source, f))).duration;
    expect(await info.duration("fsdd")).toBeCloseTo(total, 6);
    expect(await info.samplingRates("fsdd")).toEqual([8000]);
    expect(await info.channels("fsdd")).toEqual([1]);
    expect(await info.bitDepths("fsdd")).toEqual([16]);
    expect(await info.formats("fsdd")).toEqual(["wav"]);
    expect(traffic.gets.filter((k) => k.includes("/media/") || k.includes("/meta/"))).toEqual([]);
  });

  test("duration is rounded to the nanosecond, as audb's Timedelta", async () => {
    const seconds = await info.duration("fsdd");
    expect(Math.round(seconds * 1e9) / 1e9).toBe(seconds);
    expect(String(seconds).length).toBeLessThan(14);
  });

  test("media facts of the media in some tables or matching a filter, as audb's tables and media arguments", async () => {
    const jackson = files.filter((f) => f.includes("_jackson_"));
    let total = 0;
    for (const f of jackson) total += (await audioInfo(join(source, f))).duration;
    expect(await info.duration("fsdd", { media: "_jackson_" })).toBeCloseTo(total, 6);
    expect(await info.duration("fsdd", { media: jackson, tables: "files" })).toBeCloseTo(total, 6);
    expect(await info.channels("fsdd", { media: [files[0]!] })).toEqual([1]);
    expect(await info.duration("fsdd", { tables: ["speaker"] })).toBe(0); // a misc table holds no media
    await expect(info.duration("fsdd", { media: "nosuch" })).rejects.toThrow(FilterError);
    await expect(info.formats("fsdd", { tables: "nosuch" })).rejects.toThrow(/tables: 'nosuch' matches nothing in 'fsdd' 1\.0\.0/);
  });

  test("unknown versions are named", async () => {
    await expect(info.header("fsdd", { version: "3.0.0" })).rejects.toThrow(MissingVersionError);
    await expect(info.files("fsdd", { version: "3.0.0" })).rejects.toThrow(/'3\.0\.0' of 'fsdd'/);
  });

  test("removed media count in files, duration and the other facts, as in audb; removed: false leaves them out", async () => {
    const { files: all } = await publishedFsdd();
    const gone = all.filter((f) => f.startsWith("recordings/0_"));
    await removeMedia("fsdd", gone);
    expect(await info.files("fsdd")).toHaveLength(all.length);
    expect(await info.files("fsdd", { removed: false })).toEqual(all.filter((f) => !gone.includes(f)));
    const kept = await info.duration("fsdd", { removed: false });
    expect(kept).toBeLessThan(await info.duration("fsdd"));
    expect(await info.duration("fsdd", { media: gone })).toBeGreaterThan(0);
  });

  test("a tables filter narrows the facts to the media of those tables (the others' media left out)", async () => {
    const repo = new Repository("tables", await mkdtemp(join(tmpdir(), "repo-")), "counting-fs");
    const cacheRoot = await mkdtemp(join(tmpdir(), "cache-")); // another fsdd 1.0.0 than the one cached above
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    const root = await mkdtemp(join(tmpdir(), "fsdd-two-tables-"));
    await materialize(MINI_FSDD, "v1.0.10", root);
    const all = await writeFsddDatabase(root, FSDD_HEADER.replace("misc_tables:", "  theo:\n    type: filewise\n    columns:\n      digit: {scheme_id: digit}\nmisc_tables:"));
    const theo = all.filter((f) => f.includes("_theo_"));
    await writeFile(join(root, "db.theo.csv"), ["file,digit", ...theo.map((f) => `${f},${f.split("/")[1]![0]}`)].join("\n") + "\n");
    await publish(root, "1.0.0", repo);
    let total = 0;
    for (const f of theo) total += (await audioInfo(join(root, f))).duration;
    expect(await info.duration("fsdd", { tables: "theo" })).toBeCloseTo(total, 6);
    expect(await info.duration("fsdd", { tables: ["theo"], media: "/[01]_" })).toBeCloseTo(total, 6); // every theo file is a 0 or a 1
    expect(await info.duration("fsdd", { tables: "theo", media: theo[0]! })).toBeCloseTo((await audioInfo(join(root, theo[0]!))).duration, 6);
    expect(await info.duration("fsdd", { tables: "files|theo" })).toBeGreaterThan(total);
  });
});
