import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FolderLock, withLock } from "../../src/core/lock.js";
import { LockTimeoutError } from "../../src/core/errors.js";

const holder = join(import.meta.dirname, "../helpers/lock-holder.ts");

function run(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", holder, ...args], { stdio: ["ignore", "pipe", "inherit"] });
}

describe("FolderLock", () => {
  test("processes take turns: critical sections never overlap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const log = join(dir, "log");
    writeFileSync(log, "");
    const children = Array.from({ length: 4 }, () => run([join(dir, ".lock"), "turn", log]));
    await Promise.all(children.map((c) => new Promise((r) => c.on("exit", r))));
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(8);
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]!.startsWith("in ")).toBe(true);
      expect(lines[i + 1]).toBe(lines[i]!.replace("in", "out"));
    }
  });

  test("a lock of a killed process is broken quickly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const path = join(dir, ".lock");
    const child = run([path, "hold", ""]);
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve()));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const started = Date.now();
    const lock = await FolderLock.acquire(path, 10);
    expect(Date.now() - started).toBeLessThan(10_000);
    await lock.release();
  });

  test("a lock of a stopped process (Ctrl-Z) is kept however old its heartbeat; one whose pid names a later process is broken", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const path = join(dir, ".lock");
    const child = run([path, "hold", ""]);
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve()));
    const old = new Date(Date.now() - 60_000); // as if stopped for a minute: no heartbeat since
    try {
      child.kill("SIGSTOP");
      utimesSync(path, old, old);
      await expect(FolderLock.acquire(path, 0.5)).rejects.toThrow(LockTimeoutError);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
    }

    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), time: 1_000_000 })); // taken in 1970: not by this process
    utimesSync(path, old, old);
    const lock = await FolderLock.acquire(path, 5);
    await lock.release();
  });

  test("a lock held by a live process times out with a typed error naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    const path = join(dir, ".lock");
    await withLock(path, async () => {
      await expect(FolderLock.acquire(path, 0.2)).rejects.toThrow(LockTimeoutError);
      await expect(FolderLock.acquire(path, 0.2)).rejects.toThrow(path);
    });
  });
});
