import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LockTimeoutError, OptionError } from "../../src/core/errors.js";
import { FolderLock, withFolderLock } from "../../src/core/lock.js";
import { PythonFolderLock, pythonLockFile } from "../../src/core/python-lock.js";

const folder = () => join(mkdtempSync(join(tmpdir(), "pylock-")), "1.0.0", "d3b07384");

describe("PythonFolderLock (flock on audb-python's .<name>.lock)", () => {
  test("is exclusive: a second holder waits until the first lets go, and times out naming the lock file", async () => {
    const dir = folder();
    const first = await PythonFolderLock.acquire(dir);
    expect(first).toBeDefined();
    const error = await PythonFolderLock.acquire(dir, Date.now() + 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain(join(dir, "..", ".d3b07384.lock"));
    const second = PythonFolderLock.acquire(dir, Date.now() + 10_000);
    await new Promise((r) => setTimeout(r, 200));
    await first!.release();
    await (await second)!.release();
  });

  test("creates the lock file group-writable beside the folder, as audb-python does for shared caches", async () => {
    const dir = folder();
    const lock = await PythonFolderLock.acquire(dir);
    expect(pythonLockFile(dir)).toBe(join(dir, "..", ".d3b07384.lock"));
    expect(statSync(pythonLockFile(dir)).mode & 0o777).toBe(0o664);
    await lock!.release();
  });

  test("withFolderLock: one timeout for our lock and audb-python's together", async () => {
    const dir = folder();
    const python = await PythonFolderLock.acquire(dir);
    const started = Date.now();
    await expect(withFolderLock(dir, async () => "in", 0.4)).rejects.toBeInstanceOf(LockTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    await python!.release();
    expect(await withFolderLock(dir, async () => "in", 5)).toBe("in");
  });

  test("a timeout too large for a timer waits as long as it takes; one that is no number is an OptionError", async () => {
    const dir = folder();
    const python = await PythonFolderLock.acquire(dir);
    let entered = false;
    const waiting = withFolderLock(dir, async () => (entered = true), 1e20);
    await new Promise((r) => setTimeout(r, 400));
    expect(entered).toBe(false);
    await python!.release();
    await waiting;
    expect(entered).toBe(true);
    await expect(withFolderLock(dir, async () => "in", Number.NaN)).rejects.toBeInstanceOf(OptionError);
    await expect(FolderLock.acquire(join(dir, "..", ".x.lock"), -1)).rejects.toThrow(/timeout must be a number of seconds >= 0/);
  });

  test("a process killed while it waits leaves no flock(1) behind", async () => {
    const dir = folder();
    const python = await PythonFolderLock.acquire(dir);
    const script = join(dir, "..", "wait.mts");
    writeFileSync(script, `import { PythonFolderLock } from ${JSON.stringify(join(import.meta.dirname, "../../src/core/python-lock.ts"))};
console.log("waiting"); await PythonFolderLock.acquire(${JSON.stringify(dir)});`);
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("waiting") && resolve()));
    await new Promise((r) => setTimeout(r, 500)); // a few attempts made
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    await new Promise((r) => setTimeout(r, 300));
    const lockFile = pythonLockFile(dir);
    const holders = readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === lockFile) && Number(pid) !== process.pid;
      } catch {
        return false; // gone, or not ours to look at
      }
    });
    expect(holders).toEqual([]);
    await python!.release();
  });

  // last: a missing flock(1) is remembered for the rest of the process
  test("without flock(1) (macOS) nothing is locked for audb-python, and our own lock still works", async () => {
    const dir = folder();
    const path = process.env["PATH"];
    process.env["PATH"] = join(dir, "no-such-bin");
    try {
      expect(await PythonFolderLock.acquire(dir)).toBeUndefined();
      expect(await withFolderLock(dir, async () => "in")).toBe("in");
    } finally {
      process.env["PATH"] = path;
    }
  });
});
