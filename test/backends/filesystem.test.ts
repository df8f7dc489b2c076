import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { FileSystemBackend, backendFactory, backendKinds } from "../../backends/index.js";
import { backendContract } from "./contract.js";

async function tempBackend(): Promise<{ backend: FileSystemBackend; cleanup(): Promise<void> }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "audb-fs-backend-"));
  return { backend: new FileSystemBackend(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
}

backendContract("file-system", tempBackend);

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
