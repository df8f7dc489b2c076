import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { InvalidKeyError, MissingKeyError, ReadOnlyBackendError, type Backend } from "../../backends/backend.js";
import { MemoryPeak } from "../helpers/memory-peak.js";

/** How a read-only backend gets content: `seed` writes into the store that the most recently made backend serves. */
export interface ReadOnlyOptions {
  seed(key: string, data: Uint8Array): Promise<void>;
}

const MiB = 1024 * 1024;
const LARGE_SIZE = 64 * MiB;
/** Extra JS heap + buffers allowed while moving the large object: far below its size. */
const MEMORY_SLACK = 40 * MiB;

const INVALID_KEYS = ["../x", "a/../b", "a/..", "/abs/key", "a\\b", "C:/x", "a//b", "./a", ""];

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await fs.open(file, "r");
  try {
    for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return hash.digest("hex");
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Peak of live memory while moving the large object; garbage above half the slack is collected first. */
const memoryPeak = () => new MemoryPeak(MEMORY_SLACK / 2);

/** Writes `size` random bytes to `file` in 1 MiB chunks; returns their sha256. */
async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const handle = await fs.open(file, "w");
  try {
    for (let done = 0; done < size; done += MiB) {
      const chunk = randomBytes(Math.min(MiB, size - done));
      hash.update(chunk);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/**
 * The contract every {@link Backend} must pass. Call it at the top level of a test file.
 * `make` creates a fresh, empty backend for each test. With `options.readOnly`, content is
 * seeded through `seed`, only the read cases run, and writes must throw
 * {@link ReadOnlyBackendError}.
 */
export function backendContract(
  label: string,
  make: () => Promise<{ backend: Backend; cleanup(): Promise<void> }>,
  options?: {
    readOnly?: ReadOnlyOptions;
    /** False for stores without conditional writes (s3rver): `putBytesIfAbsent` checks, then writes. */
    atomicIfAbsent?: boolean;
  },
): void {
  const readOnly = options?.readOnly;

  describe(`backend contract: ${label}`, () => {
    let backend: Backend;
    let cleanup: () => Promise<void>;
    let tmp: string;

    beforeEach(async () => {
      ({ backend, cleanup } = await make());
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), "audb-contract-"));
    });
    afterEach(async () => {
      await cleanup();
      await fs.rm(tmp, { recursive: true, force: true });
    });

    /** Puts content through the backend, or through `seed` when it is read-only. */
    async function put(key: string, data: Uint8Array): Promise<void> {
      if (readOnly) await readOnly.seed(key, data);
      else await backend.putBytes(key, data);
    }

    test("round trip of bytes", async () => {
      const data = randomBytes(1000);
      await put("db/1.0.0/db.yaml", data);
      expect(Buffer.from(await backend.getBytes("db/1.0.0/db.yaml")).equals(data)).toBe(true);
      expect(await backend.size("db/1.0.0/db.yaml")).toBe(1000);
    });

    test("empty object", async () => {
      await put("empty", new Uint8Array(0));
      expect(await backend.exists("empty")).toBe(true);
      expect(await backend.size("empty")).toBe(0);
      expect((await backend.getBytes("empty")).length).toBe(0);
    });

    test("getFile writes the file, creating folders, leaving no temp file", async () => {
      const data = randomBytes(4096);
      await put("db/media/1.0.0/a.zip", data);
      const dest = path.join(tmp, "deep", "er", "a.zip");
      await backend.getFile("db/media/1.0.0/a.zip", dest);
      expect((await fs.readFile(dest)).equals(data)).toBe(true);
      expect(await fs.readdir(path.dirname(dest))).toEqual(["a.zip"]);
    });

    test("getFile replaces an existing destination", async () => {
      await put("k", Buffer.from("new content"));
      const dest = path.join(tmp, "k");
      await fs.writeFile(dest, "old content that is longer");
      await backend.getFile("k", dest);
      expect(await fs.readFile(dest, "utf8")).toBe("new content");
    });

    if (!readOnly) {
      test("round trip of a file via putFile/getFile", async () => {
        const src = path.join(tmp, "src.bin");
        const data = randomBytes(300_000);
        await fs.writeFile(src, data);
        await backend.putFile("db/meta/1.0.0/files.zip", src);
        const dest = path.join(tmp, "out", "files.zip");
        await backend.getFile("db/meta/1.0.0/files.zip", dest);
        expect((await fs.readFile(dest)).equals(data)).toBe(true);
      });
    }

    test("large object is streamed, not held in memory", async () => {
      let expected: string;
      if (readOnly) {
        const data = randomBytes(LARGE_SIZE);
        expected = sha256(data);
        await readOnly.seed("big/large.bin", data);
      } else {
        const src = path.join(tmp, "large.bin");
        expected = await writeRandomFile(src, LARGE_SIZE);
        const peak = memoryPeak();
        await backend.putFile("big/large.bin", src);
        expect(peak.stop()).toBeLessThan(MEMORY_SLACK);
        await fs.rm(src);
      }
      expect(await backend.size("big/large.bin")).toBe(LARGE_SIZE);

      const dest = path.join(tmp, "large.out");
      let peak = memoryPeak();
      await backend.getFile("big/large.bin", dest);
      expect(peak.stop()).toBeLessThan(MEMORY_SLACK);
      expect(await sha256OfFile(dest)).toBe(expected);

      peak = memoryPeak();
      const hash = createHash("sha256");
      let bytes = 0;
      for await (const chunk of await backend.getStream("big/large.bin")) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        peak.sample();
      }
      expect(peak.stop()).toBeLessThan(MEMORY_SLACK);
      expect(bytes).toBe(LARGE_SIZE);
      expect(hash.digest("hex")).toBe(expected);
    });

    test("getStream whole and with ranges (inclusive end)", async () => {
      const data = randomBytes(10_000);
      await put("r/obj.bin", data);
      expect((await readAll(await backend.getStream("r/obj.bin"))).equals(data)).toBe(true);
      const part = await readAll(await backend.getStream("r/obj.bin", { start: 100, end: 1099 }));
      expect(part.equals(data.subarray(100, 1100))).toBe(true);
      const one = await readAll(await backend.getStream("r/obj.bin", { start: 0, end: 0 }));
      expect(one.equals(data.subarray(0, 1))).toBe(true);
      const tail = await readAll(await backend.getStream("r/obj.bin", { start: 9_990, end: 9_999 }));
      expect(tail.equals(data.subarray(9_990))).toBe(true);
    });

    test("listing shows dirs and files directly under a prefix, sorted", async () => {
      for (const key of ["top.txt", "a/d.txt", "a/b/c.txt", "a/e/f.txt", "a/e/g/h.txt", "a/A.txt", "z/1"]) {
        await put(key, Buffer.from(key));
      }
      expect(await backend.list("")).toEqual({ dirs: ["a", "z"], files: ["top.txt"] });
      expect(await backend.list("a")).toEqual({ dirs: ["b", "e"], files: ["A.txt", "d.txt"] });
      expect(await backend.list("a/")).toEqual({ dirs: ["b", "e"], files: ["A.txt", "d.txt"] });
      expect(await backend.list("a/e")).toEqual({ dirs: ["g"], files: ["f.txt"] });
      expect(await backend.list("a/e/g")).toEqual({ dirs: [], files: ["h.txt"] });
      expect(await backend.list("missing")).toEqual({ dirs: [], files: [] });
      expect(await backend.list("a/missing/deeper")).toEqual({ dirs: [], files: [] });
    });

    test("listing an empty backend is empty", async () => {
      expect(await backend.list("")).toEqual({ dirs: [], files: [] });
    });

    test("exists and size", async () => {
      await put("x/y.bin", randomBytes(123));
      expect(await backend.exists("x/y.bin")).toBe(true);
      expect(await backend.exists("x/z.bin")).toBe(false);
      expect(await backend.exists("x")).toBe(false);
      expect(await backend.exists("nothing/here")).toBe(false);
      expect(await backend.exists("x/y.bin/under")).toBe(false); // below an object
      expect(await backend.size("x/y.bin")).toBe(123);
    });

    test("missing keys raise MissingKeyError naming the key", async () => {
      await put("db/9.9.9/object", randomBytes(3));
      for (const under of ["db/9.9.9/object/below", "db/9.9.9"]) { // below an object; a "folder"
        await expect(backend.getBytes(under)).rejects.toThrow(MissingKeyError);
      }
      const key = "db/9.9.9/missing.yaml";
      const checks: Array<[string, () => Promise<unknown>]> = [
        ["size", () => backend.size(key)],
        ["getBytes", () => backend.getBytes(key)],
        ["getFile", () => backend.getFile(key, path.join(tmp, "never"))],
        ["getStream", async () => readAll(await backend.getStream(key))],
      ];
      if (!readOnly) checks.push(["remove", () => backend.remove(key)]);
      for (const [, run] of checks) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(MissingKeyError);
        expect((err as Error).message).toContain(key);
      }
      await expect(fs.access(path.join(tmp, "never"))).rejects.toThrow();
      expect(await fs.readdir(tmp)).toEqual([]);
    });

    test("invalid keys are rejected", async () => {
      for (const key of INVALID_KEYS) {
        await expect(backend.exists(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(backend.size(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(backend.getBytes(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(backend.getStream(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(backend.getFile(key, path.join(tmp, "x")), key).rejects.toBeInstanceOf(InvalidKeyError);
        if (!readOnly) {
          await expect(backend.putBytes(key, new Uint8Array(1)), key).rejects.toBeInstanceOf(InvalidKeyError);
          await expect(backend.remove(key), key).rejects.toBeInstanceOf(InvalidKeyError);
        }
      }
      for (const prefix of ["..", "a/../b", "/abs", "a\\b"]) {
        await expect(backend.list(prefix), prefix).rejects.toBeInstanceOf(InvalidKeyError);
      }
    });

    if (readOnly) {
      test("writes throw ReadOnlyBackendError", async () => {
        await readOnly.seed("ro/exists.txt", Buffer.from("x"));
        const src = path.join(tmp, "src");
        await fs.writeFile(src, "data");
        await expect(backend.putBytes("ro/new.txt", Buffer.from("y"))).rejects.toBeInstanceOf(ReadOnlyBackendError);
        await expect(backend.putFile("ro/new.txt", src)).rejects.toBeInstanceOf(ReadOnlyBackendError);
        await expect(backend.remove("ro/exists.txt")).rejects.toBeInstanceOf(ReadOnlyBackendError);
        expect(await backend.exists("ro/new.txt")).toBe(false);
        expect(await backend.exists("ro/exists.txt")).toBe(true);
      });
      return;
    }

    test("overwrite replaces the object (shorter and longer)", async () => {
      await backend.putBytes("o/k", Buffer.from("first version, rather long"));
      await backend.putBytes("o/k", Buffer.from("short"));
      expect(Buffer.from(await backend.getBytes("o/k")).toString()).toBe("short");
      const src = path.join(tmp, "src");
      await fs.writeFile(src, "now written from a file, longer than before");
      await backend.putFile("o/k", src);
      expect(Buffer.from(await backend.getBytes("o/k")).toString()).toBe("now written from a file, longer than before");
      expect(await backend.list("o")).toEqual({ dirs: [], files: ["k"] });
    });

    test("putBytesIfAbsent writes a key once and never replaces it", async () => {
      expect(backend.putBytesIfAbsent).toBeTypeOf("function");
      expect(await backend.putBytesIfAbsent!("claim/v", Buffer.from("first"))).toBe(true);
      expect(await backend.putBytesIfAbsent!("claim/v", Buffer.from("second"))).toBe(false);
      expect(Buffer.from(await backend.getBytes("claim/v")).toString()).toBe("first");
      await backend.remove("claim/v");
      expect(await backend.putBytesIfAbsent!("claim/v", Buffer.from("third"))).toBe(true);
      expect(await backend.list("claim")).toEqual({ dirs: [], files: ["v"] });
    });

    if (options?.atomicIfAbsent ?? true) {
      test("putBytesIfAbsent racing itself: exactly one writer wins, and its bytes stay", async () => {
        const candidates = Array.from({ length: 8 }, (_, i) => Buffer.from(`claim of writer ${i}`));
        const won = await Promise.all(candidates.map((data) => backend.putBytesIfAbsent!("race/claim", data)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(Buffer.from(await backend.getBytes("race/claim")).equals(candidates[won.indexOf(true)]!)).toBe(true);
      });
    }

    test("remove deletes the object and it disappears from listings", async () => {
      await backend.putBytes("del/a/one", Buffer.from("1"));
      await backend.putBytes("del/two", Buffer.from("2"));
      await backend.remove("del/a/one");
      expect(await backend.exists("del/a/one")).toBe(false);
      await expect(backend.getBytes("del/a/one")).rejects.toBeInstanceOf(MissingKeyError);
      expect(await backend.list("del")).toEqual({ dirs: [], files: ["two"] });
    });

    test("concurrent writers to one key never leave a torn object", async () => {
      const size = 2 * MiB;
      const candidates = Array.from({ length: 6 }, (_, i) => Buffer.alloc(size, i + 1));
      const digests = new Set(candidates.map(sha256));
      const srcs = await Promise.all(
        candidates.map(async (data, i) => {
          const src = path.join(tmp, `c${i}`);
          await fs.writeFile(src, data);
          return src;
        }),
      );
      const rounds: Array<[string, (data: Buffer, i: number) => Promise<void>]> = [
        ["putBytes", (data) => backend.putBytes("race/key", data)],
        ["putFile", (_, i) => backend.putFile("race/key", srcs[i]!)],
        ["mixed", (data, i) => (i % 2 === 0 ? backend.putBytes("race/key", data) : backend.putFile("race/key", srcs[i]!))],
      ];
      for (const [label, write] of rounds) {
        const seen: string[] = [];
        let writing = true;
        const read = async () => {
          while (writing) {
            try {
              seen.push(sha256(await backend.getBytes("race/key")));
            } catch (err) {
              if (!(err instanceof MissingKeyError)) throw err;
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
        };
        const readers = [read(), read()];
        await Promise.all(candidates.map((data, i) => write(data, i)));
        writing = false;
        await Promise.all(readers);
        for (const digest of seen) expect(digests.has(digest), `${label}: a reader saw a torn object`).toBe(true);
        const final = await backend.getBytes("race/key");
        expect(digests.has(sha256(final)), `${label}: final object is torn`).toBe(true);
        expect(await backend.size("race/key")).toBe(size);
        expect(await backend.list("race")).toEqual({ dirs: [], files: ["key"] });
      }
    });
  });
}
