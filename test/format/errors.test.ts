import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  Attachment,
  AttachmentOverlapError,
  Column,
  CsvError,
  Database,
  DtypeError,
  DuplicateIndexError,
  filewiseIndex,
  FormatError,
  InvalidIdError,
  InvalidPathError,
  InvalidValueError,
  LabelError,
  type LoadOptions,
  MiscTable,
  miscIndex,
  MissingTableFileError,
  OutOfRangeError,
  ParquetError,
  Rater,
  Scheme,
  segmentedIndex,
  Table,
  TableExistsError,
  TableInUseError,
  YamlError,
  UnknownMediaError,
  UnknownRaterError,
  UnknownSchemeError,
  UnknownSplitError,
  UnknownTableError,
} from "../../src/format/index.js";

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

function dir(files: Record<string, string | Uint8Array>): string {
  const d = mkdtempSync(join(tmpdir(), "audb-format-err-"));
  roots.push(d);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

async function loadError(files: Record<string, string | Uint8Array>, opts: LoadOptions = {}): Promise<FormatError> {
  try {
    await Database.load(dir(files), opts);
  } catch (e) {
    return e as FormatError;
  }
  throw new Error("expected Database.load to fail");
}

async function saveError(db: Database): Promise<{ err: FormatError; root: string }> {
  const root = dir({});
  try {
    await db.save(root);
  } catch (e) {
    return { err: e as FormatError, root };
  }
  throw new Error("expected save to fail");
}

const HEAD = "name: bad\nsource: ''\nusage: research\n";
const SCHEMES =
  "schemes:\n  emotion:\n    dtype: str\n    labels: [anger, happiness]\n  score: {dtype: float, minimum: 0, maximum: 1}\n";

function header(tables: string, extra = ""): string {
  return `${HEAD}${extra}${SCHEMES}tables:\n${tables}`;
}

const FILES_TABLE = "  files:\n    type: filewise\n    columns:\n      emotion: {scheme_id: emotion}\n      score: {scheme_id: score}\n";

function baseDb(): Database {
  const db = new Database("bad", { source: "", usage: "research" });
  db.schemes.set("emotion", new Scheme({ labels: ["anger", "happiness"] }));
  db.schemes.set("score", new Scheme({ dtype: "float", minimum: 0, maximum: 1 }));
  const t = new Table(filewiseIndex(["a.wav", "b.wav"]));
  db.tables.set("files", t);
  t.addColumn("emotion", new Column({ schemeId: "emotion" }), ["anger", null]);
  t.addColumn("score", new Column({ schemeId: "score" }), [0.5, 1]);
  return db;
}

describe("unknown ids", () => {
  test("unknown scheme", async () => {
    const err = await loadError({
      "db.yaml": header("  files:\n    type: filewise\n    columns:\n      mood: {scheme_id: mood}\n"),
      "db.files.csv": "file,mood\na.wav,x\n",
    });
    expect(err).toBeInstanceOf(UnknownSchemeError);
    expect(err.message).toBe("Column 'mood' of table 'files' uses unknown scheme 'mood' (defined: emotion, score)");
    expect(err.table).toBe("files");
    expect(err.column).toBe("mood");
    const db = baseDb();
    db.tables.get("files")!.addColumn("x", new Column({ schemeId: "nope" }));
    expect((await saveError(db)).err).toBeInstanceOf(UnknownSchemeError);
  });

  test("unknown rater", async () => {
    const err = await loadError({
      "db.yaml": header("  files:\n    type: filewise\n    columns:\n      emotion: {scheme_id: emotion, rater_id: gold}\n"),
      "db.files.csv": "file,emotion\na.wav,anger\n",
    });
    expect(err).toBeInstanceOf(UnknownRaterError);
    expect(err.message).toBe("Column 'emotion' of table 'files' uses unknown rater 'gold' (none defined)");
  });

  test("unknown split and media", async () => {
    let err = await loadError({ "db.yaml": header("  files: {type: filewise, split_id: test}\n"), "db.files.csv": "file\na.wav\n" });
    expect(err).toBeInstanceOf(UnknownSplitError);
    expect(err.message).toBe("Table 'files' uses unknown split 'test' (none defined)");
    expect(err.field).toBe("tables.files.split_id");
    err = await loadError({
      "db.yaml": header("  files: {type: filewise, media_id: mic}\n", "media:\n  cam: {type: video}\n"),
      "db.files.csv": "file\na.wav\n",
    });
    expect(err).toBeInstanceOf(UnknownMediaError);
    expect(err.message).toBe("Table 'files' uses unknown media 'mic' (defined: cam)");
  });

  test("scheme labels from a missing misc table", async () => {
    const err = await loadError({ "db.yaml": `${HEAD}schemes:\n  speaker: {dtype: str, labels: speakers}\n` });
    expect(err).toBeInstanceOf(UnknownTableError);
    expect(err.message).toBe("Scheme 'speaker' takes its labels from misc table 'speakers', which does not exist");
  });

  test("picking or dropping tables", async () => {
    const db = await Database.load("test/fixtures/emodb-like", { loadData: false });
    expect(() => db.pickTables(["files", "nope"])).toThrow(UnknownTableError);
    expect(() => db.pickTables(["files", "nope"])).toThrow("Unknown table 'nope'");
    expect(() => db.pickTables(["files"])).toThrow(TableInUseError);
    expect(() => db.pickTables(["files"])).toThrow("Misc table 'speaker' is used as labels by scheme(s) 'speaker' and cannot be removed");
  });
});

describe("values", () => {
  test("values outside labels: on a strict load (with line), on set, on save; a default load makes them NA, as audformat", async () => {
    const files = {
      "db.yaml": header(FILES_TABLE),
      "db.files.csv": "file,emotion,score\na.wav,anger,0.5\n\"multi\nline.wav\",,0.1\nc.wav,joy,0.2\n",
    };
    const lenient = await Database.load(dir(files));
    expect(lenient.tables.get("files")!.column("emotion").values).toEqual(["anger", null, null]);
    const err = await loadError(files, { check: "strict" });
    expect(err).toBeInstanceOf(LabelError);
    expect(err.message).toBe("Value 'joy' in column 'emotion' of table 'files' (line 5) is not a label of scheme 'emotion' (labels: 'anger', 'happiness')");
    expect(err.line).toBe(5);
    expect(err.table).toBe("files");
    expect(err.column).toBe("emotion");
    const db = baseDb();
    expect(() => db.tables.get("files")!.column("emotion").set(["anger", "joy"])).toThrow(LabelError);
    const misc = new MiscTable(miscIndex([{ name: "id", dtype: "int", values: [1, 2] }]));
    db.miscTables.set("ids", misc);
    db.schemes.set("id", new Scheme({ dtype: "int", labels: "ids" }));
    const t = db.tables.get("files")!;
    t.addColumn("id", new Column({ schemeId: "id" }), [1, 2]);
    expect(() => t.column("id").set([3, 1])).toThrow("Value 3 in column 'id' of table 'files' (row 0) is not a label of scheme 'id' (labels: 1, 2)");
    misc.pickIndex(miscIndex([{ name: "id", dtype: "int", values: [1] }]));
    const { err: saveErr } = await saveError(db);
    expect(saveErr).toBeInstanceOf(LabelError);
    expect(saveErr.message).toMatch(/^Value 2 in column 'id' of table 'files' \(row 1\)/);
  });

  test("values outside minimum / maximum: refused by a strict load and set, kept by a default load (audformat does not check them)", async () => {
    const files = { "db.yaml": header(FILES_TABLE), "db.files.csv": "file,emotion,score\na.wav,anger,0.5\nb.wav,,1.5\n" };
    expect([...((await Database.load(dir(files))).tables.get("files")!.column("score").values as Float64Array)]).toEqual([0.5, 1.5]);
    const err = await loadError(files, { check: "strict" });
    expect(err).toBeInstanceOf(OutOfRangeError);
    expect(err.message).toBe("Value 1.5 in column 'score' of table 'files' (line 3) is larger than the maximum 1 of scheme 'score'");
    expect(err.line).toBe(3);
    const db = baseDb();
    expect(() => db.tables.get("files")!.column("score").set([-0.5, 0])).toThrow(OutOfRangeError);
    expect(() => db.tables.get("files")!.column("score").set([-0.5, 0])).toThrow("is smaller than the minimum 0");
  });

  test("values that do not fit the dtype", () => {
    const db = baseDb();
    expect(() => db.tables.get("files")!.column("score").set(["high", 0])).toThrow(DtypeError);
    expect(() => db.tables.get("files")!.column("score").set(["high", 0])).toThrow(
      "Value 'high' at position 0 of table 'files', column 'score' does not fit dtype 'float'",
    );
    expect(() => new Scheme({ dtype: "int", labels: ["a"] })).toThrow(LabelError);
    expect(() => new Scheme({ labels: ["a", 1] })).toThrow("All labels of 'labels' must be of the same data type");
  });

  test("invalid enum values", async () => {
    expect(() => new Database("x", { usage: "free" as never })).toThrow(InvalidValueError);
    expect(() => new Rater({ type: "robot" as never })).toThrow("Invalid value 'robot' for 'rater.type'");
    let err = await loadError({ "db.yaml": "name: x\nsource: ''\nusage: free\n" });
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(err.message).toBe("Invalid value 'free' for 'usage', expected one of 'commercial', 'other', 'research', 'restricted', 'unrestricted'");
    err = await loadError({ "db.yaml": `${HEAD}schemes:\n  s: {dtype: string}\n` });
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(err.field).toBe("schemes.s.dtype");
  });
});

describe("index problems", () => {
  test("duplicated index entries: load (with line) and save", async () => {
    const err = await loadError({
      "db.yaml": header(FILES_TABLE),
      "db.files.csv": "file,emotion,score\na.wav,anger,0.5\nb.wav,,\na.wav,,\n",
    });
    expect(err).toBeInstanceOf(DuplicateIndexError);
    expect(err.message).toBe("Index entry 'a.wav' appears more than once in table 'files' (line 4)");
    expect(err.line).toBe(4);
    const db = new Database("d", { source: "", usage: "research" });
    db.tables.set("segs", new Table(segmentedIndex(["a.wav", "a.wav", "a.wav"], [0, 0, 0], [1, NaN, NaN])));
    const { err: e2, root } = await saveError(db);
    expect(e2).toBeInstanceOf(DuplicateIndexError);
    expect(e2.message).toBe("Index entry ('a.wav', 0, NaT) appears more than once in table 'segs' (row 2)");
    expect(readdirSync(root)).toEqual([]); // nothing written
    // many entries sharing the first level
    const misc = new Database("m", { source: "", usage: "research" });
    const b = [...Array(100).keys(), 57];
    misc.miscTables.set(
      "pairs",
      new MiscTable(miscIndex([{ name: "a", dtype: "str", values: b.map(() => "x") }, { name: "b", dtype: "int", values: b }])),
    );
    const { err: e3 } = await saveError(misc);
    expect(e3).toBeInstanceOf(DuplicateIndexError);
    expect(e3.message).toBe("Index entry ('x', 57) appears more than once in misc table 'pairs' (row 100)");
  });

  test("invalid table ids", async () => {
    const err = await loadError({ "db.yaml": header("  'my table': {type: filewise}\n") });
    expect(err).toBeInstanceOf(InvalidIdError);
    expect(err.message).toBe("Invalid table id 'my table': only letters, digits, '.', '_' and '-' are allowed");
    const db = new Database("d", { source: "", usage: "research" });
    expect(() => db.tables.set("a/b", new Table())).toThrow(InvalidIdError);
    expect(() => db.miscTables.set("x y", new MiscTable(miscIndex([{ name: "i", dtype: "str", values: [] }])))).toThrow(InvalidIdError);
  });

  test("non-portable file paths", async () => {
    for (const [file, problem] of [
      ["/abs/a.wav", "is absolute"],
      ["a\\b.wav", "contains '\\'"],
      ["./a.wav", "contains a '.' segment"],
      ["x/../a.wav", "contains a '..' segment"],
    ]) {
      const quoted = file.includes(",") ? `"${file}"` : file;
      const err = await loadError({ "db.yaml": header("  files: {type: filewise}\n"), "db.files.csv": `file\nok.wav\n${quoted}\n` });
      expect(err).toBeInstanceOf(InvalidPathError);
      expect(err.message).toBe(
        `Invalid file '${file}' in table 'files' (line 3): ${problem}; paths must be relative, use '/' and contain no '.' or '..' segments`,
      );
      expect(err.file).toBe(file);
      expect(err.line).toBe(3);
    }
    const db = new Database("d", { source: "", usage: "research" });
    db.tables.set("files", new Table(filewiseIndex(["../up.wav"])));
    const { err } = await saveError(db);
    expect(err).toBeInstanceOf(InvalidPathError);
    expect(err.message).toMatch(/^Invalid file \(row 0\) '\.\.\/up\.wav' in table 'files'/);
  });

  test("attachments: non-portable and nested paths", async () => {
    expect(() => new Attachment("/etc/passwd")).toThrow(InvalidPathError);
    let err = await loadError({ "db.yaml": `${HEAD}attachments:\n  a: {path: ../secret}\n` });
    expect(err).toBeInstanceOf(InvalidPathError);
    expect(err.message).toMatch(/^Invalid path of attachments\.a '\.\.\/secret'/);
    err = await loadError({ "db.yaml": `${HEAD}attachments:\n  a: {path: docs}\n  b: {path: docs/x.txt}\n` });
    expect(err).toBeInstanceOf(AttachmentOverlapError);
    expect(err.message).toBe("Attachments 'a' ('docs') and 'b' ('docs/x.txt') are nested");
  });

  test("an id that is both a table and a misc table", async () => {
    const err = await loadError({
      "db.yaml": `${HEAD}tables:\n  speaker: {type: filewise}\nmisc_tables:\n  speaker:\n    levels: {speaker: str}\n`,
    });
    expect(err).toBeInstanceOf(TableExistsError);
    expect(err.message).toBe("'speaker' is both a table and a misc table");
    const db = new Database("d", { source: "", usage: "research" });
    db.tables.set("speaker", new Table());
    expect(() => db.miscTables.set("speaker", new MiscTable(miscIndex([{ name: "s", dtype: "str", values: [] }])))).toThrow(
      "Cannot add misc table 'speaker': there is already a table with this id",
    );
  });

  test("column named like an index level", () => {
    const t = new Table();
    expect(() => t.addColumn("file", new Column())).toThrow(InvalidIdError);
  });
});

describe("malformed files", () => {
  test("malformed CSV with line numbers", async () => {
    const cases: Array<[string, RegExp, number]> = [
      ["file,emotion,score\na.wav,anger,0.5\nb.wav,\"unterminated,0.1\n", /unterminated quoted field/, 3],
      ["file,emotion,score\na.wav,anger\n", /Line 2 .* has 2 fields, expected 3/, 2],
      ["file,emotion,score\na.wav,anger,0.5,extra\n", /Line 2 .* has more than 3 fields/, 2],
      ["file,emotion,score\na.wav,anger,high\n", /Invalid float 'high' in column 'score' of table 'files' at line 2/, 2],
      ["file,score,emotion\na.wav,0.5,anger\n", /CSV header .* is \[file, score, emotion\], expected \[file, emotion, score\]/, 1],
      ["file,emotion,score\na.wav,an\"ger,0.5\n", /unexpected quote inside an unquoted field/, 2],
      ["", /is empty/, 1],
    ];
    for (const [csv, message, line] of cases) {
      const err = await loadError({ "db.yaml": header(FILES_TABLE), "db.files.csv": csv }, { check: "strict" });
      expect(err, csv).toBeInstanceOf(CsvError);
      expect(err.message).toMatch(message);
      expect(err.line).toBe(line);
      expect(err.table).toBe("files");
    }
    const err = await loadError({
      "db.yaml": header("  segs:\n    type: segmented\n"),
      "db.segs.csv": "file,start,end\na.wav,0 days 00:00:00,later\n",
    });
    expect(err).toBeInstanceOf(CsvError);
    expect(err.message).toMatch(/^Invalid duration 'later' in column 'end' of table 'segs' at line 2 of '.*db\.segs\.csv'$/);
    const fraction = await loadError({ "db.yaml": header("  segs:\n    type: segmented\n"), "db.segs.csv": "file,start,end\na.wav,0,2\nb.wav,1.5,3\n" });
    expect(fraction).toBeInstanceOf(CsvError);
    expect(fraction.message).toMatch(/^Invalid duration \(a number needs a unit, e\.g\. '1\.5s'.*\) '1\.5' in column 'start' of table 'segs' at line 3/);
  });

  test("a header or table that is not UTF-8 is refused naming the file, the line and the byte (audformat reads UTF-8 only)", async () => {
    const latin1 = (text: string) => Buffer.from(text, "latin1");
    const head = await loadError({ "db.yaml": latin1(header(FILES_TABLE).replace("name: ", "description: caf\u00e9\nname: ")), "db.files.csv": "file,emotion,score\n" });
    expect(head).toBeInstanceOf(YamlError);
    expect(head.message).toMatch(/^Header '.*db\.yaml' at line \d+: not valid UTF-8 \(byte 0xE9\): audformat reads headers and tables as UTF-8/);
    expect(head.line).toBeGreaterThan(0);
    const table = await loadError({ "db.yaml": header(FILES_TABLE), "db.files.csv": latin1("file,emotion,score\na.wav,anger,0.5\ncaf\u00e9.wav,anger,0.5\n") });
    expect(table).toBeInstanceOf(CsvError);
    expect(table.message).toMatch(/^Malformed CSV '.*db\.files\.csv' of table 'files' at line 3: not valid UTF-8 \(byte 0xE9\)/);
    expect(table.line).toBe(3);
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) { // overlong, surrogate, > U+10FFFF, cut short
      const err = await loadError({ "db.yaml": header(FILES_TABLE), "db.files.csv": Buffer.concat([Buffer.from("file,emotion,score\n"), Buffer.from(bad)]) });
      expect(err.message, String(bad)).toMatch(/at line 2: not valid UTF-8 \(byte 0x[0-9A-F]{2}\)/);
    }
    const bom = await Database.load(dir({ "db.yaml": header(FILES_TABLE), "db.files.csv": "\ufefffile,emotion,score\n\u00e9.wav,anger,0.5\n" }));
    expect(bom.tables.get("files")!.files).toEqual(["\u00e9.wav"]);
  });

  test("read as audformat reads tables (not strict): the header row is skipped and fields past the last column dropped", async () => {
    const files = { "db.yaml": header(FILES_TABLE), "db.files.csv": "path,label,value\na.wav,anger,0.5,extra\nb.wav,happiness,0.25\n" };
    const db = await Database.load(dir(files));
    const t = db.tables.get("files")!;
    expect(t.files).toEqual(["a.wav", "b.wav"]);
    expect(t.column("emotion").get().toArray()).toEqual(["anger", "happiness"]);
    expect(t.column("score").get().toArray()).toEqual([0.5, 0.25]);
    // pyarrow's skip_rows=1 skips the first line even when it is empty: then no row is a header
    const blank = await Database.load(dir({ "db.yaml": header(FILES_TABLE), "db.files.csv": "\na.wav,anger,0.5\nb.wav,happiness,0.25\n" }));
    expect(blank.tables.get("files")!.files).toEqual(["a.wav", "b.wav"]);
    const short = await loadError({ "db.yaml": header(FILES_TABLE), "db.files.csv": "file,emotion,score\na.wav,anger\n" });
    expect(short.message).toMatch(/Line 2 .* has 2 fields, expected 3/);
  });

  test("missing table file", async () => {
    const err = await loadError({ "db.yaml": header(FILES_TABLE) });
    expect(err).toBeInstanceOf(MissingTableFileError);
    expect(err.message).toMatch(/^No file for table 'files': expected '.*db\.files\.csv' or '.*db\.files\.parquet'$/);
  });

  test("malformed parquet", async () => {
    const err = await loadError({ "db.yaml": header(FILES_TABLE), "db.files.parquet": "PAR1 not really parquet PAR1" });
    expect(err).toBeInstanceOf(ParquetError);
    expect(err.message).toMatch(/^Cannot read parquet file '.*db\.files\.parquet' of table 'files'/);
  });

  test("a failed save leaves no files behind", async () => {
    const db = baseDb();
    db.tables.get("files")!.column("score").set([0.5, 0.25]);
    const root = dir({});
    await db.save(root);
    const before = readdirSync(root).sort();
    db.tables.set("dups", new Table(filewiseIndex(["a.wav", "a.wav"])));
    await expect(db.save(root)).rejects.toBeInstanceOf(DuplicateIndexError);
    expect(readdirSync(root).sort()).toEqual(before);
  });
});
