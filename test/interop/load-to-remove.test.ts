// load_to and remove_media across implementations, on one repository:
//   audb-python publishes 1.0.0 and 2.0.0;
//   loadTo (ours) and audb.load_to fill the same folder contents;
//   audb-python publishes 2.1.0 from our loadTo folder (it accepts our db.csv);
//   we publish 2.2.0 from audb.load_to's folder (we accept its db.parquet);
//   removeMedia (ours) on every version; audb-python and audb-ts then load alike.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadToCache } from "../../src/api/load-cache.js";
import { loadTo } from "../../src/api/load-to.js";
import { publish } from "../../src/api/publish.js";
import { removeMedia } from "../../src/api/remove-media.js";
import { configure } from "../../src/api/settings.js";
import { extractArchive } from "../../src/core/archive.js";
import type { Dependencies } from "../../src/core/dependencies.js";
import { Repository } from "../../src/core/repository.js";
import { interopAvailable, listFiles, runBatch, type PyDependency, type PyLoad } from "./batch.js";
import { sineWav } from "./synthetic-db.js";

const available = await interopAvailable();
const VERSIONS = ["1.0.0", "2.0.0", "2.1.0", "2.2.0"];

/** Keys a version uploaded (its own `V` path segment). */
function uploadedKeys(host: string, version: string): string[] {
  return Object.keys(listFiles(join(host, "repo", "interop"))).filter((k) => k.split("/").includes(version)).sort();
}

describe.skipIf(!available.ok)("load_to and remove_media across audb-python and audb-ts", () => {
  let work: string;
  let host: string;
  let pyLoadTo: Record<string, string>;
  let tsLoadTo: Record<string, string>;
  let tsLoadToDeps: Dependencies;
  let pyPublished: PyDependency[];
  let tsPublished: Dependencies;
  let before: Record<string, PyDependency[]>;
  let after: Record<string, PyDependency[]>;
  let pyLoads: PyLoad[];
  let groupAfter: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "interop-loadto-"));
    host = join(work, "host");
    const repos = [host];
    const pyCache = join(work, "cache-py");
    const [, loadToFiles] = await runBatch([
      { op: "publish", build_root: join(work, "build"), repo_host: host, steps: ["v1", "v2"] },
      { op: "load_to", repos, name: "interop", root: join(work, "py-load-to"), version: "2.0.0", cache_root: pyCache },
    ]);
    pyLoadTo = loadToFiles as Record<string, string>;

    configure({ repositories: [new Repository("repo", host, "file-system")], cacheRoot: join(work, "cache-ts"), sharedCacheRoot: join(work, "no-shared") });
    const ours = join(work, "ts-load-to");
    tsLoadToDeps = await loadTo(ours, "interop", { version: "2.0.0" });
    tsLoadTo = listFiles(ours);

    // edit our loadTo folder: wav/a.wav re-recorded (same format); audb-python publishes it
    writeFileSync(join(ours, "wav/a.wav"), sineWav({ samplingRate: 8000, duration: 0.1, freq: 1000 }));
    const [published, pyLoadTo21] = await runBatch([
      { op: "publish_root", repos, root: ours, version: "2.1.0", previous_version: "2.0.0", cache_root: pyCache },
      { op: "load_to", repos, name: "interop", root: join(work, "py-load-to-2.1.0"), version: "2.1.0", cache_root: pyCache },
    ]);
    pyPublished = published as PyDependency[];
    void pyLoadTo21;

    // edit audb-python's load_to folder: wav/f.wav re-recorded; we publish it
    const theirs = join(work, "py-load-to-2.1.0");
    writeFileSync(join(theirs, "wav/f.wav"), sineWav({ samplingRate: 22050, duration: 0.03, freq: 2000 }));
    tsPublished = await publish(theirs, "2.2.0", new Repository("repo", host, "file-system"), { previousVersion: "2.1.0", checksum: "md5" });

    const depsOps = (cache: string) => VERSIONS.map((version) => ({ op: "dependencies", repos, name: "interop", version, cache_root: cache }));
    before = Object.fromEntries((await runBatch(depsOps(join(work, "cache-py-before")))).map((d, i) => [VERSIONS[i], d as PyDependency[]]));
    await removeMedia("interop", "wav/d.wav");
    const dir = await mkdtemp(join(work, "group-"));
    groupAfter = await extractArchive(join(host, "repo", "interop", "media", "1.0.0", "group.zip"), dir);
    const results = await runBatch([
      ...depsOps(join(work, "cache-py-after")),
      ...VERSIONS.map((version) => ({ op: "load", repos, name: "interop", version, cache_root: join(work, "cache-py-load") })),
    ]);
    after = Object.fromEntries(results.slice(0, VERSIONS.length).map((d, i) => [VERSIONS[i], d as PyDependency[]]));
    pyLoads = results.slice(VERSIONS.length) as PyLoad[];
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("loadTo fills the folder audb.load_to fills (we keep the dependency table as db.csv, it as db.parquet)", () => {
    // audb.load_to also leaves audformat's table pickles (db.<id>.pkl)
    const strip = (files: Record<string, string>, deps: string) => Object.fromEntries(Object.entries(files).filter(([f]) => f !== deps && !f.endsWith(".pkl")));
    expect(strip(tsLoadTo, "db.csv")).toEqual(strip(pyLoadTo, "db.parquet"));
    expect(Object.keys(tsLoadTo)).toContain("db.csv");
    expect(Object.keys(pyLoadTo)).toContain("db.parquet");
    expect(tsLoadToDeps.length).toBe(before["2.0.0"]!.length);
  });

  test("audb-python publishes from our loadTo folder, uploading only the changed file", () => {
    expect(pyPublished.find((d) => d.file === "wav/a.wav")?.version).toBe("2.1.0");
    expect(pyPublished.filter((d) => d.version === "2.1.0").map((d) => d.file)).toEqual(["wav/a.wav"]);
    // audb.publish keeps the form of the folder's dependency file: our db.csv goes up as db.zip
    expect(uploadedKeys(host, "2.1.0")).toEqual(["2.1.0/db.yaml", "2.1.0/db.zip", "media/2.1.0/2c1a56d3-9dd8-0d82-27a5-d0749746c75d.zip"]);
  });

  test("we publish from audb.load_to's folder, uploading only the changed file", () => {
    expect([...tsPublished.rows()].filter((r) => r.version === "2.2.0").map((r) => r.file)).toEqual(["wav/f.wav"]);
    const keys = uploadedKeys(host, "2.2.0");
    expect(keys.filter((k) => !/^2\.2\.0\/db\.(parquet|zip)$/.test(k))).toEqual(["2.2.0/db.yaml", "media/2.2.0/8c15e88d-1e23-b2c9-cc17-f029b6981389.zip"]);
    expect(existsSync(join(host, "repo", "interop", "2.2.0", "db.yaml"))).toBe(true);
    // audb-python read 2.2.0's dependency table as we wrote it
    expect(before["2.2.0"]!.map((d) => [d.file, d.version, d.checksum])).toEqual([...tsPublished.rows()].map((r) => [r.file, r.version, r.checksum]));
  });

  test("removeMedia: audb-python sees removed=1 in every version, nothing else changed", () => {
    for (const version of VERSIONS) {
      const expected = before[version]!.map((d) => (d.file === "wav/d.wav" ? { ...d, removed: 1 } : d));
      expect(before[version]!.find((d) => d.file === "wav/d.wav")?.removed, version).toBe(0);
      expect(after[version], version).toEqual(expected);
    }
    expect(groupAfter).toEqual(["wav/c.wav"]);
  });

  test("after removeMedia audb-python and audb-ts load the same files, without wav/d.wav", async () => {
    for (const [i, version] of VERSIONS.entries()) {
      const py = pyLoads[i]!;
      expect(Object.keys(py.files).some((f) => f.startsWith("wav/d.")), version).toBe(false);
      expect(py.tables!["segments"]!.index["file"], version).not.toContain("wav/d.wav");
      const ts = await loadToCache("interop", { version });
      const ours = listFiles(ts.folder);
      const theirs = Object.fromEntries(Object.entries(py.files).filter(([f]) => !f.endsWith(".pkl") && f !== "db.yaml"));
      expect(Object.fromEntries(Object.entries(ours).filter(([f]) => f !== "db.yaml")), version).toEqual(theirs);
      expect(readFileSync(join(ts.folder, "wav/c.wav")).length).toBeGreaterThan(44);
    }
  });
});

if (!available.ok) test.skip(available.reason, () => {});
