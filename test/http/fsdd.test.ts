// A file-system repository holding the FSDD history, indexed with writeHttpIndex and
// served as static files, loads read-only over HTTP with the file system's downloads.
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { ReadOnlyBackendError } from "../../backends/backend.js";
import { HttpBackend } from "../../backends/http.js";
import { dependencies } from "../../src/api/discovery.js";
import { publish } from "../../src/api/publish.js";
import { removeMedia } from "../../src/api/remove-media.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { MissingVersionError } from "../../src/core/errors.js";
import { startStaticServer, type StaticHttpServer } from "../helpers/http-server.js";
import { writeHttpIndex } from "../../src/api/http-index.js";
import { latestVersionIn } from "../../src/api/resolve.js";
import { configure } from "../../src/api/settings.js";
import { listDatabases, listVersions } from "../../src/core/layout.js";
import { Repository } from "../../src/core/repository.js";
import { FSDD_TAGS } from "../helpers/fsdd-history.js";
import { loadFsdd, publishFsdd, registerCounting, tempDir, type StepTraffic } from "../s3/fsdd-run.js";

registerCounting("counting-fs-http", (host, name) => new FileSystemBackend(join(host, name)));
registerCounting("counting-http", (host, name) => new HttpBackend(host, name));

const LOADED = ["1.0.7", "1.0.8", "1.0.10"];

describe("FSDD history over HTTP", () => {
  let host: string;
  let sources: Map<string, string>;
  let server: StaticHttpServer;
  beforeAll(async () => {
    host = await tempDir("repo-");
    const repo = new Repository("data", host, "file-system");
    configure({ repositories: [repo] });
    sources = await publishFsdd(repo);
    await writeHttpIndex(repo);
    server = await startStaticServer(host);
  }, 120_000);
  afterAll(async () => server?.stop());

  test("writeHttpIndex lists the datasets at the root and the versions of each", async () => {
    expect(JSON.parse(await readFile(join(host, "data", "index.json"), "utf8"))).toEqual({ datasets: ["fsdd"] });
    const versions = JSON.parse(await readFile(join(host, "data", "fsdd", "versions.json"), "utf8")) as { versions: string[] };
    expect(versions.versions).toEqual(FSDD_TAGS.map(([, v]) => v));
    const http = new HttpBackend(server.url, "data");
    expect(await listDatabases(http)).toEqual(["fsdd"]);
    expect(await listVersions(http, "fsdd")).toEqual(versions.versions);
  });

  test("loads three versions, downloading what the file system downloads", { timeout: 120_000 }, async () => {
    const onFileSystem: StepTraffic[] = [];
    configure({ repositories: [new Repository("data", host, "counting-fs-http")] });
    await loadFsdd(LOADED, sources, onFileSystem);

    const overHttp: StepTraffic[] = [];
    configure({ repositories: [new Repository("data", server.url, "counting-http")] });
    server.resetStats();
    await loadFsdd(LOADED, sources, overHttp);
    expect(overHttp).toEqual(onFileSystem);
    expect(onFileSystem.every((s) => s.gets.length > 0)).toBe(true);
    expect(server.stats.requests.other).toBe(0);
    expect(server.stats.requests.GET).toBeGreaterThanOrEqual(onFileSystem.flatMap((s) => s.gets).length);
  });

  test("the latest version resolves through the index files", async () => {
    configure({ repositories: [new Repository("data", server.url, "http")] });
    expect(await latestVersionIn("fsdd")).toBe(FSDD_TAGS.at(-1)![1]);
  });

  test("without index files, the latest version is not found and the error says why; a named version still loads", async () => {
    configure({ repositories: [new Repository("data", server.url, "http")] });
    const indexes = [join(host, "data", "index.json"), join(host, "data", "fsdd", "versions.json")];
    await Promise.all(indexes.map((f) => rename(f, `${f}.away`)));
    try {
      const err = await latestVersionIn("fsdd").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingVersionError);
      expect((err as Error).message).toBe(
        "database 'fsdd' is not in any configured repository (data); HTTP repositories (data) list versions from 'fsdd/versions.json': " +
          "if the server has no index files, name the version, or write them with `audb http-index` (writeHttpIndex) on the repository it mirrors",
      );
      const version = FSDD_TAGS[0]![1]; // not loaded by the tests before
      expect(LOADED).not.toContain(version);
      expect((await dependencies("fsdd", { version })).media.length).toBeGreaterThan(0);
    } finally {
      await Promise.all(indexes.map((f) => rename(`${f}.away`, f)));
    }
  });

  test("publish to an HTTP repository is refused before anything is hashed, naming it read-only", async () => {
    const mirror = new Repository("data", server.url, "http");
    const phases: string[] = [];
    const err = await publish(sources.get("1.0.10")!, "9.0.0", mirror, { onProgress: (e) => phases.push(e.phase) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadOnlyBackendError);
    expect((err as Error).message).toBe(`repository 'data' (http, ${server.url}) is read-only: publish to the repository it serves`);
    expect(phases).toEqual([]);
  });

  test("removeMedia with an HTTP mirror configured changes the repository and leaves the mirror (it serves the change)", async () => {
    const file = [...(await dependencies("fsdd", { version: "1.0.10" })).media].find((f) => f.includes("_theo_"))!;
    configure({ repositories: [new Repository("data", server.url, "http"), new Repository("data", host, "file-system")] });
    await removeMedia("fsdd", file);
    for (const repository of [new Repository("data", host, "file-system"), new Repository("data", server.url, "http")]) {
      const backend = await repository.open();
      expect((await fetchDependencies(backend, "fsdd", "1.0.10")).removed(file), repository.backendKind).toBe(true);
    }
    configure({ repositories: [new Repository("data", server.url, "http")] });
    await expect(removeMedia("fsdd", file)).rejects.toThrow(
      "database 'fsdd' is not in any configured repository that can be changed (data); read-only, not changed: data",
    );
  });
});
