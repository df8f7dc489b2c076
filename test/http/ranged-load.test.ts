// load(name, { media: [one] }) out of a 500-file archive over HTTP fetches only that member.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startStaticServer, type StaticHttpServer } from "../helpers/http-server.js";
import { writeHttpIndex } from "../../src/api/http-index.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { loadOneMember, publishBigArchive } from "../s3/big-archive.js";
import { tempDir } from "../s3/fsdd-run.js";

describe("one member of a large archive over HTTP", () => {
  let server: StaticHttpServer;
  let big: Awaited<ReturnType<typeof publishBigArchive>>;
  let archiveBytes: number;
  beforeAll(async () => {
    const host = await tempDir("repo-");
    const repo = new Repository("data", host, "file-system");
    configure({ repositories: [repo] });
    big = await publishBigArchive(repo);
    await writeHttpIndex(repo);
    archiveBytes = (await readFile(join(host, "data", big.key))).length;
    server = await startStaticServer(host);
    configure({ repositories: [new Repository("data", server.url, "http")] });
  }, 120_000);
  afterAll(async () => server?.stop());

  test("transfers less than 5 % of the archive", async () => {
    expect(big.files).toHaveLength(500);
    expect(archiveBytes).toBeGreaterThan(8 * 1024 * 1024);
    server.resetStats();
    await loadOneMember(big.root, big.files[137]!);
    const sent = server.stats.bytesByPath.get(`/data/${big.key}`) ?? 0;
    expect(sent).toBeGreaterThan(20_000); // the member itself came from the archive
    expect(sent).toBeLessThan(archiveBytes * 0.05);
  });

  test("half the members or more: the archive is fetched whole", async () => {
    const cacheRoot = await tempDir("cache-");
    configure({ cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
    server.resetStats();
    await loadToCache("fsdd", { media: big.files.slice(0, 250) });
    expect(server.stats.bytesByPath.get(`/data/${big.key}`)).toBe(archiveBytes);
  });
});
