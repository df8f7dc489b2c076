import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { framedHeader, readFramedHeader } from "../../src/core/framed-header.js";
import { LEGACY_STAT_INDEX_FILE, STAT_INDEX_FILE, StatIndex, fingerprintOf, type Fingerprint } from "../../src/core/stat-index.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "audb-stat-index-"));
  writeFileSync(join(root, "a.wav"), "aaaa");
  writeFileSync(join(root, "b.wav"), "bbbbbbbb");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const A = "0123456789abcdef";
const B = "fedcba9876543210";

/** The columns of the saved index of `root`, decoded here from the bytes (v5: framed header, float64 blocks, NUL-joined strings). */
function storedColumns(): { rows: number; files: string[]; size: number[]; mtimeMs: number[]; ino: number[]; ctimeMs: number[]; checksum: string[]; records: unknown } {
  const buf = readFileSync(join(root, STAT_INDEX_FILE));
  const framed = readFramedHeader(buf, "AUDBIDX5")!;
  expect(framed.bodyStart % 8).toBe(0);
  type Block = { offset: number; length: number };
  const { rows, blocks } = framed.meta as { rows: number; blocks: Record<string, Block> };
  const bytes = (b: Block) => buf.subarray(framed.bodyStart + b.offset, framed.bodyStart + b.offset + b.length);
  const numbers = (b: Block) => {
    expect(b.length).toBe(rows * 8);
    return [...new Float64Array(Uint8Array.from(bytes(b)).buffer)];
  };
  const strings = (b: Block) => bytes(b).toString("utf8").split("\0");
  return {
    rows, files: strings(blocks.files!), size: numbers(blocks.size!), mtimeMs: numbers(blocks.mtimeMs!), ino: numbers(blocks.ino!),
    ctimeMs: numbers(blocks.ctimeMs!), checksum: strings(blocks.checksums!), records: JSON.parse(bytes(blocks.records!).toString("utf8")),
  };
}

/** The index of `root` after remembering a.wav and b.wav, saved and loaded again. */
async function savedIndex(): Promise<StatIndex> {
  const index = await StatIndex.load(root);
  index.remember("a.wav", A);
  index.remember("b.wav", B);
  await index.save();
  return StatIndex.load(root);
}

describe("StatIndex", () => {
  it("remembers checksums across save and load while files keep their stat", async () => {
    const again = await savedIndex();
    expect(again.files).toEqual(["a.wav", "b.wav"]);
    expect(again.lookup("a.wav", 16)).toBe(A);
    expect(again.lookup("b.wav", 16)).toBe(B);
    expect(again.lookup("a.wav", 32)).toBeUndefined(); // another algorithm's length
    expect(again.lookup("c.wav", 16)).toBeUndefined();
  });

  it("forgets a file whose size, mtime or inode changed, or that is gone", async () => {
    const index = await StatIndex.load(root);
    index.remember("a.wav", A);
    index.remember("b.wav", B);
    writeFileSync(join(root, "a.wav"), "aaaaa");
    const mtime = statSync(join(root, "b.wav")).mtime;
    utimesSync(join(root, "b.wav"), mtime, new Date(mtime.getTime() + 1000));
    expect(index.lookup("a.wav", 16)).toBeUndefined();
    expect(index.lookup("b.wav", 16)).toBeUndefined();
    rmSync(join(root, "b.wav"));
    expect(index.lookup("b.wav", 16)).toBeUndefined();
  });

  it("compares with a fingerprint taken earlier instead of calling stat", async () => {
    const index = await StatIndex.load(root);
    const before = fingerprintOf(statSync(join(root, "a.wav")));
    index.rememberAs("a.wav", before, A);
    index.rememberAs("b.wav", fingerprintOf(statSync(join(root, "b.wav"))), B);
    writeFileSync(join(root, "a.wav"), "changed since");
    expect(index.lookup("a.wav", 16, () => before)).toBe(A);
    expect(index.lookup("b.wav", 16, () => undefined)).toBeUndefined(); // gone
    expect(index.rowOf("b.wav")).toBe(1);
  });

  it("forgets files no longer in the database", async () => {
    const again = await savedIndex();
    again.retain(["a.wav", "b.wav", "c.wav"]);
    expect(again.files).toEqual(["a.wav", "b.wav"]);
    again.retain(["b.wav", "c.wav"]);
    expect(again.files).toEqual(["b.wav"]);
    expect(again.lookup("b.wav", 16)).toBe(B);
    expect(again.lookup("a.wav", 16)).toBeUndefined();
    await again.save();
    expect((await StatIndex.load(root)).files).toEqual(["b.wav"]);
  });

  it("keeps the rows in the order of the files it is told to retain, and leaves an index in that order untouched", async () => {
    const index = await savedIndex(); // a.wav, b.wav
    writeFileSync(join(root, "c.wav"), "ccc");
    index.remember("c.wav", A);
    index.retain(["c.wav", "b.wav", "a.wav"]);
    expect(index.files).toEqual(["c.wav", "b.wav", "a.wav"]);
    expect(index.lookup("a.wav", 16)).toBe(A); // rows found by name after the reorder
    expect(index.lookup("c.wav", 16)).toBe(A);
    await index.save();
    const stored = statSync(join(root, STAT_INDEX_FILE));
    const again = await StatIndex.load(root);
    expect(again.files).toEqual(["c.wav", "b.wav", "a.wav"]);
    again.retain(["x.wav", "c.wav", "y.wav", "b.wav", "a.wav"]); // the same order, other files between
    expect(again.files).toEqual(["c.wav", "b.wav", "a.wav"]);
    await again.save(); // nothing changed: not written again
    expect(statSync(join(root, STAT_INDEX_FILE)).mtimeMs).toBe(stored.mtimeMs);
    expect(statSync(join(root, STAT_INDEX_FILE)).ino).toBe(stored.ino);
  });

  it("finds a row through a right hint, and by name when the hint is wrong or missing", async () => {
    const index = await savedIndex(); // a.wav, b.wav
    const a = fingerprintOf(statSync(join(root, "a.wav")));
    const b = fingerprintOf(statSync(join(root, "b.wav")));
    expect(index.rowOf("b.wav", 1)).toBe(1);
    expect(index.rowOf("b.wav", 0)).toBe(1);
    expect(index.rowOf("b.wav", 7)).toBe(1);
    expect(index.rowOf("zz.wav", 1)).toBeUndefined();
    expect(index.lookupStat("a.wav", 16, a.size, a.mtimeMs, a.ino, a.ctimeMs, 0)).toBe(A);
    expect(index.lookupStat("a.wav", 16, a.size, a.mtimeMs, a.ino, a.ctimeMs, 1)).toBe(A);
    expect(index.lookupStat("b.wav", 16, b.size, b.mtimeMs + 1, b.ino, b.ctimeMs, 1)).toBeUndefined(); // changed
    expect(index.lookupStat("b.wav", 32, b.size, b.mtimeMs, b.ino, b.ctimeMs, 1)).toBeUndefined(); // other algorithm
    expect(index.lookup("b.wav", 16, () => b, 0)).toBe(B);
    await index.save();
    const stored = statSync(join(root, STAT_INDEX_FILE));
    const again = await StatIndex.load(root);
    expect(again.lookupStat("a.wav", 16, a.size, a.mtimeMs, a.ino, a.ctimeMs, 0)).toBe(A);
    expect(again.lookupStat("b.wav", 16, b.size, b.mtimeMs, b.ino, b.ctimeMs, 1)).toBe(B); // every row found in place
    again.retain(["a.wav", "b.wav", "db.files.csv"]);
    expect(again.files).toEqual(["a.wav", "b.wav"]);
    await again.save(); // in order: nothing to write
    expect(statSync(join(root, STAT_INDEX_FILE)).ino).toBe(stored.ino);
  });

  it("remembers a changed file found through a hint in its own row, and new files after the loaded ones", async () => {
    await savedIndex();
    const index = await StatIndex.load(root); // typed columns as decoded
    const b = fingerprintOf(statSync(join(root, "b.wav")));
    expect(index.lookupStat("b.wav", 16, b.size, b.mtimeMs + 5, b.ino, b.ctimeMs, 1)).toBeUndefined();
    index.rememberAs("b.wav", { ...b, mtimeMs: b.mtimeMs + 5 }, A);
    index.rememberAs("new.wav", { size: 3, mtimeMs: 4, ino: 5, ctimeMs: 6 }, B);
    index.rememberAs("a.wav", { size: 6, mtimeMs: 7, ino: 8, ctimeMs: 9 }, B);
    expect(index.files).toEqual(["a.wav", "b.wav", "new.wav"]);
    expect(index.lookupStat("b.wav", 16, b.size, b.mtimeMs + 5, b.ino, b.ctimeMs)).toBe(A);
    expect(index.lookupStat("new.wav", 16, 3, 4, 5, 6, 2)).toBe(B);
    expect(index.lookupStat("a.wav", 16, 6, 7, 8, 9, 0)).toBe(B);
    await index.save();
    const again = await StatIndex.load(root);
    expect(again.files).toEqual(["a.wav", "b.wav", "new.wav"]);
    expect(again.lookupStat("b.wav", 16, b.size, b.mtimeMs + 5, b.ino, b.ctimeMs)).toBe(A);
    expect(again.lookupStat("new.wav", 16, 3, 4, 5, 6)).toBe(B);
    expect(again.lookupStat("a.wav", 16, 6, 7, 8, 9)).toBe(B);
  });

  it("reads indexes of the earlier formats (nanosecond mtimes; v1: an object per file), whose rows match no file (no ctime), and writes v5", async () => {
    const a = statSync(join(root, "a.wav"), { bigint: true });
    const old = { size: Number(a.size), mtimeNs: a.mtimeNs.toString(), ino: Number(a.ino) };
    const v2 = { version: 2, files: ["a.wav"], size: [old.size], mtimeNs: [old.mtimeNs], ino: [old.ino], checksum: [A] };
    for (const content of [{ version: 1, files: { "a.wav": { ...old, checksum: A } } }, v2]) {
      rmSync(join(root, STAT_INDEX_FILE), { force: true });
      writeFileSync(join(root, LEGACY_STAT_INDEX_FILE), JSON.stringify(content));
      const index = await StatIndex.load(root);
      expect(index.files).toEqual(["a.wav"]);
      expect(index.lookup("a.wav", 16)).toBeUndefined(); // hashed again once
      index.remember("b.wav", B);
      await index.save();
      const stored = storedColumns();
      const now = fingerprintOf(statSync(join(root, "a.wav")));
      // the stored nanoseconds give the mtimeMs lstat gives
      expect(stored).toMatchObject({ rows: 2, files: ["a.wav", "b.wav"], size: [4, 8], mtimeMs: [now.mtimeMs, expect.any(Number)], ino: [now.ino, expect.any(Number)], checksum: [A, B] });
      expect(stored.ctimeMs[0]).toBeNaN();
      expect(existsSync(join(root, LEGACY_STAT_INDEX_FILE))).toBe(false);
    }
  });

  it("converts a v3 JSON index on the first save, even without changes, and forgets the JSON file", async () => {
    const a = fingerprintOf(statSync(join(root, "a.wav")));
    const b = fingerprintOf(statSync(join(root, "b.wav")));
    const v3 = { version: 3, files: ["a.wav", "b.wav"], size: [a.size, b.size], mtimeMs: [a.mtimeMs, b.mtimeMs], ino: [a.ino, b.ino], checksum: [A, B], records: { view: [1, "x"] } };
    writeFileSync(join(root, LEGACY_STAT_INDEX_FILE), JSON.stringify(v3));
    const index = await StatIndex.load(root);
    expect(index.files).toEqual(["a.wav", "b.wav"]);
    await index.save();
    expect(existsSync(join(root, STAT_INDEX_FILE))).toBe(true);
    expect(existsSync(join(root, LEGACY_STAT_INDEX_FILE))).toBe(false);
    const again = await StatIndex.load(root);
    expect(again.files).toEqual(["a.wav", "b.wav"]);
    expect(again.lookup("a.wav", 16)).toBeUndefined(); // no ctime kept: hashed again once
    expect(again.recall("view")).toEqual([1, "x"]);
    again.remember("a.wav", A);
    expect(again.lookup("a.wav", 16)).toBe(A);
  });

  it("reads a v4 index (no ctimes): its rows and records stay, and match no file until remembered again", async () => {
    await savedIndex();
    const v5 = readFileSync(join(root, STAT_INDEX_FILE));
    const framed = readFramedHeader(v5, "AUDBIDX5")!;
    const meta = framed.meta as { rows: number; blocks: Record<string, unknown> };
    const { ctimeMs: _dropped, ...blocks } = meta.blocks;
    writeFileSync(join(root, STAT_INDEX_FILE), Buffer.concat([framedHeader("AUDBIDX4", { ...meta, blocks }), v5.subarray(framed.bodyStart)]));
    const index = await StatIndex.load(root);
    expect(index.files).toEqual(["a.wav", "b.wav"]);
    expect(index.lookup("a.wav", 16)).toBeUndefined();
    index.remember("a.wav", A);
    await index.save();
    const again = await StatIndex.load(root);
    expect(again.lookup("a.wav", 16)).toBe(A);
    expect(again.lookup("b.wav", 16)).toBeUndefined();
  });

  it("a file edited in place, at the same size and with its mtime set back, no longer matches (its ctime changed)", async () => {
    const path = join(root, "a.wav");
    utimesSync(path, 1_700_000_000, 1_700_000_000); // whole seconds: set back exactly below
    const index = await savedIndex();
    const before = statSync(path);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a later ctime than the write before, on coarse clocks too
    writeFileSync(path, "AAAA");
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const after = statSync(path);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    expect(index.lookup("a.wav", 16)).toBeUndefined();
    expect(index.lookup("b.wav", 16)).toBe(B);
  });

  it("round-trips many rows: non-ASCII names, xxh64 and md5 checksums, any fingerprint, records", async () => {
    const index = await StatIndex.load(root);
    const rows: [string, Fingerprint, string][] = [];
    for (let i = 0; i < 3000; i++) {
      const file = i % 3 === 0 ? `audio/${String(i).padStart(6, "0")}.wav` : i % 3 === 1 ? `späť/音声 ${i}/ü€😀.flac` : `a b/${i}`;
      const checksum = i % 2 === 0 ? i.toString(16).padStart(16, "0") : `${i.toString(16).padStart(16, "f")}0123456789abcdef`;
      const fingerprint = { size: i * 48_044 + 44, mtimeMs: 1_700_000_000_123.4567 + i / 7, ino: 2 ** 53 - 1 - i * 1_000_003, ctimeMs: 1_700_000_000_456.789 + i / 3 };
      rows.push([file, fingerprint, checksum]);
      index.rememberAs(file, fingerprint, checksum);
    }
    index.keep("publishable", { files: { "db.yaml": rows[1]![1] }, view: { name: "dß" } });
    await index.save();
    expect(readFileSync(join(root, STAT_INDEX_FILE)).toString("latin1", 0, 8)).toBe("AUDBIDX5");
    expect(storedColumns().checksum).toEqual(rows.map((r) => r[2]));
    const again = await StatIndex.load(root);
    expect(again.files).toEqual(rows.map((r) => r[0]));
    for (const [file, { size, mtimeMs, ino, ctimeMs }, checksum] of rows) {
      expect(again.lookupStat(file, checksum.length, size, mtimeMs, ino, ctimeMs)).toBe(checksum);
      expect(again.lookupStat(file, checksum.length, size, mtimeMs + 1e-3, ino, ctimeMs)).toBeUndefined();
      expect(again.lookupStat(file, checksum.length, size, mtimeMs, ino, ctimeMs + 1e-3)).toBeUndefined();
    }
    expect(again.recall("publishable")).toEqual({ files: { "db.yaml": rows[1]![1] }, view: { name: "dß" } });
  });

  it("saves rows added after loading, and rows changed since", async () => {
    const loaded = await savedIndex();
    writeFileSync(join(root, "c.wav"), "cc");
    const c = fingerprintOf(statSync(join(root, "c.wav")));
    loaded.rememberAs("c.wav", c, "00000000000000000000000000000abc");
    loaded.rememberAs("a.wav", { size: 4, mtimeMs: 1, ino: 2, ctimeMs: 3 }, B);
    await loaded.save();
    const again = await StatIndex.load(root);
    expect(again.files).toEqual(["a.wav", "b.wav", "c.wav"]);
    expect(again.lookup("c.wav", 32)).toBe("00000000000000000000000000000abc");
    expect(again.lookupStat("a.wav", 16, 4, 1, 2, 3)).toBe(B);
    expect(again.lookup("b.wav", 16)).toBe(B);
  });

  it("refuses to remember a file name or checksum holding a NUL character, and reads a JSON index holding one as empty", async () => {
    const index = await StatIndex.load(root);
    expect(() => index.rememberAs("a\0b.wav", { size: 1, mtimeMs: 1, ino: 1, ctimeMs: 1 }, A)).toThrow(/a\\u0000b\.wav/);
    expect(() => index.rememberAs("a.wav", { size: 1, mtimeMs: 1, ino: 1, ctimeMs: 1 }, `${A}\0`)).toThrow(/checksum/);
    expect(index.files).toEqual([]);
    await index.save();
    expect(existsSync(join(root, STAT_INDEX_FILE))).toBe(false); // nothing remembered, nothing written
    const a = fingerprintOf(statSync(join(root, "a.wav")));
    const v3 = (file: string, checksum: string) => ({ version: 3, files: [file], size: [a.size], mtimeMs: [a.mtimeMs], ino: [a.ino], checksum: [checksum] });
    const v1 = { version: 1, files: { "a\0.wav": { size: a.size, mtimeNs: "1", ino: a.ino, checksum: A } } };
    for (const content of [v3("a\0.wav", A), v3("a.wav", `${A}\0`), v1]) {
      writeFileSync(join(root, LEGACY_STAT_INDEX_FILE), JSON.stringify(content));
      const legacy = await StatIndex.load(root);
      expect(legacy.files).toEqual([]);
      legacy.rememberAs("b.wav", { size: 1, mtimeMs: 1, ino: 1, ctimeMs: 1 }, B);
      await legacy.save();
      expect((await StatIndex.load(root)).files).toEqual(["b.wav"]);
      rmSync(join(root, STAT_INDEX_FILE));
    }
  });

  it("writes the records again as read while none changes, and anew after keep", async () => {
    const index = await StatIndex.load(root);
    index.keep("view", { files: ["a.wav", "b.wav"], n: 2 });
    index.remember("a.wav", A);
    await index.save();
    expect(storedColumns().records).toEqual({ view: { files: ["a.wav", "b.wav"], n: 2 } });
    const again = await StatIndex.load(root);
    expect(again.recall("view")).toEqual({ files: ["a.wav", "b.wav"], n: 2 });
    again.remember("b.wav", B);
    await again.save();
    expect(storedColumns().records).toEqual({ view: { files: ["a.wav", "b.wav"], n: 2 } });
    const third = await StatIndex.load(root);
    third.keep("view", { files: ["b.wav"], n: 1 });
    third.keep("other", 7);
    await third.save();
    expect(storedColumns().records).toEqual({ view: { files: ["b.wav"], n: 1 }, other: 7 });
    expect((await StatIndex.load(root)).recall("view")).toEqual({ files: ["b.wav"], n: 1 });
  });

  it("keeps records for other code with the index", async () => {
    const index = await StatIndex.load(root);
    expect(index.recall("view")).toBeUndefined();
    index.keep("view", { files: ["a.wav"], n: 1 });
    await index.save();
    expect((await StatIndex.load(root)).recall("view")).toEqual({ files: ["a.wav"], n: 1 });
  });

  it("treats a broken or unknown index as empty", async () => {
    const badRow = { version: 3, files: [null], size: [1], mtimeMs: [1], ino: [1], checksum: [A] };
    const badNs = { version: 2, files: ["a.wav"], size: [1], mtimeNs: ["1.5"], ino: [1], checksum: [A] };
    const stringMs = { version: 3, files: ["a.wav"], size: [1], mtimeMs: ["1"], ino: [1], checksum: [A] };
    const broken = [
      "{", { version: 4, files: [] }, { version: 3, files: [] }, { version: 2, files: ["a.wav"], size: [], mtimeNs: [], ino: [], checksum: [] },
      badRow, badNs, stringMs,
    ];
    for (const content of broken.map((c) => (typeof c === "string" ? c : JSON.stringify(c)))) {
      writeFileSync(join(root, LEGACY_STAT_INDEX_FILE), content);
      const index = await StatIndex.load(root);
      expect(index.files).toEqual([]);
      expect(index.lookup("a.wav", 16)).toBeUndefined();
    }
  });

  it("treats a cut short, foreign or inconsistent binary index as empty", async () => {
    await savedIndex();
    const good = readFileSync(join(root, STAT_INDEX_FILE));
    const framed = readFramedHeader(good, "AUDBIDX5")!;
    type Block = { offset: number; length: number };
    const meta = framed.meta as { rows: number; blocks: Record<string, Block> };
    const cut = (name: string, length: number) => withMeta({ ...meta, blocks: { ...meta.blocks, [name]: { ...meta.blocks[name], length } } });
    const withMeta = (m: unknown) => Buffer.concat([framedHeader("AUDBIDX5", m), good.subarray(framed.bodyStart)]);
    const broken = [
      good.subarray(0, framed.bodyStart + (good.length - framed.bodyStart) / 2), // cut in the middle of the body
      good.subarray(0, good.length - 1),
      good.subarray(0, 20), // cut in the header
      Buffer.concat([Buffer.from("AUDBIDX3"), good.subarray(8)]),
      Buffer.concat([good.subarray(0, 12), Buffer.from("x"), good.subarray(13)]), // bad JSON
      withMeta({ ...meta, rows: 3 }),
      withMeta({ ...meta, rows: 1 }),
      withMeta({ ...meta, rows: -1 }),
      cut("files", "a.wav".length), // one name for two rows
      cut("checksums", A.length),
      cut("size", 8),
      cut("ctimeMs", 8),
      withMeta({ ...meta, blocks: undefined }),
      withMeta(null),
    ];
    for (const content of broken) {
      writeFileSync(join(root, STAT_INDEX_FILE), content);
      const index = await StatIndex.load(root);
      expect(index.files).toEqual([]);
      expect(index.lookup("a.wav", 16)).toBeUndefined();
    }
    writeFileSync(join(root, STAT_INDEX_FILE), good);
    expect((await StatIndex.load(root)).files).toEqual(["a.wav", "b.wav"]);
    writeFileSync(join(root, STAT_INDEX_FILE), withMeta(meta));
    expect((await StatIndex.load(root)).files).toEqual(["a.wav", "b.wav"]); // the cases above differ from a good file only where they say
  });
});
