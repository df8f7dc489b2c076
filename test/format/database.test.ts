import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  Column,
  Database,
  filewiseIndex,
  intersectIndex,
  Media,
  MiscTable,
  miscIndex,
  Scheme,
  segmentedIndex,
  Table,
  TableNotLoadedError,
  toSegmentedIndex,
  unionIndex,
  type Values,
} from "../../src/format/index.js";
import { buildFsddDatabase } from "../../examples/fsdd-database.js";
import { segmentedDb } from "../helpers/segmented-db.js";

const tmpRoots: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "audb-format-"));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

function dbFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith("db."))
    .sort();
}

describe("emodb-like database", () => {
  const root = "test/fixtures/emodb-like";

  test("loads", async () => {
    const db = await Database.load(root);
    expect(db.name).toBe("emodb");
    expect(db.languages).toEqual(["deu"]);
    expect(db.license).toBe("CC0-1.0");
    expect(db.licenseUrl).toBe("https://creativecommons.org/publicdomain/zero/1.0/");
    expect(db.tableIds).toEqual(["emotion", "emotion.categories.test.gold_standard", "files", "speaker"]);
    expect(db.meta).toEqual({ pdf: "http://citeseerx.ist.psu.edu/viewdoc/download?doi=10.1.1.130.8506&rep=rep1&type=pdf" });
    expect(db.schemes.get("emotion")!.labels).toEqual(["anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"]);
    expect(db.schemes.get("speaker")!.labels).toBe("speaker");
    expect((db.schemes.get("transcription")!.labels as Map<string, unknown>).get("a01")).toBe("Der Lappen liegt auf dem Eisschrank.");
    expect(db.attachments.get("bibtex")!.path).toBe("docs/burkhardt2005emodb.bib");
    expect(db.splits.get("test")!.type).toBe("test");
    expect(db.miscTables.get("speaker")!.levels).toEqual({ speaker: "int" });
    expect(db.files).toEqual([
      "wav/03a01Fa.wav",
      "wav/03a01Nc.wav",
      "wav/08a02Lc.wav",
      "wav/08b01Wa.wav",
      "wav/09a04Ad.wav",
      "wav/09b10Tc.wav",
    ]);
    const files = db.tables.get("files")!;
    expect(files.column("duration").get().toArray()).toEqual([0.1, 0.075, 0.05, 0.0625, 0.0875, 0.05625]);
    expect(files.column("speaker").get({ map: "gender" }).toArray()).toEqual(["male", "male", "female", "female", "female", "female"]);
    expect(files.column("speaker").get({ map: "age" }).dtype).toBe("int");
    expect(files.column("transcription").get({ map: "text" }).at(0)).toBe("Der Lappen liegt auf dem Eisschrank.");
  });

  test("saves byte for byte what audformat wrote, and loads again unchanged", async () => {
    const db = await Database.load(root);
    const out = tmp();
    await db.save(out);
    expect(dbFiles(out)).toEqual(dbFiles(root).filter((f) => f !== "db.py"));
    for (const f of dbFiles(out)) expect(readFileSync(join(out, f), "utf8")).toBe(readFileSync(join(root, f), "utf8"));
    const again = await Database.load(out);
    expect(again.equals(db)).toBe(true);
    expect(again.toYaml()).toBe(readFileSync(join(root, "db.yaml"), "utf8"));
  });

  test("lazy loading", async () => {
    const db = await Database.load(root, { loadData: false });
    const files = db.tables.get("files")!;
    expect(files.isLoaded).toBe(false);
    expect(() => files.index).toThrow(TableNotLoadedError);
    await files.load();
    expect(files.length).toBe(6);
    const some = await Database.load(root, { tables: ["emotion"] });
    expect(some.tables.get("emotion")!.isLoaded).toBe(true);
    expect(some.miscTables.get("speaker")!.isLoaded).toBe(true); // used as scheme labels
    expect(some.tables.get("files")!.isLoaded).toBe(false);
    // saving elsewhere loads the rest first
    const out = tmp();
    await some.save(out);
    expect(dbFiles(out)).toContain("db.files.csv");
  });

  test("pickTables, pickFiles, dropFiles", async () => {
    const db = await Database.load(root);
    db.pickFiles(["wav/03a01Fa.wav", "wav/09b10Tc.wav"]);
    expect(db.files).toEqual(["wav/03a01Fa.wav", "wav/09b10Tc.wav"]);
    expect(db.tables.get("emotion.categories.test.gold_standard")!.length).toBe(1);
    db.dropFiles((f) => f.includes("03"));
    expect(db.files).toEqual(["wav/09b10Tc.wav"]);
    db.pickTables(["files", "speaker"]);
    expect(db.tableIds).toEqual(["files", "speaker"]);
    const out = tmp();
    await db.save(out);
    expect(dbFiles(out)).toEqual(["db.files.csv", "db.speaker.csv", "db.yaml"]);
  });
});

describe("databases written by audformat", () => {
  const base = "test/fixtures/format-audformat";
  const expected = JSON.parse(readFileSync(join(base, "expected.json"), "utf8"));

  function plain(dtype: string, values: unknown[]): unknown[] {
    return values.map((v) => {
      if (v === null) return null;
      if (dtype === "time") return { ns: Math.round((v as number) * 1e9) };
      if (v instanceof Date) return { ms: v.getTime() };
      return v;
    });
  }

  for (const variant of ["csv", "parquet", "csv-pandas3"]) {
    test(`reads ${variant} identically to audformat`, async () => {
      const db = await Database.load(join(base, variant));
      const want = expected[variant === "csv-pandas3" ? "csv" : variant];
      expect(db.tableIds.sort()).toEqual(Object.keys(want).sort());
      for (const id of db.tableIds) {
        const t = db.table(id);
        for (const level of t.index.levels) {
          const values = [];
          for (let i = 0; i < t.length; i++) values.push(t.index.at(i)[t.index.names.indexOf(level.name)]);
          expect(plain(level.dtype, values), `${id}.${level.name}`).toEqual(want[id].index[level.name]);
        }
        for (const [cid, c] of t.columns) {
          expect(plain(c.dtype, c.get().toArray()), `${id}.${cid}`).toEqual(want[id].columns[cid]);
        }
      }
    });
  }

  test("header and CSV written back are byte-identical to audformat's (also from parquet)", async () => {
    // A CSV keeps the spelling of its durations (pandas 2: per value; pandas 3: per
    // column); tables from parquet are spelled as pandas 3 writes them.
    for (const [variant, written] of [["csv", "csv"], ["csv-pandas3", "csv-pandas3"], ["parquet", "csv-pandas3"]]) {
      const db = await Database.load(join(base, variant));
      const out = tmp();
      await db.save(out);
      for (const f of dbFiles(join(base, written))) {
        expect(readFileSync(join(out, f), "utf8"), `${variant}: ${f}`).toBe(readFileSync(join(base, written, f), "utf8"));
      }
    }
  });

  test("header details: meta, float fields, int label keys, dates", async () => {
    const db = await Database.load(join(base, "csv"), { loadData: false });
    expect(db.expires).toEqual(new Date(Date.UTC(2031, 11, 24)));
    expect(db.meta).toEqual({ zeta: 1, alpha: { nested: [1, 2, "x"], float: 1 }, flag: true });
    const code = db.schemes.get("code")!;
    expect(code.dtype).toBe("int");
    expect([...(code.labels as Map<number, unknown>).keys()]).toEqual([1, 10, 3]);
    expect(code.meta).toEqual({ source: "made up" });
    expect(db.schemes.get("float")!.floatFields.has("maximum")).toBe(true);
    expect(db.raters.get("m1")!.meta).toEqual({ model: "v1" });
    expect(db.tables.get("files")!.meta).toEqual({ origin: "generated" });
    expect(db.tables.get("files")!.column("str").meta).toEqual({ lang: "de" });
    expect(db.media.get("mic")!.format).toBe("wav");
    // saving a parquet database in place replaces the parquet files by CSV
    const dir = tmp();
    cpSync(join(base, "parquet"), dir, { recursive: true });
    const p = await Database.load(dir);
    await p.save(dir);
    expect(existsSync(join(dir, "db.files.parquet"))).toBe(false);
    expect((await Database.load(dir)).equals(p)).toBe(true);
  });
});

describe("FSDD", () => {
  test("a speaker metadata.py does not list (jason, from v1.0.6) gets no gender or accent, and the database saves", async () => {
    const recordings = join(tmp(), "recordings");
    mkdirSync(recordings, { recursive: true });
    copyFileSync("test/fixtures/fsdd-mini/recordings/0_george_0.wav", join(recordings, "0_george_0.wav"));
    copyFileSync("test/fixtures/fsdd-mini/recordings/0_george_1.wav", join(recordings, "0_jason_0.wav"));
    const db = buildFsddDatabase(recordings);
    const files = db.tables.get("files")!;
    expect(files.column("speaker").get({ map: "gender" }).toArray()).toEqual(["male", null]);
    expect(db.miscTables.get("speaker")!.index.level("speaker").values).toContain("jason");
    await db.save(join(recordings, ".."));
  });

  test("built from fsdd-mini, written and read back identical", async () => {
    const db = buildFsddDatabase("test/fixtures/fsdd-mini/recordings");
    const files = db.tables.get("files")!;
    expect(files.length).toBe(36);
    expect(files.index.files[0]).toBe("recordings/0_george_0.wav");
    expect(db.licenseUrl).toBe("https://creativecommons.org/licenses/by-sa/4.0/");
    expect(db.languages).toEqual(["eng"]);
    const gender = files.column("speaker").get({ map: "gender" });
    expect(gender.dtype).toBe("str");
    expect(new Set(gender.toArray())).toEqual(new Set(["male"]));
    const accent = files.column("speaker").get({ map: "accent" }).toArray();
    expect(accent[files.index.files.indexOf("recordings/0_lucas_0.wav")]).toBe("DEU/German");
    expect(files.column("split").get().toArray().every((s) => s === "test")).toBe(true);
    const frame = files.get({ map: { speaker: ["speaker", "gender"] } });
    expect(frame.columnIds).toEqual(["digit", "speaker", "split", "gender"]);
    const out = tmp();
    await db.save(out);
    const again = await Database.load(out);
    expect(again.equals(db)).toBe(true);
    expect(again.toYaml()).toBe(db.toYaml());
    const out2 = tmp();
    await again.save(out2);
    for (const f of dbFiles(out)) expect(readFileSync(join(out2, f), "utf8")).toBe(readFileSync(join(out, f), "utf8"));
  });
});

describe("segmented tables", () => {
  test("open ends and nanoseconds round-trip", async () => {
    const db = segmentedDb(40);
    const out = tmp();
    await db.save(out);
    const csv = readFileSync(join(out, "db.segments.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("file,start,end,emotion,confidence,note,flag");
    // One fraction width a column, as pandas 3 writes them: nanoseconds in both.
    expect(csv[1]).toBe('audio/000000.wav,0 days 00:00:00.000000000,,,,"note, ""0""",');
    expect(csv[2]).toBe("audio/000000.wav,0 days 00:00:01.500000001,0 days 00:00:02.750000002,happiness,0.001,,False");
    const again = await Database.load(out);
    expect(again.equals(db)).toBe(true);
    const t = again.tables.get("segments")!;
    expect(Number.isNaN(t.ends[0])).toBe(true);
    expect(t.starts[1]).toBe(1.500000001);
  });

  test("files named with a leading drive letter (audb-python publishes them on POSIX) load; a strict check (publish) refuses them", async () => {
    const out = tmp();
    writeFileSync(join(out, "db.yaml"), "name: t\nsource: ''\nusage: research\nlanguages: []\nschemes: {}\ntables:\n  files:\n    type: filewise\n");
    writeFileSync(join(out, "db.files.csv"), "file\nc:x.wav\nC:/y.wav\n");
    if (process.platform !== "win32") expect((await Database.load(out)).tables.get("files")!.files).toEqual(["c:x.wav", "C:/y.wav"]);
    await expect(Database.load(out, { check: "strict" })).rejects.toThrow(/Invalid file 'c:x\.wav' in table 'files' \(line 2\): is absolute \(drive letter\)/);
  });

  test("start and end without a unit are whole nanoseconds, as audformat reads them (pd.to_timedelta)", async () => {
    const out = tmp();
    writeFileSync(join(out, "db.yaml"), "name: t\nsource: ''\nusage: research\nlanguages: []\nschemes: {}\ntables:\n  segs:\n    type: segmented\n");
    writeFileSync(join(out, "db.segs.csv"), "file,start,end\na.wav,0,2\nb.wav,1,3000000000\n");
    const t = (await Database.load(out)).tables.get("segs")!;
    expect([...t.starts]).toEqual([0, 1e-9]);
    expect([...t.ends]).toEqual([2e-9, 3]);
  });

  test("100,000 rows round-trip (speed: npm run bench format)", async () => {
    const db = segmentedDb(100_000);
    const out = tmp();
    await db.save(out);
    const again = await Database.load(out);
    expect(again.tables.get("segments")!.length).toBe(100_000);
    expect(again.equals(db)).toBe(true);
  });
});

describe("get, map and index helpers", () => {
  function db2(): Database {
    const db = new Database("t", { source: "", usage: "research" });
    db.schemes.set("speaker", new Scheme({ labels: new Map<number, unknown>([[1, { gender: "female", age: 30 }], [2, { gender: "male" }]]) }));
    db.schemes.set("emotion", new Scheme({ labels: ["a", "b"] }));
    const f = new Table(filewiseIndex(["f1", "f2", "f3"]));
    db.tables.set("files", f);
    f.addColumn("speaker", new Column({ schemeId: "speaker" }), [1, 2, null]);
    const s = new Table(segmentedIndex(["f1", "f1", "f2"], [0, 1, 0], [1, 2, NaN]));
    db.tables.set("segs", s);
    s.addColumn("emotion", new Column({ schemeId: "emotion" }), ["a", "b", "a"]);
    return db;
  }

  test("dict labels map to fields; missing fields are NA", () => {
    const db = db2();
    const c = db.tables.get("files")!.column("speaker");
    expect(c.get({ map: "gender" }).toArray()).toEqual(["female", "male", null]);
    const age = c.get({ map: "age" });
    expect(age.toArray()).toEqual([30, null, null]);
    expect(age.dtype).toBe("int");
    expect(() => c.get({ map: "height" })).toThrow("Cannot map 'speaker' to 'height'. Expected one of 'age', 'gender'");
    expect(() => db.tables.get("segs")!.column("emotion").get({ map: "x" })).toThrow("Scheme 'emotion' provides no mapping for its labels");
  });

  test("a segmented index on a filewise table repeats rows; filewise on segmented gives all segments", () => {
    const db = db2();
    const files = db.tables.get("files")!;
    const segs = db.tables.get("segs")!;
    const r = files.get({ index: segs.index, map: { speaker: "gender" } });
    expect(r.index.type).toBe("segmented");
    expect(r.columnIds).toEqual(["gender"]);
    expect(r.column("gender").toArray()).toEqual(["female", "female", "male"]);
    const r2 = segs.get({ index: filewiseIndex(["f2", "f1", "f2"]) });
    expect(r2.index.files).toEqual(["f2", "f1", "f1"]);
    expect(r2.column("emotion").toArray()).toEqual(["a", "a", "b"]);
    expect(() => files.get({ index: filewiseIndex(["nope"]) })).toThrow("Index entry 'nope' is not in table 'files'");
    expect(files.get({ index: filewiseIndex(["f3", "f1"]) }).toRecords()).toEqual([
      { file: "f3", speaker: null },
      { file: "f1", speaker: 1 },
    ]);
  });

  test("set with an index", () => {
    const db = db2();
    const segs = db.tables.get("segs")!;
    segs.column("emotion").set(["b"], { index: filewiseIndex(["f2"]) });
    expect(segs.column("emotion").get().toArray()).toEqual(["a", "b", "b"]);
    segs.column("emotion").set("a");
    expect(segs.column("emotion").get().toArray()).toEqual(["a", "a", "a"]);
  });

  test("union, intersect, to segmented", () => {
    const a = filewiseIndex(["f1", "f2", "f3"]);
    const b = filewiseIndex(["f2", "f3", "f4"]);
    expect(unionIndex([a, b]).files).toEqual(["f1", "f2", "f3", "f4"]);
    expect(intersectIndex([b, a]).files).toEqual(["f2", "f3"]);
    const s = segmentedIndex(["f1", "f2"], [0, 0], [1, 1]);
    const u = unionIndex([filewiseIndex(["f1", "f2"]), s]);
    expect(u.type).toBe("segmented");
    expect(u.length).toBe(4);
    expect(Array.from(u.ends)).toEqual([NaN, NaN, 1, 1]);
    expect(intersectIndex([s, filewiseIndex(["f1"])]).length).toBe(0);
    const seg = toSegmentedIndex(filewiseIndex(["x"]));
    expect(seg.names).toEqual(["file", "start", "end"]);
    expect(seg.at(0)).toEqual(["x", 0, null]);
    const m1 = miscIndex([{ name: "id", dtype: "int", values: [1, 2] }]);
    const m2 = miscIndex([{ name: "id", dtype: "int", values: [2, 3] }]);
    expect(Array.from(unionIndex([m1, m2]).levels[0].values as Values as Float64Array)).toEqual([1, 2, 3]);
    expect(() => unionIndex([m1, a])).toThrow("Indices are not alike");
  });

  test("misc tables with several levels and a database built from scratch", async () => {
    const db = new Database("scratch", { source: "", usage: "commercial", languages: "English", license: "CC-BY-4.0", expires: new Date(Date.UTC(2030, 0, 1)) });
    expect(db.licenseUrl).toBe("https://creativecommons.org/licenses/by/4.0/");
    db.media.set("m", new Media({ type: "audio", format: "FLAC", samplingRate: 44100 }));
    db.schemes.set("score", new Scheme({ dtype: "float", minimum: 0 }));
    const misc = new MiscTable(
      miscIndex([
        { name: "a", dtype: "str", values: ["x", "x", "y"] },
        { name: "b", dtype: "int", values: [1, 2, 1] },
        { name: "when", dtype: "date", values: [new Date(Date.UTC(2020, 0, 1)), null, "2020-02-03 04:05:06"] },
      ]),
    );
    db.miscTables.set("pairs", misc);
    misc.addColumn("score", new Column({ schemeId: "score" }), [0.5, null, 2]);
    misc.addColumn("any", new Column(), [1, "x", null]);
    const out = tmp();
    await db.save(out);
    expect(readFileSync(join(out, "db.pairs.csv"), "utf8")).toBe(
      "a,b,when,score,any\nx,1,2020-01-01 00:00:00,0.5,1\nx,2,,,x\ny,1,2020-02-03 04:05:06,2.0,\n",
    );
    const again = await Database.load(out);
    expect(again.miscTables.get("pairs")!.levels).toEqual({ a: "str", b: "int", when: "date" });
    expect(again.toYaml()).toBe(db.toYaml());
    expect(db.toYaml()).toContain("media:\n  m: {type: audio, format: flac, sampling_rate: 44100}\n");
  });

  test("data of an emptied table and a table without columns", async () => {
    const db = new Database("empty", { source: "", usage: "research" });
    db.tables.set("none", new Table());
    db.tables.set("nocols", new Table(filewiseIndex(["a.wav"])));
    const out = tmp();
    await db.save(out);
    expect(readFileSync(join(out, "db.none.csv"), "utf8")).toBe("file\n");
    const again = await Database.load(out);
    expect(again.tables.get("none")!.length).toBe(0);
    expect(again.files).toEqual(["a.wav"]);
    writeFileSync(join(out, "db.nocols.csv"), "\ufefffile\r\nb.wav\r\n\r\n");
    expect((await Database.load(out)).files).toEqual(["b.wav"]);
  });
});
