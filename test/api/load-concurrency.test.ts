import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { spawnTsx, waitForOutput } from "../helpers/spawn-tsx.js";
import { FULL_FSDD, MINI_FSDD, hasFullFsdd, materialize, padRecordings } from "../helpers/fsdd-history.js";
import { publish } from "../../src/api/publish.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import "../../backends/index.js";

const child = join(import.meta.dirname, "../helpers/load-process.ts");
const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

const start = (args: string[]) => spawnTsx(child, args);

describe("several processes on one cache", () => {
  let host: string;
  let source: string;
  beforeAll(async () => {
    host = await tempDir("repo-");
    source = await tempDir("fsdd-");
    // the full recordings when available: loads then last long enough to race for real
    await materialize(hasFullFsdd ? FULL_FSDD : MINI_FSDD, "v1.0.10", source);
    await padRecordings(source, 1000);
    await writeFsddDatabase(source);
    await publish(source, "1.0.0", new Repository("data", host, "file-system"));
  }, 120_000);

  test("8 processes loading the same version all succeed with identical, correct files", { timeout: 180_000 }, async () => {
    const cacheRoot = await tempDir("cache-");
    const results = await Promise.all(Array.from({ length: 8 }, () => start([host, cacheRoot, "1.0.0"]).done));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const folders = new Set(results.map((r) => /folder (.*)/.exec(r.out)![1]));
    expect(folders.size).toBe(1);
    const folder = [...folders][0]!;
    expect(existsSync(join(folder, ".complete"))).toBe(true);
    const files = (await readdir(join(source, "recordings"))).map((f) => `recordings/${f}`);
    for (const f of files) expect(readFileSync(join(folder, f)).equals(readFileSync(join(source, f))), f).toBe(true);
    expect((await readdir(join(cacheRoot, "fsdd", "1.0.0"))).filter((e) => e.includes("~") || e.endsWith(".tmp"))).toEqual([]);
  });

  test("a process killed mid-load leaves the next load correct", { timeout: 180_000 }, async () => {
    const cacheRoot = await tempDir("cache-");
    const victim = start([host, cacheRoot, "1.0.0", "announce"]);
    await waitForOutput(victim, "downloading");
    victim.proc.kill("SIGKILL");
    await victim.done;
    configure({ repositories: [new Repository("data", host, "file-system")], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    const started = Date.now();
    const loaded = await loadToCache("fsdd", { version: "1.0.0" });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(existsSync(join(loaded.folder, ".complete"))).toBe(true);
    for (const f of loaded.media) expect(readFileSync(join(loaded.folder, f)).equals(readFileSync(join(source, f))), f).toBe(true);
    expect((await readdir(join(cacheRoot, "fsdd", "1.0.0"))).filter((e) => e.includes("~"))).toEqual([]);
  });
});
