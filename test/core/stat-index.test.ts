import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STAT_INDEX_FILE, StatIndex, fingerprintOf } from "../../src/core/stat-index.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "audb-stat-index-"));
  writeFileSync(join(root, "a.wav"), "aaaa");
  writeFileSync(join(root, "b.wav"), "bbbbbbbb");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const A = "0123456789abcdef";
const B = "fedcba9876543210";

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
    const before = fingerprintOf(statSync(join(root, "a.wav"), { bigint: true }));
    index.rememberAs("a.wav", before, A);
    index.rememberAs("b.wav", fingerprintOf(statSync(join(root, "b.wav"), { bigint: true })), B);
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

  it("reads an index of the first format (an object per file) and writes the columns", async () => {
    const fp = fingerprintOf(statSync(join(root, "a.wav"), { bigint: true }));
    writeFileSync(join(root, STAT_INDEX_FILE), JSON.stringify({ version: 1, files: { "a.wav": { ...fp, checksum: A } } }));
    const index = await StatIndex.load(root);
    expect(index.lookup("a.wav", 16)).toBe(A);
    index.remember("b.wav", B);
    await index.save();
    const stored = JSON.parse(readFileSync(join(root, STAT_INDEX_FILE), "utf8")) as Record<string, unknown>;
    expect(stored).toEqual({ version: 2, files: ["a.wav", "b.wav"], size: [4, 8], mtimeNs: [fp.mtimeNs, expect.any(String)], ino: [fp.ino, expect.any(Number)], checksum: [A, B] });
  });

  it("keeps records for other code with the index", async () => {
    const index = await StatIndex.load(root);
    expect(index.recall("view")).toBeUndefined();
    index.keep("view", { files: ["a.wav"], n: 1 });
    await index.save();
    expect((await StatIndex.load(root)).recall("view")).toEqual({ files: ["a.wav"], n: 1 });
  });

  it("treats a broken or unknown index as empty", async () => {
    const badRow = { version: 2, files: [null], size: [1], mtimeNs: ["1"], ino: [1], checksum: [A] };
    for (const content of ["{", JSON.stringify({ version: 3, files: [] }), JSON.stringify({ version: 2, files: ["a.wav"], size: [], mtimeNs: [], ino: [], checksum: [] }), JSON.stringify(badRow)]) {
      writeFileSync(join(root, STAT_INDEX_FILE), content);
      const index = await StatIndex.load(root);
      expect(index.files).toEqual([]);
      expect(index.lookup("a.wav", 16)).toBeUndefined();
    }
  });
});
