import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import * as yazl from "yazl";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ArchiveError, archiveName, createArchive, extractArchive, listArchive } from "../../src/core/archive.js";
import { unzipBytes } from "../../src/core/unzip-bytes.js";
import { MemoryPeak } from "../helpers/memory-peak.js";

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "audb-archive-"));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, data] of Object.entries(files)) {
    const file = path.join(root, ...rel.split("/"));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
  }
}

/** A zip whose single entry is named `evilName`: written with a same-length placeholder, then patched. */
async function craftZip(zipPath: string, evilName: string): Promise<void> {
  const placeholder = "p".repeat(evilName.length);
  const src = path.join(tmp, "craft-src");
  await writeTree(src, { [placeholder]: "pwned" });
  await createArchive(zipPath, src, [placeholder]);
  const bytes = await fs.readFile(zipPath);
  const from = Buffer.from(placeholder);
  const to = Buffer.from(evilName);
  let patched = 0;
  for (let i = bytes.indexOf(from); i !== -1; i = bytes.indexOf(from, i + 1)) {
    to.copy(bytes, i);
    patched++;
  }
  expect(patched).toBe(2); // local header + central directory
  await fs.writeFile(zipPath, bytes);
}

describe("archiveName", () => {
  test("equals audeer.uid(from_string=file): md5 hex of the UTF-8 path split 8-4-4-4-12", () => {
    // audeer's own docstring: audeer.uid(from_string="example_string") == "626f68e6-d336-70b9-e753-ed9fad855840"
    expect(archiveName("example_string")).toBe("626f68e6-d336-70b9-e753-ed9fad855840");
    // md5("wav/03a01Fa.wav") = c1f5cc6f6d00348aba3b4adaa2436aad (`printf %s wav/03a01Fa.wav | md5sum`)
    expect(archiveName("wav/03a01Fa.wav")).toBe("c1f5cc6f-6d00-348a-ba3b-4adaa2436aad");
    // audb replaces "\\" with "/" before hashing
    expect(archiveName("wav\\03a01Fa.wav")).toBe(archiveName("wav/03a01Fa.wav"));
  });
});

describe("createArchive / extractArchive", () => {
  test("round trip keeps relative paths and bytes", async () => {
    const files = {
      "db.yaml": "name: test\n",
      "audio/a.wav": randomBytes(50_000),
      "audio/sub/b.flac": randomBytes(20_000),
      "ünïcode/ß.wav": randomBytes(10),
      "empty.txt": "",
    };
    const src = path.join(tmp, "src");
    await writeTree(src, files);
    const zip = path.join(tmp, "out", "archive.zip");
    await fs.mkdir(path.dirname(zip));
    await createArchive(zip, src, Object.keys(files));
    expect(await fs.readdir(path.dirname(zip))).toEqual(["archive.zip"]);

    const seen: string[] = [];
    const dest = path.join(tmp, "dest");
    const extracted = await extractArchive(zip, dest, { onEntry: (p) => seen.push(p) });
    expect(extracted).toEqual(Object.keys(files));
    expect(seen).toEqual(Object.keys(files));
    for (const [rel, data] of Object.entries(files)) {
      expect((await fs.readFile(path.join(dest, ...rel.split("/")))).equals(Buffer.from(data)), rel).toBe(true);
    }
    expect((await fs.readdir(path.join(dest, "audio"))).sort()).toEqual(["a.wav", "sub"]);
  });

  test("extracting over existing files replaces them", async () => {
    const src = path.join(tmp, "src");
    await writeTree(src, { "a.txt": "new" });
    await createArchive(path.join(tmp, "a.zip"), src, ["a.txt"]);
    const dest = path.join(tmp, "dest");
    await writeTree(dest, { "a.txt": "old and longer" });
    await extractArchive(path.join(tmp, "a.zip"), dest);
    expect(await fs.readFile(path.join(dest, "a.txt"), "utf8")).toBe("new");
  });

  test("compressed media are stored, other files deflated", async () => {
    const names = ["a.flac", "b.MP3", "c.ogg", "d.opus", "e.wav", "f.csv"];
    const src = path.join(tmp, "src");
    await writeTree(src, Object.fromEntries(names.map((n) => [n, Buffer.alloc(10_000, 7)])));
    const zip = path.join(tmp, "media.zip");
    await createArchive(zip, src, names);
    const entries = await listArchive(zip);
    expect(entries.map((e) => [e.path, e.compressed])).toEqual([
      ["a.flac", false],
      ["b.MP3", false],
      ["c.ogg", false],
      ["d.opus", false],
      ["e.wav", true],
      ["f.csv", true],
    ]);
    for (const e of entries) {
      expect(e.size).toBe(10_000);
      if (e.compressed) expect(e.compressedSize).toBeLessThan(1_000);
      else expect(e.compressedSize).toBe(10_000);
    }
  });

  test("refuses unsafe file names when creating", async () => {
    const src = path.join(tmp, "src");
    await writeTree(src, { "a.wav": "x" });
    for (const bad of ["../a.wav", "/abs/a.wav", "x/../a.wav", "x\\a.wav"]) {
      await expect(createArchive(path.join(tmp, "bad.zip"), src, [bad]), bad).rejects.toBeInstanceOf(ArchiveError);
    }
    await expect(fs.access(path.join(tmp, "bad.zip"))).rejects.toThrow();
  });

  test("missing source file raises ArchiveError naming it and leaves no zip", async () => {
    const src = path.join(tmp, "src");
    await writeTree(src, { "a.wav": "x" });
    const zip = path.join(tmp, "z.zip");
    await expect(createArchive(zip, src, ["a.wav", "nope.wav"])).rejects.toThrow(/nope\.wav/);
    expect(await fs.readdir(tmp)).toEqual(["src"]);
  });

  test.each([["../evil.txt"], ["a/../../evil.txt"], ["/tmp/evil.txt"]])("zip slip entry %s is rejected", async (evil) => {
    const zip = path.join(tmp, "slip.zip");
    await craftZip(zip, evil);
    expect((await listArchive(zip)).map((e) => e.path)).toEqual([evil]);
    const dest = path.join(tmp, "dest", "inner");
    const err = await extractArchive(zip, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    expect((err as Error).message).toContain(evil);
    expect((err as Error).message).toContain("slip.zip");
    await expect(fs.access(path.join(tmp, "dest", "evil.txt"))).rejects.toThrow();
    await expect(fs.access(path.join(tmp, "evil.txt"))).rejects.toThrow();
  });

  test.skipIf(process.platform === "win32")("an entry named with a leading drive letter is a relative name on POSIX (audb-python publishes them): extracted inside", async () => {
    for (const name of ["c:x.wav", "C:/y.wav"]) {
      const zip = path.join(tmp, "drive.zip");
      await craftZip(zip, name);
      const dest = path.join(tmp, "drive-dest");
      expect(await extractArchive(zip, dest)).toEqual([name]);
      expect((await fs.stat(path.join(dest, name))).isFile()).toBe(true);
      expect((await unzipBytes(await fs.readFile(zip), "drive.zip"))!.map((e) => e.name)).toEqual([name]);
    }
  });

  test("reads zip64 archives", async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from("sixty-four"), "z/64.txt", { forceZip64Format: true });
    zip.end({ forceZip64Format: true, comment: "" });
    const zipPath = path.join(tmp, "z64.zip");
    await pipeline(zip.outputStream, createWriteStream(zipPath));
    expect(await extractArchive(zipPath, path.join(tmp, "d"))).toEqual(["z/64.txt"]);
    expect(await fs.readFile(path.join(tmp, "d", "z", "64.txt"), "utf8")).toBe("sixty-four");
  });

  test("large entries stream through without being held in memory", async () => {
    const size = 48 * 1024 * 1024;
    const src = path.join(tmp, "src");
    await fs.mkdir(src);
    const handle = await fs.open(path.join(src, "big.flac"), "w");
    for (let done = 0; done < size; done += 1024 * 1024) await handle.write(randomBytes(1024 * 1024));
    await handle.close();
    const memory = new MemoryPeak(size / 4);
    let peak: number;
    try {
      await createArchive(path.join(tmp, "big.zip"), src, ["big.flac"]);
      await extractArchive(path.join(tmp, "big.zip"), path.join(tmp, "dest"));
    } finally {
      peak = memory.stop();
    }
    expect(peak).toBeLessThan(size / 2);
    expect((await fs.stat(path.join(tmp, "dest", "big.flac"))).size).toBe(size);
    const [a, b] = await Promise.all([fs.readFile(path.join(src, "big.flac")), fs.readFile(path.join(tmp, "dest", "big.flac"))]);
    expect(a.equals(b)).toBe(true);
  });

  test("a corrupt zip raises ArchiveError naming it", async () => {
    const zip = path.join(tmp, "corrupt.zip");
    await fs.writeFile(zip, randomBytes(1000));
    await expect(extractArchive(zip, path.join(tmp, "d"))).rejects.toBeInstanceOf(ArchiveError);
    await expect(listArchive(zip)).rejects.toThrow(/corrupt\.zip/);
  });
});
