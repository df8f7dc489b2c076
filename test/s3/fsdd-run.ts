// Publishes the FSDD history to a repository and loads versions back, recording what
// went over the wire at each step (through the counting wrapper), so runs on different
// backends can be compared key by key.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { registerBackend, type Backend } from "../../backends/backend.js";
import { countingBackend, resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { FSDD_TAGS, MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import type { Repository } from "../../src/core/repository.js";

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

/** Registers kind `kind` as `make(host, name)` wrapped in the counting backend. */
export function registerCounting(kind: string, make: (host: string, name: string) => Backend): void {
  registerBackend(kind, (host, name) => countingBackend(make(host, name)));
}

/** Keys uploaded and downloaded in one step, sorted (parallel transfers have no fixed order). */
export interface StepTraffic {
  step: string;
  puts: string[];
  gets: string[];
}

async function recorded(step: string, log: StepTraffic[], fn: () => Promise<unknown>): Promise<void> {
  resetTraffic();
  await fn();
  log.push({ step, puts: [...traffic.puts].sort(), gets: [...traffic.gets].sort() });
}

/** Materialises and publishes `tags` of the mini FSDD into `repo`; returns the source folder per version. */
export async function publishFsdd(repo: Repository, tags = FSDD_TAGS, log: StepTraffic[] = []): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const [tag, version] of tags) {
    const root = await tempDir(`fsdd-${tag}-`);
    await materialize(MINI_FSDD, tag, root);
    await writeFsddDatabase(root);
    await recorded(`publish ${version}`, log, () => publish(root, version, repo));
    sources.set(version, root);
  }
  return sources;
}

/**
 * Loads `versions` in order from the configured repositories into a fresh cache,
 * recording traffic, and checks every loaded file byte for byte against its source.
 */
export async function loadFsdd(versions: string[], sources: Map<string, string>, log: StepTraffic[] = []): Promise<void> {
  const cacheRoot = await tempDir("cache-");
  configure({ cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
  for (const version of versions) {
    let folder = "";
    let media: string[] = [];
    await recorded(`load ${version}`, log, async () => ({ folder, media } = await loadToCache("fsdd", { version })));
    expect(media.length).toBeGreaterThan(0);
    for (const f of media) expect(readFileSync(join(folder, f)).equals(readFileSync(join(sources.get(version)!, f))), f).toBe(true);
  }
}

/** The traffic of publishing all FSDD tags and loading three versions on `repo`. */
export async function fsddTraffic(repo: Repository, loadVersions = ["1.0.7", "1.0.8", "1.0.10"], tags = FSDD_TAGS): Promise<StepTraffic[]> {
  const log: StepTraffic[] = [];
  configure({ repositories: [repo] });
  const sources = await publishFsdd(repo, tags, log);
  await loadFsdd(loadVersions, sources, log);
  return log;
}
