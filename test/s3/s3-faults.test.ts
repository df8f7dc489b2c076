// QA 22 (network faults) against moto through a fault-injecting proxy.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EndpointTimeoutError, EndpointUnreachableError, ServerError } from "../../backends/remote-errors.js";
import { S3Backend, type S3BackendOptions } from "../../backends/s3.js";
import { expectRangedReadsResume } from "../helpers/fault-checks.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-server.js";
import type { S3TestServer } from "../helpers/s3-server.js";
import { freshBucket, motoSkipReason, startServer } from "./s3-fixture.js";

const md5 = (data: Uint8Array): string => createHash("md5").update(data).digest("hex");
const fastRetry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe.skipIf(motoSkipReason !== null)("S3Backend under network faults (QA 22)", () => {
  let server: S3TestServer;
  let proxy: FaultServer;
  beforeAll(async () => {
    server = await startServer("moto");
    proxy = await startFaultServer(server.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  /** A bucket holding `data` under `key`, and a backend reading it through the proxy. */
  async function seeded(key: string, data: Uint8Array, options: S3BackendOptions = {}): Promise<S3Backend> {
    const bucket = await freshBucket(server);
    const direct = new S3Backend(server.endpoint, bucket, { credentials: server.credentials });
    await direct.putBytes(key, data);
    await direct.close();
    proxy.rules = [];
    return new S3Backend(proxy.url, bucket, { credentials: server.credentials, retry: fastRetry, ...options });
  }

  test("D5: an answer without Content-Length (chunked) is read whole, not as empty", async () => {
    const data = randomBytes(300_000);
    const backend = await seeded("db/1.0.0/db.yaml", data);
    proxy.rules = [{ match: /^GET .*db\.yaml/, times: -1, action: "chunked" }];
    expect(md5(await backend.getBytes("db/1.0.0/db.yaml"))).toBe(md5(data));
    expect(proxy.seen.at(-1)?.action).toBe("chunked");
    await backend.close();
  });

  describe("D1: a stalled server is an idle timeout, retried, then a typed error", { timeout: 10_000 }, () => {
    const stalling = { idleTimeout: 300, maxAttempts: 1 };

    test("a body that stalls once is resumed", async () => {
      const data = randomBytes(200_000);
      const backend = await seeded("db/media/1.0.0/a.zip", data, stalling);
      proxy.rules = [{ match: /^GET .*a\.zip/, times: 1, action: "stall", after: 1000 }];
      expect(md5(await backend.getBytes("db/media/1.0.0/a.zip"))).toBe(md5(data));
      expect(proxy.seen.at(-1)?.range).toBe("bytes=1000-");
      await backend.close();
    });

    test("a server that never answers fails with EndpointTimeoutError naming key and host", async () => {
      const backend = await seeded("db/1.0.0/db.yaml", randomBytes(100), stalling);
      proxy.rules = [{ match: /^GET .*db\.yaml/, times: -1, action: "stallHeaders" }];
      const error = await backend.getBytes("db/1.0.0/db.yaml").then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(EndpointTimeoutError);
      expect((error as Error).message).toContain("db/1.0.0/db.yaml");
      expect((error as Error).message).toContain(proxy.url);
      await backend.close();
    });

    test("a stalled body read as a stream fails instead of hanging", async () => {
      const backend = await seeded("db/media/1.0.0/s.zip", randomBytes(100_000), stalling);
      proxy.rules = [{ match: /^GET .*s\.zip/, times: -1, action: "stall", after: 1000 }];
      const read = async (): Promise<void> => {
        for await (const _ of await backend.getStream("db/media/1.0.0/s.zip")) void _;
      };
      await expect(read()).rejects.toThrow();
      await backend.close();
    });

    test("a whole object read by a consumer that pauses longer than the idle timeout arrives whole (QA 24 N2)", async () => {
      const data = randomBytes(16 * 1024 * 1024);
      const backend = await seeded("db/media/1.0.0/slow.zip", data, { idleTimeout: 300 });
      const chunks: Buffer[] = [];
      let paused = false;
      for await (const chunk of await backend.getStream("db/media/1.0.0/slow.zip")) {
        chunks.push(chunk as Buffer);
        if (!paused) {
          paused = true;
          await new Promise((resolve) => setTimeout(resolve, 1500)); // the socket idles meanwhile: its buffers are full
        }
      }
      expect(md5(Buffer.concat(chunks))).toBe(md5(data));
      await backend.close();
    });

    test("an upload whose answer never comes is retried", async () => {
      const backend = await seeded("x", randomBytes(10), stalling);
      proxy.rules = [{ match: /^PUT .*up\.bin/, times: 1, action: "stallHeaders" }];
      const data = randomBytes(1000);
      await backend.putBytes("db/1.0.0/up.bin", data);
      expect(md5(await backend.getBytes("db/1.0.0/up.bin"))).toBe(md5(data));
      await backend.close();
    });
  });

  test("D7: one retry layer: a GET answered 503 every time is tried `attempts` times, then ServerError", async () => {
    const backend = await seeded("db/media/1.0.0/m.zip", randomBytes(1000));
    proxy.rules = [{ match: /^GET .*m\.zip/, times: -1, action: "status", status: 503, code: "SlowDown" }];
    const before = proxy.seen.length;
    const error = await backend.getBytes("db/media/1.0.0/m.zip").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as Error).message).toContain("db/media/1.0.0/m.zip");
    expect(proxy.seen.length - before).toBe(fastRetry.attempts);
    await backend.close();
  });

  test("a GET answered 429 (rate limit, as R2 and gateways answer) is retried like a 5xx", async () => {
    const data = randomBytes(1000);
    const backend = await seeded("db/media/1.0.0/r.zip", data);
    proxy.rules = [{ match: /^GET .*r\.zip/, times: 2, action: "status", status: 429, code: "TooManyRequests" }];
    expect(md5(await backend.getBytes("db/media/1.0.0/r.zip"))).toBe(md5(data));
    await backend.close();
  });

  test("D6: a body shorter than its Content-Length is fetched again when the resume is refused (416)", async () => {
    const data = randomBytes(5000);
    const backend = await seeded("db/media/1.0.0/short.zip", data);
    proxy.rules = [{ match: /^GET .*short\.zip/, times: 1, action: "shortLength" }];
    expect(md5(await backend.getBytes("db/media/1.0.0/short.zip"))).toBe(md5(data));
    proxy.rules = [{ match: /^GET .*short\.zip/, times: 1, action: "shortLength" }];
    const dir = await mkdtemp(join(tmpdir(), "audb-d6-"));
    try {
      await backend.getFile("db/media/1.0.0/short.zip", join(dir, "f"));
      expect(md5(await readFile(join(dir, "f")))).toBe(md5(data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await backend.close();
  });

  test("D3: a ranged read whose connection drops is resumed; one that keeps dropping fails typed, naming the key", async () => {
    const data = randomBytes(100_000);
    const b = await seeded("db/media/1.0.0/big.zip", data);
    await expectRangedReadsResume(b, proxy, "db/media/1.0.0/big.zip", data);
    await b.close();
  });
});
