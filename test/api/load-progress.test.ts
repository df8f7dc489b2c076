import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { publishedFsdd } from "../helpers/fsdd-db.js";
import { publish } from "../../src/api/publish.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { loadTo } from "../../src/api/load-to.js";
import type { ProgressEvent } from "../../src/core/progress.js";

// QA 23: phases that never finished (`reuse` of a version whose other files are then
// downloaded, `check` of cached files) and a load-to that hashed the folder silently.

/** The last event of each phase: a progress bar ends where its phase ends. */
function lastOfEach(events: ProgressEvent[]): Map<string, ProgressEvent> {
  return new Map(events.map((e) => [e.phase, e]));
}

test("every phase of a load and a load-to ends at its total: checking and reusing cached files, hashing a load-to folder", async () => {
  const { repo, source, files } = await publishedFsdd("file-system");
  await copyFile(join(source, files[1]!), join(source, files[0]!)); // changed: downloaded, not reused
  await publish(source, "1.1.0", repo);

  await loadToCache("fsdd", { version: "1.0.0" });
  const events: ProgressEvent[] = [];
  await loadToCache("fsdd", { version: "1.1.0", onProgress: (e) => events.push(e) });
  const last = lastOfEach(events);
  expect(last.get("reuse")).toEqual({ phase: "reuse", done: files.length, total: files.length });
  expect(last.get("check")).toEqual({ phase: "check", done: files.length, total: files.length });
  for (const [phase, e] of last) if (e.total !== undefined && phase !== "done") expect(e.done, phase).toBe(e.total);

  const folder = await mkdtemp(join(tmpdir(), "load-to-"));
  await loadTo(folder, "fsdd", { version: "1.1.0" });
  const again: ProgressEvent[] = [];
  await loadTo(folder, "fsdd", { version: "1.1.0", onProgress: (e) => again.push(e) });
  const hashed = lastOfEach(again).get("hash");
  expect(hashed).toMatchObject({ done: hashed!.total });
  expect(hashed!.total).toBeGreaterThanOrEqual(files.length); // the media and the tables
});
