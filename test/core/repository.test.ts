import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { registerBackend } from "../../backends/index.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { Repository, UnknownBackendError } from "../../src/core/repository.js";

describe("Repository", () => {
  test("prints and compares like audb.Repository", () => {
    const repo = new Repository("data-local", "/data", "file-system");
    expect(String(repo)).toBe("Repository('data-local', '/data', 'file-system')");
    expect(repo.name).toBe("data-local");
    expect(repo.host).toBe("/data");
    expect(repo.backendKind).toBe("file-system");
    expect(repo.equals(new Repository("data-local", "/data", "file-system"))).toBe(true);
    expect(repo.equals(new Repository("data-local", "/data", "s3"))).toBe(false);
  });

  test("open() gives a file-system backend rooted at host/name, cached", async () => {
    const host = await fs.mkdtemp(path.join(os.tmpdir(), "audb-repo-"));
    try {
      const repo = new Repository("repo", host, "file-system");
      const backend = await repo.open();
      expect(backend).toBeInstanceOf(FileSystemBackend);
      expect((backend as FileSystemBackend).root).toBe(path.join(host, "repo"));
      expect(await repo.open()).toBe(backend);
    } finally {
      await fs.rm(host, { recursive: true, force: true });
    }
  });

  test("unknown backend kind raises UnknownBackendError listing registered kinds", async () => {
    const err = await new Repository("r", "h", "no-such-kind").open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownBackendError);
    expect((err as Error).message).toContain("'no-such-kind'");
    expect((err as Error).message).toContain("'file-system'");
  });

  test("kinds registered later are usable", async () => {
    let calls = 0;
    registerBackend("test-memory-kind", (host, name) => {
      calls++;
      return new FileSystemBackend(path.join(os.tmpdir(), host, name));
    });
    const repo = new Repository("n", "audb-test-host", "test-memory-kind");
    await repo.open();
    await repo.open();
    expect(calls).toBe(1);
  });
});
