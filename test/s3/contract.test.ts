import { afterAll, beforeAll, describe } from "vitest";
import type { S3TestServer } from "../helpers/s3-server.js";
import { backendContract } from "../backends/contract.js";
import { freshBackend, motoSkipReason, startServer, type ServerKind } from "./s3-fixture.js";

for (const kind of ["moto", "s3rver"] as ServerKind[]) {
  describe.skipIf(kind === "moto" && motoSkipReason !== null)(`S3Backend on ${kind}`, () => {
    let server: S3TestServer | undefined;
    beforeAll(async () => {
      server = await startServer(kind);
    });
    afterAll(async () => {
      await server?.stop();
    });
    // s3rver ignores If-None-Match: putBytesIfAbsent is a check, then a write, there
    backendContract(`s3 (${kind})`, () => freshBackend(server!), { atomicIfAbsent: kind === "moto" });
  });
}
