import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { FileSystemBackend, ReadOnlyBackendError, backendFactory, backendKinds, type Backend } from "../../backends/index.js";
import { writeNewFileSync } from "../../backends/filesystem.js";
import { backendContract } from "./contract.js";

async function tempBackend(): Promise<{ backend: FileSystemBackend; cleanup(): Promise<void> }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "audb-fs-backend-"));
  return { backend: new FileSystemBackend(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
}

backendContract("file-system", tempBackend);

/** Read-only view of a folder: exercises the contract's read-only mode (as HTTP will use it). */
function readOnlyView(inner: FileSystemBackend): Backend {
  const refuse = (key: string) => Promise.reject(new ReadOnlyBackendError(`cannot write '${key}': backend is read-only`));
  return {
    kind: "read-only-file-system",
    exists: (key) => inner.exists(key),
    size: (key) => inner.size(key),
    getFile: (key, dest) => inner.getFile(key, dest),
    getBytes: (key) => inner.getBytes(key),
    getStream: (key, range) => inner.getStream(key, range),
    list: (prefix) => inner.list(prefix),
    putFile: (key) => refuse(key),
    putBytes: (key) => refuse(key),
    remove: (key) => refuse(key),
  };
}

let seededStore: FileSystemBackend | undefined;
backendContract(
  "read-only view of file-system",
  async () => {
    const { backend, cleanup } = await tempBackend();
    seededStore = backend;
    return { backend: readOnlyView(backend), cleanup };
  },
  { readOnly: { seed: (key, data) => seededStore!.putBytes(key, data) } },
);

describe("FileSystemBackend specifics", () => {
  test("keys map to files under the root", async () => {
    const { backend, cleanup } = await tempBackend();
    try {
      await backend.putBytes("db/1.0.0/db.yaml", Buffer.from("name: db"));
      expect(await fs.readFile(path.join(backend.root, "db", "1.0.0", "db.yaml"), "utf8")).toBe("name: db");
    } finally {
      await cleanup();
    }
  });

  test("temp files left by a crashed writer are not listed", async () => {
    const { backend, cleanup } = await tempBackend();
    try {
      await backend.putBytes("d/real", Buffer.from("1"));
      await fs.writeFile(path.join(backend.root, "d", "real.0123456789ab.audb-tmp"), "partial");
      expect(await backend.list("d")).toEqual({ dirs: [], files: ["real"] });
    } finally {
      await cleanup();
    }
  });

  test("the file-system kind is registered with root host/name", async () => {
    expect(backendKinds()).toContain("file-system");
    const host = await fs.mkdtemp(path.join(os.tmpdir(), "audb-fs-host-"));
    try {
      const backend = await backendFactory("file-system")!(host, "repo");
      expect(backend.kind).toBe("file-system");
      await backend.putBytes("emodb/1.0.0/db.yaml", Buffer.from("x"));
      expect(await fs.readFile(path.join(host, "repo", "emodb", "1.0.0", "db.yaml"), "utf8")).toBe("x");
    } finally {
      await fs.rm(host, { recursive: true, force: true });
    }
  });
});

test("the default config's s3 kind is registered by the index", () => {
  expect(backendKinds()).toEqual(expect.arrayContaining(["file-system", "s3", "minio"]));
});

describe("writeNewFileSync (archives of a version that has no header yet)", () => {
  test("creates the file and its folders in place, and replaces a file left there through a temp file", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "audb-new-file-"));
    try {
      const target = path.join(root, "media", "1.0.1", "a.zip");
      writeNewFileSync(target, Buffer.from("first"));
      expect(await fs.readFile(target, "utf8")).toBe("first");
      const before = await fs.stat(target);
      writeNewFileSync(target, Buffer.from("complete archive")); // e.g. the partial file of an interrupted publish
      expect(await fs.readFile(target, "utf8")).toBe("complete archive");
      expect((await fs.stat(target)).ino).not.toBe(before.ino); // renamed into place, not rewritten in it
      expect(await fs.readdir(path.dirname(target))).toEqual(["a.zip"]); // no temp file left
      await fs.writeFile(path.join(root, "file"), "x");
      expect(() => writeNewFileSync(path.join(root, "file", "below.zip"), Buffer.from("y"))).toThrow(/ENOTDIR/);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
