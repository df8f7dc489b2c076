import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { failures, resetFaults } from "../helpers/faulty-fs-backend.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { info } from "../../src/api/info.js";
import { load } from "../../src/api/load.js";
import { configure } from "../../src/api/settings.js";
import { MissingVersionError } from "../../src/core/errors.js";
import { Repository } from "../../src/core/repository.js";
import { BackendUnavailableError } from "../../backends/backend.js";

// QA 22 D9: with the only repository out of reach, the error said the database is in no
// repository (and, for HTTP, suggested writing index files) instead of that it could not be reached.

let cacheRoot: string;
let closedPort: number;

beforeAll(async () => {
  ({ cacheRoot } = await publishedFsdd("faulty-fs"));
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
});

const use = (...repositories: Repository[]) => configure({ repositories, cacheRoot: join(cacheRoot, String(Math.random())), sharedCacheRoot: join(cacheRoot, "none") });

test("an HTTP repository on a closed port: the error says it could not be reached, with host and cause, and no index hint", async () => {
  const host = `http://127.0.0.1:${closedPort}`;
  use(new Repository("data", host, "http"));
  const error = await load("fsdd", { version: "1.0.0" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendUnavailableError);
  const message = (error as Error).message;
  expect(message).toMatch(new RegExp(`^cannot look up 'fsdd' 1\\.0\\.0: no configured repository could be reached; data \\(http ${host}\\): .*ECONNREFUSED`));
  expect(message).not.toMatch(/not in any configured repository|http-index/);
});

test("a repository whose answers fail (e.g. 5xx): the error says it could not be reached", async () => {
  const { repo } = await publishedFsdd("faulty-fs");
  failures.failRead = /./;
  try {
    use(repo);
    await expect(load("fsdd", { version: "1.0.0" })).rejects.toThrow(/^cannot look up 'fsdd' 1\.0\.0: no configured repository could be reached; data \(faulty-fs .*\): read of 'fsdd\/1\.0\.0\/db\.yaml' failed/);
    const latest = await info.description("fsdd").catch((e: unknown) => e);
    expect(latest).toBeInstanceOf(BackendUnavailableError);
    expect((latest as Error).message).toMatch(/^cannot look up 'fsdd': no configured repository could be reached; data \(faulty-fs .*\): read of 'fsdd\//);
  } finally {
    resetFaults();
  }
});

test("when another repository answered, the database is not found there, and the unreachable one is named", async () => {
  const empty = new Repository("empty", await mkdtemp(join(tmpdir(), "repo-")), "file-system");
  use(empty, new Repository("data", `http://127.0.0.1:${closedPort}`, "http"));
  const error = await load("fsdd", { version: "1.0.0" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MissingVersionError);
  expect((error as Error).message).toMatch(/^database 'fsdd' is not in any configured repository \(empty, data\); could not ask data: .*ECONNREFUSED/);
  expect((error as Error).message).not.toMatch(/http-index/);
});
