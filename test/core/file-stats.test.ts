import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileState, FileStats } from "../../src/core/file-stats.js";
import { fingerprintOf } from "../../src/core/stat-index.js";
import { PublishWorkers } from "../../src/api/publish-workers.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "audb-file-stats-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function makeFiles(count: number): string[] {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = `audio/${i % 7}/f${i}.wav`;
    mkdirSync(join(root, "audio", String(i % 7)), { recursive: true });
    writeFileSync(join(root, file), Buffer.alloc(i + 1, i % 256));
    files.push(file);
  }
  return files;
}

describe("FileStats", () => {
  it("records what lstat finds: files with their fingerprints, symbolic links, folders, missing files", () => {
    const [a, b] = makeFiles(2);
    symlinkSync(join(root, a!), join(root, "link.wav"));
    mkdirSync(join(root, "folder.wav"));
    const stats = FileStats.create(root, [a!, "link.wav", "folder.wav", "gone.wav", b!]);
    stats.complete();

    expect(Array.from(stats.state)).toEqual([FileState.file, FileState.symlink, FileState.other, FileState.missing, FileState.file]);
    expect(stats.fingerprintAt(0)).toEqual(fingerprintOf(statSync(join(root, a!))));
    expect(stats.fingerprintAt(4)).toEqual(fingerprintOf(statSync(join(root, b!))));
    expect(stats.fingerprintAt(1)).toBeUndefined(); // only regular files have fingerprints
    expect(stats.fingerprintAt(3)).toBeUndefined();
    expect([0, 1, 2, 3, 4].map((i) => stats.onDisk(i))).toEqual([true, true, false, false, true]);
  });

  it("takes a file in a folder that is a symbolic link for a link, and a path through a file for missing", () => {
    const [a] = makeFiles(1);
    mkdirSync(join(root, "elsewhere"));
    writeFileSync(join(root, "elsewhere", "x.wav"), "x");
    symlinkSync(join(root, "elsewhere"), join(root, "linked"));
    const stats = FileStats.create(root, ["linked/x.wav", `${a!}/inside.wav`, "elsewhere/x.wav"]);
    stats.complete();
    expect(Array.from(stats.state)).toEqual([FileState.symlink, FileState.missing, FileState.file]);
  });

  it("handles an empty list", () => {
    const stats = FileStats.create(root, []);
    stats.complete();
    expect(stats.state.length).toBe(0);
  });

  it("is filled by a worker, by this thread, or by both, each file exactly once", async () => {
    const files = makeFiles(3000);
    const workers = new PublishWorkers(1);
    const check = (stats: FileStats) => {
      expect(Array.from(stats.state).every((s) => s === FileState.file)).toBe(true);
      files.forEach((f, i) => expect(stats.size[i]).toBe(statSync(join(root, f)).size));
    };
    try {
      const byWorker = FileStats.create(root, files);
      expect(await workers.helpStat(byWorker)).toBe(files.length); // this thread does not work on it
      byWorker.complete(); // nothing left: returns at once
      check(byWorker);

      const byThis = FileStats.create(root, files);
      expect(byThis.work()).toBe(files.length);
      expect(await workers.helpStat(byThis)).toBe(0); // all claimed before the worker saw it
      check(byThis);

      const shared = FileStats.create(root, files);
      const helping = workers.helpStat(shared);
      const here = shared.work();
      shared.complete();
      expect(here + (await helping)).toBe(files.length);
      check(shared);
    } finally {
      await workers.close();
    }
  });

  it("does the files of a helper that claimed a chunk and stopped", async () => {
    const files = makeFiles(300);
    const stats = FileStats.create(root, files);
    // A helper claims the first chunk (counter 0 of the shared buffer) and never finishes it.
    const claimer = new Worker(
      `const { workerData } = require("node:worker_threads"); Atomics.add(new Int32Array(workerData.buffer, 0, 2), 0, 128);`,
      { eval: true, workerData: stats.shared },
    );
    await new Promise((resolve) => claimer.once("exit", resolve));
    stats.complete();
    expect(Array.from(stats.state).every((s) => s === FileState.file)).toBe(true);
  });
});
