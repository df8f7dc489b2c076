import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import xxhash from "xxhash-wasm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  ChecksumError,
  algorithmOf,
  checksumBytes,
  checksumFile,
  checksumFiles,
  checksumFolder,
  dependencyChecksum,
  parquetHash,
} from "../../src/core/checksum.js";

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "audb-checksum-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function write(name: string, data: Uint8Array | string): Promise<string> {
  const file = path.join(tmp, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
  return file;
}

/** Minimal parquet file: no data, only a footer whose key-value metadata is `kv` (Thrift compact). */
function parquetWithMetadata(kv: Record<string, string>): Buffer {
  const bin = (s: string) => {
    const b = Buffer.from(s);
    return [b.length, ...b]; // lengths < 128 fit one varint byte
  };
  const entries = Object.entries(kv);
  const footer = Buffer.from([
    0x15, 0x02, // 1: version = 1
    0x19, 0x1c, 0x48, ...bin("schema"), 0x15, 0x00, 0x00, // 2: schema = [{ name, num_children: 0 }]
    0x16, 0x00, // 3: num_rows = 0
    0x19, 0x0c, // 4: row_groups = []
    0x19, (entries.length << 4) | 0x0c, // 5: key_value_metadata
    ...entries.flatMap(([k, v]) => [0x18, ...bin(k), 0x18, ...bin(v), 0x00]),
    0x00,
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  return Buffer.concat([Buffer.from("PAR1"), footer, len, Buffer.from("PAR1")]);
}

describe("checksumFile", () => {
  test("known xxh64 values (xxHash reference vectors, seed 0)", async () => {
    expect(await checksumFile(await write("empty", ""))).toBe("ef46db3751d8e999");
    expect(await checksumFile(await write("abc", "abc"))).toBe("44bc2cf5ad770999");
    expect(await checksumFile(await write("abc2", "abc"), "xxh64")).toBe("44bc2cf5ad770999");
  });

  test("known md5 values (RFC 1321)", async () => {
    expect(await checksumFile(await write("empty-md5", ""), "md5")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(await checksumFile(await write("abc-md5", "abc"), "md5")).toBe("900150983cd24fb0d6963f7d28e17f72");
  });

  test("xxh64 is zero-padded to 16 hex chars", async () => {
    const { h64Raw } = await xxhash();
    let input = 0;
    while (h64Raw(Buffer.from(String(input))) >= 1n << 60n) input++;
    const raw = h64Raw(Buffer.from(String(input)));
    const sum = await checksumFile(await write("small-hash", String(input)));
    expect(sum).toMatch(/^0[0-9a-f]{15}$/);
    expect(BigInt(`0x${sum}`)).toBe(raw);
  });

  test("files larger than one read block hash like the whole buffer", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 12_345);
    const file = await write("large.bin", data);
    const { h64Raw } = await xxhash();
    expect(await checksumFile(file)).toBe(h64Raw(data).toString(16).padStart(16, "0"));
    expect(await checksumFile(file, "md5")).toBe(createHash("md5").update(data).digest("hex"));
    expect(await checksumBytes(data)).toBe(await checksumFile(file));
  });

  test("missing file raises ChecksumError naming it", async () => {
    const missing = path.join(tmp, "no-such-file.wav");
    await expect(checksumFile(missing)).rejects.toBeInstanceOf(ChecksumError);
    await expect(checksumFile(missing)).rejects.toThrow("no-such-file.wav");
  });
});

describe("algorithmOf", () => {
  test("tells md5 from xxh64 by length", () => {
    expect(algorithmOf("900150983cd24fb0d6963f7d28e17f72")).toBe("md5");
    expect(algorithmOf("44bc2cf5ad770999")).toBe("xxh64");
  });
  test("rejects anything else", () => {
    for (const bad of ["", "abc", "44bc2cf5ad77099", "44bc2cf5ad770999z", "g00150983cd24fb0d6963f7d28e17f72"]) {
      expect(() => algorithmOf(bad), bad).toThrow(ChecksumError);
    }
  });
});

describe("checksumFiles", () => {
  test("worker pool over many files equals serial hashing, in order, with progress", async () => {
    const files: string[] = [];
    for (let i = 0; i < 150; i++) files.push(await write(`many/f${i}.bin`, randomBytes(1000 + i * 37)));
    for (const algorithm of ["xxh64", "md5"] as const) {
      const serial: string[] = [];
      for (const f of files) serial.push(await checksumFile(f, algorithm));
      const progress: number[] = [];
      const parallel = await checksumFiles(files, { algorithm, numWorkers: 3, useWorkers: true, onProgress: (done) => progress.push(done) });
      expect(parallel).toEqual(serial);
      expect(progress.length).toBe(files.length);
      expect(progress.at(-1)).toBe(files.length);
      expect(await checksumFiles(files, { algorithm, numWorkers: 1 })).toEqual(serial);
    }
  });

  test("few files run without workers", async () => {
    const files = [await write("few/a", "abc"), await write("few/b", "")];
    expect(await checksumFiles(files)).toEqual(["44bc2cf5ad770999", "ef46db3751d8e999"]);
    expect(await checksumFiles([])).toEqual([]);
  });

  test("a missing file in a worker batch raises ChecksumError naming it", async () => {
    const files: string[] = [];
    for (let i = 0; i < 70; i++) files.push(await write(`batch/f${i}`, String(i)));
    files.splice(33, 0, path.join(tmp, "batch", "missing-one"));
    await expect(checksumFiles(files, { numWorkers: 2, useWorkers: true })).rejects.toThrow(/missing-one/);
    await expect(checksumFiles(files, { numWorkers: 2, useWorkers: true })).rejects.toBeInstanceOf(ChecksumError);
    await expect(checksumFiles(files, { numWorkers: 2, useWorkers: false })).rejects.toThrow(/missing-one/);
  });
});

describe("parquet tables (audb rule)", () => {
  test("a parquet table's checksum is its 'hash' metadata entry", async () => {
    const hash = "fb9a35ca0492404e5f9dba30eebb3bfb";
    const file = await write("db.files.parquet", parquetWithMetadata({ hash, "audformat-version": "1.3.1" }));
    expect(await parquetHash(file)).toBe(hash);
    expect(await dependencyChecksum(file)).toBe(hash);
    expect(await dependencyChecksum(file, "md5")).toBe(hash);
  });

  test("without 'hash' metadata, or for other files, the content checksum is used", async () => {
    const file = await write("plain.parquet", parquetWithMetadata({ other: "x" }));
    expect(await parquetHash(file)).toBeUndefined();
    expect(await dependencyChecksum(file, "md5")).toBe(await checksumFile(file, "md5"));
    const csv = await write("db.files.csv", "file,x\n");
    expect(await dependencyChecksum(csv)).toBe(await checksumFile(csv));
  });
});

describe("checksumFolder", () => {
  test("orders the files by code point, as Python sorts audeer.md5's list (an emoji after U+FF5A, where UTF-16 order puts it before)", async () => {
    const names = ["b.txt", "\uff5a.txt", "\u{1f600}.txt", "d/\u{1f600}.txt", "d/\uffff.txt"];
    for (const name of names) await write(`att/${name}`, `content of ${name}`);
    const md5 = createHash("md5");
    for (const name of ["b.txt", "d/\uffff.txt", "d/\u{1f600}.txt", "\uff5a.txt", "\u{1f600}.txt"]) {
      md5.update(Buffer.from(name, "utf8"));
      md5.update(`content of ${name}`);
    }
    expect(await checksumFolder(path.join(tmp, "att"), names, "md5")).toBe(md5.digest("hex"));
  });
});
