import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { backendFactory, backendKinds } from "../../backends/backend.js";
import { registerHttpBackend } from "../../backends/http-register.js";
import { HttpBackend, parseIndex } from "../../backends/http.js";
import { EndpointUnreachableError, ServerError } from "../../backends/remote-errors.js";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import { freePort } from "../helpers/s3-server.js";
import { servedRepository, type ServedRepository } from "./http-fixture.js";

const md5 = (data: Uint8Array): string => createHash("md5").update(data).digest("hex");
const fastRetry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe("HttpBackend", () => {
  let repo: ServedRepository;
  let proxy: FaultProxy;
  let tmp: string;
  beforeAll(async () => {
    repo = await servedRepository("data sets"); // a space: keys and names are URL-encoded
    proxy = await startFaultProxy(repo.server.url);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "audb-http-test-"));
  });
  afterAll(async () => {
    await proxy?.stop();
    await repo?.cleanup();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  test("a ranged read transfers only the requested bytes", async () => {
    const data = randomBytes(1024 * 1024);
    await repo.seed("db/media/1.0.0/a b.zip", data);
    repo.server.resetStats();
    const chunks: Buffer[] = [];
    for await (const chunk of await repo.backend.getStream("db/media/1.0.0/a b.zip", { start: 1000, end: 1099 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data.subarray(1000, 1100))).toBe(true);
    expect(repo.server.stats.bytesSent).toBe(100);
    expect(repo.server.stats.ranges).toEqual(["bytes=1000-1099"]);
  });

  test("exists and size use HEAD only", async () => {
    await repo.seed("db/1.0.0/db.yaml", Buffer.from("name: db\n"));
    repo.server.resetStats();
    expect(await repo.backend.exists("db/1.0.0/db.yaml")).toBe(true);
    expect(await repo.backend.size("db/1.0.0/db.yaml")).toBe(9);
    expect(await repo.backend.exists("db/1.0.0/missing.yaml")).toBe(false);
    expect(repo.server.stats.requests).toEqual({ GET: 0, HEAD: 3, other: 0 });
    expect(repo.server.stats.bytesSent).toBe(0);
  });

  test("getFile survives dropped connections and 503 bursts, resuming with Range", async () => {
    const data = randomBytes(2 * 1024 * 1024);
    await repo.seed("db/media/1.0.0/big.zip", data);
    const backend = new HttpBackend(proxy.url, "data sets", { retry: fastRetry });
    Object.assign(proxy.faults, { status503: 2, drops: 2, dropAfterBytes: 200_000, match: /^GET .*big\.zip/ });
    repo.server.resetStats();
    const dest = path.join(tmp, "resume", "big.zip");
    await backend.getFile("db/media/1.0.0/big.zip", dest);
    expect(md5(await fs.readFile(dest))).toBe(md5(data));
    expect(proxy.stats.dropped).toBe(2);
    expect(proxy.stats.injected503).toBe(2);
    expect(repo.server.stats.ranges).toEqual(["bytes=200000-", "bytes=400000-"]);
    expect(await fs.readdir(path.dirname(dest))).toEqual(["big.zip"]);
  });

  test("a download that keeps failing raises a typed error and leaves no file", async () => {
    await repo.seed("db/fail.bin", randomBytes(100_000));
    const backend = new HttpBackend(proxy.url, "data sets", { retry: fastRetry });
    Object.assign(proxy.faults, { status503: 0, drops: 10, dropAfterBytes: 0, match: /^GET .*fail\.bin/ });
    const dir = path.join(tmp, "fail");
    await expect(backend.getFile("db/fail.bin", path.join(dir, "fail.bin"))).rejects.toBeInstanceOf(EndpointUnreachableError);
    proxy.faults.drops = 0;
    expect(await fs.readdir(dir)).toEqual([]);
    Object.assign(proxy.faults, { status503: 10 });
    const error = await backend.getBytes("db/fail.bin").then(() => undefined, (e: unknown) => e);
    proxy.faults.status503 = 0;
    expect(error).toBeInstanceOf(ServerError);
    expect((error as Error).message).toContain("db/fail.bin");
  });

  test("listing answers from index.json, the root dataset index and versions.json", async () => {
    const fresh = await servedRepository();
    try {
      const repoDir = path.join(fresh.root, fresh.name);
      await fs.writeFile(path.join(repoDir, "index.json"), JSON.stringify({ datasets: ["emodb", "fsdd"] }));
      await fs.mkdir(path.join(repoDir, "fsdd"));
      await fs.writeFile(path.join(repoDir, "fsdd", "versions.json"), JSON.stringify({ versions: ["1.0.1", "1.0.0", "../x", 3] }));
      expect(await fresh.backend.list("")).toEqual({ dirs: ["emodb", "fsdd"], files: [] });
      expect(await fresh.backend.list("fsdd")).toEqual({ dirs: ["1.0.0", "1.0.1"], files: [] });
      expect(await fresh.backend.list("fsdd/1.0.0")).toEqual({ dirs: [], files: [] });
      expect(await fresh.backend.list("emodb")).toEqual({ dirs: [], files: [] });
      await fs.writeFile(path.join(repoDir, "fsdd", "index.json"), "{broken");
      await expect(fresh.backend.list("fsdd")).rejects.toThrow(/fsdd\/index\.json/);
    } finally {
      await fresh.cleanup();
    }
  });

  test("parseIndex keeps plain names only", () => {
    expect(parseIndex({ dirs: ["b", "a", "", ".", "..", "x/y"], files: ["f", 1] })).toEqual({ dirs: ["a", "b"], files: ["f"] });
    expect(parseIndex(null)).toEqual({ dirs: [], files: [] });
  });

  test("unreachable host raises EndpointUnreachableError naming the URL", async () => {
    const port = await freePort();
    const backend = new HttpBackend(`http://127.0.0.1:${port}`, "repo", { retry: fastRetry });
    const error = await backend.exists("a/b").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointUnreachableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}/repo/a/b`);
  });

  test("a host name that does not resolve raises EndpointUnreachableError (ENOTFOUND), not 'fetch failed'", async () => {
    const backend = new HttpBackend("http://no-such-host.invalid", "repo", { retry: fastRetry });
    const error = await backend.exists("a/b").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointUnreachableError);
    expect((error as Error).message).toBe("cannot reach http://no-such-host.invalid/repo/a/b for key 'a/b' (ENOTFOUND)");
  });

  test("a request fetch refuses itself (a port it blocks) raises EndpointUnreachableError with fetch's reason", async () => {
    const backend = new HttpBackend("http://127.0.0.1:9", "repo", { retry: fastRetry });
    const error = await backend.exists("a/b").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointUnreachableError);
    expect((error as Error).message).toBe("cannot reach http://127.0.0.1:9/repo/a/b for key 'a/b' (bad port)");
  });

  test("http and https kinds are registered and create read-only backends", async () => {
    registerHttpBackend();
    expect(backendKinds()).toEqual(expect.arrayContaining(["http", "https"]));
    const backend = await backendFactory("http")!(repo.server.url, "data sets");
    expect(backend.kind).toBe("http");
    expect(await backend.exists("db/1.0.0/db.yaml")).toBe(true);
    const https = await backendFactory("https")!("example.org/repos", "r");
    expect((https as HttpBackend).baseUrl).toBe("https://example.org/repos/r/");
  });
});
