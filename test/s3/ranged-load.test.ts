// load(name, { media: [one] }) out of a 500-file archive on S3 (moto, behind a byte-counting
// proxy) fetches only that member.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { S3Backend } from "../../backends/s3.js";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import type { S3TestServer } from "../helpers/s3-server.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { loadOneMember, publishBigArchive } from "./big-archive.js";
import { registerCounting } from "./fsdd-run.js";
import { freshBucket, motoSkipReason, startServer } from "./s3-fixture.js";

describe.skipIf(motoSkipReason !== null)("one member of a large archive on S3", () => {
  let server: S3TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    server = await startServer("moto");
    proxy = await startFaultProxy(server.endpoint);
    const credentials = server.credentials;
    registerCounting("counting-s3-ranged", (host, bucket) => new S3Backend(host, bucket, { credentials }));
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  test("transfers less than 5 % of the archive, counted at the proxy", { timeout: 180_000 }, async () => {
    const repo = new Repository(await freshBucket(server), proxy.url, "counting-s3-ranged");
    configure({ repositories: [repo] });
    const big = await publishBigArchive(repo);
    const backend = await repo.open();
    const archiveBytes = await backend.size(big.key);
    expect(archiveBytes).toBeGreaterThan(8 * 1024 * 1024);

    const path = `/${repo.name}/${big.key}`;
    const before = proxy.stats.bytesByPath.get(path) ?? 0;
    await loadOneMember(big.root, big.files[321]!);
    const sent = (proxy.stats.bytesByPath.get(path) ?? 0) - before;
    expect(sent).toBeGreaterThan(20_000);
    expect(sent).toBeLessThan(archiveBytes * 0.05);
  });
});
