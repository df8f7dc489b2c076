// The FSDD history published to and loaded from S3 (moto, s3rver) moves exactly the
// objects it moves on the file system.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { S3Backend } from "../../backends/s3.js";
import { FSDD_TAGS } from "../helpers/fsdd-history.js";
import { configure } from "../../src/api/settings.js";
import { writeHttpIndex } from "../../src/api/http-index.js";
import type { S3TestServer } from "../helpers/s3-server.js";
import { Repository } from "../../src/core/repository.js";
import { fsddTraffic, publishFsdd, registerCounting, tempDir, type StepTraffic } from "./fsdd-run.js";
import { freshBucket, motoSkipReason, startServer, type ServerKind } from "./s3-fixture.js";

registerCounting("counting-fs-fsdd", (host, name) => new FileSystemBackend(join(host, name)));

const servers = new Map<ServerKind, S3TestServer>();
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

/** A repository on a fresh bucket of a server of `kind`, counted like the file-system one. */
async function s3Repository(kind: ServerKind): Promise<Repository> {
  let server = servers.get(kind);
  if (!server) servers.set(kind, (server = await startServer(kind)));
  const credentials = server.credentials;
  registerCounting(`counting-${kind}`, (host, bucket) => new S3Backend(host, bucket, { credentials }));
  return new Repository(await freshBucket(server), server.endpoint, `counting-${kind}`);
}

function expectSameTraffic(actual: StepTraffic[], expected: StepTraffic[]): void {
  expect(actual.map((s) => s.step)).toEqual(expected.map((s) => s.step));
  for (const [i, step] of expected.entries()) {
    expect(actual[i]!.puts, `uploads of ${step.step}`).toEqual(step.puts);
    expect(actual[i]!.gets, `downloads of ${step.step}`).toEqual(step.gets);
  }
}

describe.skipIf(motoSkipReason !== null)("FSDD history on S3", () => {
  let onFileSystem: StepTraffic[];
  beforeAll(async () => {
    onFileSystem = await fsddTraffic(new Repository("data", await tempDir("repo-"), "counting-fs-fsdd"));
    // the comparison means something only if publishing and loading moved objects
    expect(onFileSystem.every((s) => s.puts.length + s.gets.length > 0)).toBe(true);
  }, 300_000);

  test("moto: publish all tags and load three versions with the file system's uploads and downloads", { timeout: 300_000 }, async () => {
    expectSameTraffic(await fsddTraffic(await s3Repository("moto")), onFileSystem);
  });

  test("s3rver: publish two tags and load both with the file system's uploads and downloads", { timeout: 120_000 }, async () => {
    const tags = FSDD_TAGS.slice(0, 2);
    const versions = tags.map(([, v]) => v);
    const expected = await fsddTraffic(new Repository("data", await tempDir("repo-"), "counting-fs-fsdd"), versions, tags);
    expectSameTraffic(await fsddTraffic(await s3Repository("s3rver"), versions, tags), expected);
  });

  test("writeHttpIndex writes the index files into a bucket and refreshes them after a publish", { timeout: 120_000 }, async () => {
    const repo = await s3Repository("moto");
    configure({ repositories: [repo] }); // this repository alone: "latest" is looked for in every configured one
    const backend = await repo.open();
    const read = async (key: string) => JSON.parse(new TextDecoder().decode(await backend.getBytes(key))) as unknown;
    await publishFsdd(repo, FSDD_TAGS.slice(0, 1));
    await writeHttpIndex(repo);
    expect(await read("index.json")).toEqual({ datasets: ["fsdd"] });
    expect(await read("fsdd/versions.json")).toEqual({ versions: [FSDD_TAGS[0]![1]] });
    await publishFsdd(repo, FSDD_TAGS.slice(1, 2));
    await writeHttpIndex(repo);
    expect(await read("fsdd/versions.json")).toEqual({ versions: FSDD_TAGS.slice(0, 2).map(([, v]) => v) });
  });
});
