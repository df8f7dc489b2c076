// Selections of a load as audb-python makes them (audb/core/load.py and dependencies.py
// filter_deps): onlyMetadata leaves attachments out, filters use Python's regex syntax,
// an empty filter selects nothing, and a filter matching nothing is an error even when
// there is nothing to match.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { applyFilter, pythonRegExp } from "../../src/api/filters.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { FilterError } from "../../src/core/errors.js";
import { Repository } from "../../src/core/repository.js";
import { SYNTHETIC_ARCHIVES, writeSyntheticDatabase } from "../interop/synthetic-db.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";

describe("applyFilter", () => {
  const names = ["recordings/0_theo_0.wav", "recordings/1_THEO_1.wav", "recordings/2_lucas_0.wav"];

  test("Python's inline flags, named groups, \\A and \\Z", () => {
    expect(applyFilter(names, "(?i)theo", "media")).toEqual(names.slice(0, 2));
    expect(applyFilter(names, "(?P<who>theo)_(?P=who)?0", "media")).toEqual([names[0]]);
    expect(applyFilter(names, "\\Arecordings/2", "media")).toEqual([names[2]]);
    expect(applyFilter(names, "1\\.wav\\Z", "media")).toEqual([names[1]]);
    expect(pythonRegExp("(?is)a.b").flags).toBe("isu");
    expect(() => applyFilter(names, "(?x) theo", "media")).toThrow(/media: '\(\?x\) theo' is not a valid regular expression: inline flag 'x'/);
  });

  test("code points as in Python: '.' and classes take an emoji whole, \\U escapes; punctuation escapes; \\N and \\p refused, never a different selection", () => {
    const odd = ["emoji/\u{1f600}\u{1f3b5}.wav", "case/A.wav", "deep/d0/x.wav", "sym/$HOME.wav", "a-b_c.wav"];
    expect(applyFilter(odd, "[\\U0001F600-\\U0001F64F]", "media")).toEqual([odd[0]]);
    expect(applyFilter(odd, "\\U0001F600", "media")).toEqual([odd[0]]);
    expect(applyFilter(odd, "emoji/..\\.wav$", "media")).toEqual([odd[0]]);
    expect(applyFilter(odd, "emoji/.{2}\\.wav$", "media")).toEqual([odd[0]]);
    expect(applyFilter(odd, "a\\-b\\_c", "media")).toEqual([odd[4]]);
    expect(applyFilter(odd, "[\\-_]c", "media")).toEqual([odd[4]]);
    expect(applyFilter(odd, "\\$HOME", "media")).toEqual([odd[3]]);
    expect(applyFilter(["a b.wav", "ab.wav"], "a\\ b", "media")).toEqual(["a b.wav"]);
    expect(() => applyFilter(odd, "\\N{LATIN SMALL LETTER U WITH DIAERESIS}", "media")).toThrow(/not a valid regular expression: named characters/);
    expect(() => applyFilter(odd, "\\p{L}", "media")).toThrow(/not a valid regular expression: bad escape \\p/);
  });

  test("Python's literals that Unicode mode refuses as written: any escaped character (re.escape of a space or tab), braces that are no quantifier, a lone ]", () => {
    const names = ["sp ace/a b.wav", "sym/tab\tx.wav", "sym/brace{x}.wav", "sym/a[1].wav", "ü/über.wav", "aa.wav", "x]y.wav"];
    expect(applyFilter(names, "sp\\ ace/a\\ b\\.wav$", "media")).toEqual([names[0]]); // re.escape("sp ace/a b.wav")
    expect(applyFilter(names, "sym/tab\\\tx\\.wav$", "media")).toEqual([names[1]]); // re.escape of a tab: backslash, tab
    expect(applyFilter(names, "sym/brace{x}", "media")).toEqual([names[2]]);
    expect(applyFilter(names, "brace{", "media")).toEqual([names[2]]);
    expect(applyFilter(names, "x}\\.wav", "media")).toEqual([names[2]]);
    expect(applyFilter(names, "sym/a\\[1]", "media")).toEqual([names[3]]);
    expect(applyFilter(names, "\\über", "media")).toEqual([names[4]]);
    expect(applyFilter(names, "^a{,2}\\.wav", "media")).toEqual([names[5]]); // {,n} is {0,n} in Python
    expect(applyFilter(names, "x]y", "media")).toEqual([names[6]]);
    expect(applyFilter(names, "[]x]y", "media")).toEqual([names[6]]); // a ] first in a class is a member
  });

  test("an empty filter selects nothing; a filter that matches nothing is an error, also with nothing to match", () => {
    expect(applyFilter(names, "", "media")).toEqual([]);
    expect(applyFilter(names, [], "media")).toEqual([]);
    expect(() => applyFilter(names, "zzz", "media")).toThrow(new FilterError("media: 'zzz' matches nothing"));
    expect(() => applyFilter([], "zzz", "attachments")).toThrow(new FilterError("attachments: 'zzz' matches nothing"));
    expect(() => applyFilter([], ["zzz"], "attachments")).toThrow(new FilterError("attachments: 'zzz' not found"));
  });
});

describe("load selections", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "load-filters-"));
    await mkdir(join(work, "host"));
    const repo = new Repository("repo", join(work, "host"), "file-system");
    configure({ repositories: [repo], cacheRoot: join(work, "cache"), sharedCacheRoot: join(work, "no-shared") });
    await writeSyntheticDatabase(join(work, "interop"));
    await publish(join(work, "interop"), "1.0.0", repo, { archives: SYNTHETIC_ARCHIVES });
    await materialize(MINI_FSDD, "v1.0", join(work, "fsdd"));
    await writeFsddDatabase(join(work, "fsdd"));
    await publish(join(work, "fsdd"), "1.0.0", repo);
  });

  test("onlyMetadata loads header and tables, no attachments (audb skips them too)", async () => {
    const meta = await loadToCache("interop", { onlyMetadata: true });
    expect(existsSync(join(meta.folder, "db.yaml"))).toBe(true);
    expect(existsSync(join(meta.folder, "docs/readme.txt"))).toBe(false);
    expect(existsSync(join(meta.folder, "folder/x.txt"))).toBe(false);
    const full = await loadToCache("interop", { media: [] });
    expect(existsSync(join(full.folder, "docs/readme.txt"))).toBe(true);
  });

  test("a relative cache root (configure, option, AUDB_CACHE_ROOT) gives absolute folders, as audb's", async () => {
    const { loadConfig } = await import("../../src/core/config.js");
    const { load } = await import("../../src/api/load.js");
    const absolute = join(work, "relative-cache");
    const relativeRoot = relative(process.cwd(), absolute);
    expect(isAbsolute(relativeRoot)).toBe(false);
    const byOption = await loadToCache("fsdd", { onlyMetadata: true, cacheRoot: relativeRoot });
    expect(byOption.folder).toBe(join(absolute, "fsdd", "1.0.0", "d3b62a9b"));
    const { repositories } = configure({});
    configure({ repositories, cacheRoot: relativeRoot });
    try {
      const db = await load("fsdd", { onlyMetadata: true });
      expect(db.root).toBe(join(absolute, "fsdd", "1.0.0", "d3b62a9b"));
    } finally {
      configure({ cacheRoot: join(work, "cache") });
    }
    expect(loadConfig({ env: { AUDB_CACHE_ROOT: relativeRoot }, home: join(work, "no-home") }).cacheRoot).toBe(absolute);
  });

  test("a media filter names the tables and version it searched; a removed medium is found, not fetched (as audb)", async () => {
    await expect(loadToCache("interop", { tables: ["segments"], media: ["wav/a.wav", "no/such.wav"] })).rejects.toThrow(
      new FilterError("media: 'no/such.wav' not found in table 'segments' of interop 1.0.0"),
    );
    await expect(loadToCache("fsdd", { media: "zzz" })).rejects.toThrow(new FilterError("media: 'zzz' matches nothing in fsdd 1.0.0"));
    const { removeMedia } = await import("../../src/api/remove-media.js");
    const { dependencies } = await import("../../src/api/discovery.js");
    const gone = (await dependencies("fsdd", { version: "1.0.0" })).media[0]!;
    await removeMedia("fsdd", gone);
    const loaded = await loadToCache("fsdd", { media: [gone], cacheRoot: join(work, "cache-removed") });
    expect(loaded.media).toEqual([]);
    expect(loaded.removedMedia).toEqual([gone]);
    expect(existsSync(join(loaded.folder, gone))).toBe(false);

    // load() picks the selected rows, then drops removed ones unless removedMedia (audb: pick_files, then _remove_media)
    const { load } = await import("../../src/api/load.js");
    const other = (await dependencies("fsdd", { version: "1.0.0" })).media[1]!;
    const rows = async (removedMedia: boolean) =>
      (await load("fsdd", { media: [gone, other], removedMedia, fullPath: false, cacheRoot: join(work, "cache-removed") })).tables.get("files")!.files;
    expect(await rows(true)).toEqual([gone, other]);
    expect(await rows(false)).toEqual([other]);

    // loadMedia has no file to give for it
    const { loadMedia } = await import("../../src/api/load-files.js");
    await expect(loadMedia("fsdd", [other, gone], { cacheRoot: join(work, "cache-removed") })).rejects.toThrow(
      new FilterError(`media: '${gone}' removed from fsdd 1.0.0 (remove_media): no file to load`),
    );
  });

  test("an attachments filter on a version without attachments is a FilterError, also once the folder is complete", async () => {
    await expect(loadToCache("fsdd", { attachments: "zzz" })).rejects.toThrow(new FilterError("attachments: 'zzz' matches nothing in fsdd 1.0.0"));
    await loadToCache("fsdd");
    await expect(loadToCache("fsdd", { attachments: "zzz" })).rejects.toThrow(new FilterError("attachments: 'zzz' matches nothing in fsdd 1.0.0"));
    await expect(loadToCache("fsdd", { attachments: "(" })).rejects.toThrow(/attachments: '\(' is not a valid regular expression/);
    // as audb: with onlyMetadata no attachment is loaded, and the filter is not looked at
    expect((await loadToCache("fsdd", { attachments: "zzz", onlyMetadata: true })).media).toEqual([]);
  });
});
