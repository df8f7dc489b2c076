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

  it("keeps every file when each was looked up or written since loading, forgets the others when not", async () => {
    const used = await savedIndex();
    expect(used.lookup("a.wav", 16)).toBe(A);
    used.rememberAs("b.wav", fingerprintOf(statSync(join(root, "b.wav"))), B);
    used.retain(["a.wav", "b.wav"]);
    expect(used.files).toEqual(["a.wav", "b.wav"]);
    const partly = await savedIndex();
    expect(partly.lookup("b.wav", 16)).toBe(B);
    partly.retain(["b.wav"]);
    expect(partly.files).toEqual(["b.wav"]);
    expect(partly.lookup("b.wav", 16)).toBe(B); // rows rebuilt
  });

  it("reads indexes of the earlier formats (nanosecond mtimes; v1: an object per file) and writes v3", async () => {
    const a = statSync(join(root, "a.wav"), { bigint: true });
    const old = { size: Number(a.size), mtimeNs: a.mtimeNs.toString(), ino: Number(a.ino) };
    const v2 = { version: 2, files: ["a.wav"], size: [old.size], mtimeNs: [old.mtimeNs], ino: [old.ino], checksum: [A] };
    for (const content of [{ version: 1, files: { "a.wav": { ...old, checksum: A } } }, v2]) {
      writeFileSync(join(root, STAT_INDEX_FILE), JSON.stringify(content));
      const index = await StatIndex.load(root);
      expect(index.lookup("a.wav", 16)).toBe(A); // the stored nanoseconds give the mtimeMs lstat gives
      index.remember("b.wav", B);
      await index.save();
      const stored = JSON.parse(readFileSync(join(root, STAT_INDEX_FILE), "utf8")) as Record<string, unknown>;
      const now = fingerprintOf(statSync(join(root, "a.wav")));
      expect(stored).toMatchObject({ version: 3, files: ["a.wav", "b.wav"], size: [4, 8], mtimeMs: [now.mtimeMs, expect.any(Number)], ino: [now.ino, expect.any(Number)], checksum: [A, B] });
    }
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
      writeFileSync(join(root, STAT_INDEX_FILE), content);
      const index = await StatIndex.load(root);
      expect(index.files).toEqual([]);
      expect(index.lookup("a.wav", 16)).toBeUndefined();
    }
  });
});
