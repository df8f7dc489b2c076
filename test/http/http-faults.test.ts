// QA 22 (network faults): the HTTP backend behind a fault-injecting proxy.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HttpBackend, type HttpBackendOptions } from "../../backends/http.js";
import { EndpointTimeoutError, EndpointUnreachableError, ServerError } from "../../backends/remote-errors.js";
import { expectRangedReadsResume } from "../helpers/fault-checks.js";
import { startFaultServer, type FaultServer } from "../helpers/fault-server.js";
import { servedRepository, type ServedRepository } from "./http-fixture.js";

const md5 = (data: Uint8Array): string => createHash("md5").update(data).digest("hex");
const fastRetry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe("HttpBackend under network faults (QA 22)", { timeout: 10_000 }, () => {
  let repo: ServedRepository;
  let proxy: FaultServer;
  beforeAll(async () => {
    repo = await servedRepository("data");
    proxy = await startFaultServer(repo.server.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await repo?.cleanup();
  });

  function backend(options: HttpBackendOptions = {}): HttpBackend {
    proxy.rules = [];
    return new HttpBackend(proxy.url, "data", { retry: fastRetry, idleTimeout: 300, ...options });
  }

  describe("D2: a stalled server is an idle timeout, retried, then a typed error", () => {
    test("a body that stalls once is resumed", async () => {
      const data = randomBytes(200_000);
      await repo.seed("db/media/1.0.0/a.zip", data);
      const http = backend();
      proxy.rules = [{ match: /^GET .*a\.zip/, times: 1, action: "stall", after: 1000 }];
      expect(md5(await http.getBytes("db/media/1.0.0/a.zip"))).toBe(md5(data));
      expect(proxy.seen.at(-1)?.range).toBe("bytes=1000-");
    });

    test("a server that never answers fails with EndpointTimeoutError naming key and host", async () => {
      await repo.seed("db/1.0.0/db.yaml", randomBytes(100));
      const http = backend();
      proxy.rules = [{ match: /^GET .*db\.yaml/, times: -1, action: "stallHeaders" }];
      const error = await http.getBytes("db/1.0.0/db.yaml").then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(EndpointTimeoutError);
      expect((error as Error).message).toContain("db/1.0.0/db.yaml");
      expect((error as Error).message).toContain(proxy.url);
    });

    test("a stalled body read as a stream fails instead of hanging", async () => {
      await repo.seed("db/media/1.0.0/s.zip", randomBytes(100_000));
      const http = backend();
      proxy.rules = [{ match: /^GET .*s\.zip/, times: -1, action: "stall", after: 1000 }];
      const read = async (): Promise<void> => {
        for await (const _ of await http.getStream("db/media/1.0.0/s.zip")) void _;
      };
      await expect(read()).rejects.toThrow();
    });
  });

  test("D7: one retry layer: resets and 503s on every GET are tried `attempts` times, then a typed error", async () => {
    await repo.seed("db/media/1.0.0/m.zip", randomBytes(1000));
    const http = backend();
    for (const [action, type] of [["reset", EndpointUnreachableError], ["status", ServerError]] as const) {
      proxy.rules = [{ match: /^GET .*m\.zip/, times: -1, action, status: 503 } as never];
      const before = proxy.seen.length;
      const error = await http.getBytes("db/media/1.0.0/m.zip").then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain("db/media/1.0.0/m.zip");
      expect(proxy.seen.length - before).toBe(fastRetry.attempts);
    }
  });

  test("D6: a body shorter than its Content-Length is fetched again when the resume is refused (416)", async () => {
    const data = randomBytes(5000);
    await repo.seed("db/media/1.0.0/short.zip", data);
    const http = backend();
    proxy.rules = [{ match: /^GET .*short\.zip/, times: 1, action: "shortLength" }];
    expect(md5(await http.getBytes("db/media/1.0.0/short.zip"))).toBe(md5(data));
  });

  test("D3: a ranged read whose connection drops is resumed; one that keeps dropping fails typed, naming the key", async () => {
    const data = randomBytes(100_000);
    await repo.seed("db/media/1.0.0/big.zip", data);
    await expectRangedReadsResume(backend(), proxy, "db/media/1.0.0/big.zip", data);
  });

  test("D8: an index file whose connection drops is read again, not reported as invalid JSON", async () => {
    await repo.seed("idx/1.0.0/db.yaml", Buffer.from("name: idx\n"));
    const http = backend();
    proxy.rules = [{ match: /^GET .*\/idx\/index\.json/, times: 1, action: "truncate", after: 5 }];
    expect((await http.list("idx")).dirs).toEqual(["1.0.0"]);
    expect(proxy.seen.filter((r) => r.url.endsWith("/idx/index.json")).length).toBe(2);
  });
});
