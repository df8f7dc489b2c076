import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { extractArchive, listArchive } from "../../src/core/archive.js";
import { unzipBytes } from "../../src/core/unzip-bytes.js";
import { zipBytes, zipBytesSync, type ZipEntry } from "../../src/core/zip-bytes.js";

describe("zipBytes", () => {
  const speechLike = Buffer.from(Array.from({ length: 40_000 }, (_, i) => Math.round(100 * Math.sin(i / 7)) & 0xff));
  const entries: ZipEntry[] = [
    { name: "wav/a.wav", data: speechLike, compression: "huffman" },
    { name: "txt/a.txt", data: speechLike },
    { name: "txt/fast.csv", data: speechLike, compression: "fast" },
    { name: "wav/ü b.wav", data: randomBytes(5000) },
    { name: "flac/c.flac", data: speechLike, compression: "store" },
    { name: "empty.txt", data: new Uint8Array(0) },
  ];

  test("round-trips through our extractor with the right methods and names", async () => {
    const zip = await zipBytes(entries);
    const listed = await listArchive(writeTemp(zip));
    expect(listed.map((e) => [e.path, e.size, e.compressed])).toEqual([
      ["wav/a.wav", 40_000, true],
      ["txt/a.txt", 40_000, true],
      ["txt/fast.csv", 40_000, true],
      ["wav/ü b.wav", 5000, false], // random bytes do not shrink: stored
      ["flac/c.flac", 40_000, false],
      ["empty.txt", 0, false],
    ]);
    const dest = mkdtempSync(join(tmpdir(), "zipbytes-"));
    const files = await extractArchive(zip, dest);
    expect(files).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(readFileSync(join(dest, e.name)).equals(Buffer.from(e.data))).toBe(true);
  });

  test("Python's zipfile reads it and its CRCs check", async () => {
    const path = writeTemp(await zipBytes(entries));
    let out: string;
    try {
      out = execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), sorted(z.namelist()))", path], { encoding: "utf8" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !process.env.CI) return; // no python here
      throw e;
    }
    expect(out.trim()).toBe("None ['empty.txt', 'flac/c.flac', 'txt/a.txt', 'txt/fast.csv', 'wav/a.wav', 'wav/ü b.wav']");
  });

  test("the blocking variant writes the same bytes", async () => {
    const mtime = new Date(2024, 4, 17, 12, 30, 10);
    const dated = entries.map((e) => ({ ...e, mtime }));
    expect(zipBytesSync(dated).equals(await zipBytes(dated))).toBe(true);
  });

  test("'fast' is zlib's level 1: what it writes for a dependency table", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `audio/${i % 10}/${i}.wav,${(i * 7919).toString(36)},16,1,${(i * 104729).toString(16).padStart(16, "0")},1.0,wav,0,16000,1,1.0.${i % 5}`);
    const data = Buffer.from(rows.join("\n"));
    const fast = zipBytesSync([{ name: "db.csv", data, compression: "fast" }]);
    // The local file header: name and extra field lengths at 26 and 28, compressed size at 18.
    const start = 30 + fast.readUInt16LE(26) + fast.readUInt16LE(28);
    const deflated = fast.subarray(start, start + fast.readUInt32LE(18));
    expect(deflated.equals(deflateRawSync(data, { level: 1 }))).toBe(true);
    expect(deflated.equals(deflateRawSync(data))).toBe(false);
  });

  test("a large entry is deflated in parts that make one stream: our reader, yauzl and Python's zipfile read it", async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `audio/${i % 10}/${i}.wav,${(i * 7919).toString(36)},16,1,${(i * 104729).toString(16).padStart(16, "0")},1.0,wav,0,16000,1,1.0.${i % 5}`);
    const data = Buffer.from(rows.join("\n"));
    expect(data.length).toBeGreaterThan(4 * 256 * 1024);
    const zip = await zipBytes([{ name: "db.csv", data, compression: "fast" }]);
    const start = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
    const deflated = zip.subarray(start, start + zip.readUInt32LE(18));
    const single = deflateRawSync(data, { level: 1 });
    expect(deflated.equals(single)).toBe(false); // written in parts
    expect(Math.abs(deflated.length - single.length) / single.length).toBeLessThan(0.01);
    expect((await unzipBytes(zip, "db.zip"))![0]!.data.equals(data)).toBe(true);
    const dest = mkdtempSync(join(tmpdir(), "zipparts-"));
    await extractArchive(zip, dest);
    expect(readFileSync(join(dest, "db.csv")).equals(data)).toBe(true);
    const path = writeTemp(zip);
    try {
      const out = execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip(), len(z.read('db.csv')))", path], { encoding: "utf8" });
      expect(out.trim()).toBe(`None ${data.length}`);
    } catch (e) {
      if (!((e as NodeJS.ErrnoException).code === "ENOENT" && !process.env.CI)) throw e; // no python here
    }
  });

  test("huffman-only deflate of speech WAVs stays within 2 % of zlib's default in total", () => {
    const dir = join(import.meta.dirname, "../fixtures/fsdd-mini/recordings");
    const sizes = { raw: 0, huffman: 0, deflate: 0 };
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".wav"))) {
      const data = readFileSync(join(dir, name));
      sizes.raw += data.length;
      sizes.huffman += zipBytesSync([{ name, data, compression: "huffman" }]).length;
      sizes.deflate += zipBytesSync([{ name, data, compression: "deflate" }]).length;
    }
    expect(sizes.huffman).toBeLessThan(sizes.raw * 0.9);
    expect(sizes.huffman).toBeLessThan(sizes.deflate * 1.02);
  });
});

function writeTemp(data: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "zipbytes-")), "a.zip");
  writeFileSync(path, data);
  return path;
}
