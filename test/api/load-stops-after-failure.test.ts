import { join } from "node:path";
import { expect, test } from "vitest";
import { BackendUnavailableError, registerBackend, type Backend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";

// QA 22 D7: after one media archive failed for good, the loader still started further
// archive downloads (p-limit ran the next queued task before the failure was noted).

const isMedia = (key: string) => key.includes("/media/");
/** Media GETs in the order they started, with the time each started and when the first failed. */
const log = { starts: [] as { key: string; at: number }[], failedAt: Infinity };

/** The first media GET fails for good after 50 ms; the others take 400 ms. */
function gatedBackend(inner: FileSystemBackend): Backend {
  const gate = async (key: string): Promise<void> => {
    if (!isMedia(key)) return;
    const first = log.starts.length === 0;
    log.starts.push({ key, at: performance.now() });
    await new Promise((r) => setTimeout(r, first ? 50 : 400));
    if (!first) return;
    log.failedAt = performance.now();
    throw new BackendUnavailableError(`server error 503 (SlowDown) for key '${key}' (injected)`);
  };
  return Object.assign(Object.create(inner) as FileSystemBackend, {
    kind: "gated-fs",
    getBytes: async (k: string) => { await gate(k); return inner.getBytes(k); },
    getFile: async (k: string, d: string) => { await gate(k); return inner.getFile(k, d); },
  });
}
registerBackend("gated-fs", (host, name) => gatedBackend(new FileSystemBackend(join(host, name))));

test("after one archive failed for good no further archive download starts, and the load rejects naming the key", async () => {
  const { repo, files, cacheRoot } = await publishedFsdd("file-system");
  configure({ repositories: [new Repository("data", repo.host, "gated-fs")], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });

  const wanted = files.slice(0, 4); // one archive each: 4 archives, 2 workers
  const error = await loadToCache("fsdd", { version: "1.0.0", media: wanted, numWorkers: 2 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendUnavailableError);
  const failedKey = log.starts[0]!.key;
  expect((error as Error).message).toContain(`'${failedKey}'`);
  expect(log.starts.filter((s) => s.at >= log.failedAt)).toEqual([]);
  expect(log.starts).toHaveLength(2);
});
