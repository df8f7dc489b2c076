import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LockTimeoutError, OptionError } from "../../src/core/errors.js";
import { FolderLock, ownLockFile, withFolderLock } from "../../src/core/lock.js";
import { PythonFolderLock, pythonLockFile } from "../../src/core/python-lock.js";

/** Root with setpriv(1): a child can run as nobody. */
const asOtherUser = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;

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
    expect(await Promise.race([second.then(() => "taken"), new Promise((r) => setTimeout(() => r("waiting"), 300))])).toBe("waiting");
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

  test("withFolderLock: one timeout for our lock and audb-python's together, not one each", async () => {
    const dir = folder();
    const python = await PythonFolderLock.acquire(dir);
    const ours = await FolderLock.acquire(ownLockFile(dir));
    setTimeout(() => void ours.release(), 600); // ours is free after 0.6 s, audb-python's never
    const started = Date.now();
    await expect(withFolderLock(dir, async () => "in", 1)).rejects.toBeInstanceOf(LockTimeoutError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(1400); // a timeout each would wait 0.6 + 1 s
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

  test("a file system without flock (ENOSYS, ENOLCK): our lock only, and no lock file left that audb-python's fallback would take for a holder", async () => {
    const bin = mkdtempSync(join(tmpdir(), "fake-flock-"));
    const path = process.env["PATH"];
    try {
      for (const [said, code] of [["flock: 3: Function not implemented", 65], ["flock: 3: No locks available", 71], ["", 71]] as const) {
        writeFileSync(join(bin, "flock"), `#!/bin/sh\n[ -n "${said}" ] && echo "${said}" >&2\nexit ${code}\n`);
        chmodSync(join(bin, "flock"), 0o755);
        process.env["PATH"] = `${bin}:${path}`;
        const dir = folder();
        expect(await PythonFolderLock.acquire(dir)).toBeUndefined();
        expect(existsSync(pythonLockFile(dir))).toBe(false);
        expect(await withFolderLock(dir, async () => "in")).toBe("in");
      }
      writeFileSync(join(bin, "flock"), "#!/bin/sh\necho 'flock: 3: Bad file descriptor' >&2\nexit 66\n");
      const dir = folder();
      mkdirSync(join(dir, ".."), { recursive: true });
      writeFileSync(pythonLockFile(dir), ""); // audb-python's, from before: stays
      await expect(PythonFolderLock.acquire(dir)).rejects.toThrow(/could not lock '.*\.d3b07384\.lock' with flock\(1\) \(exit 66\): flock: 3: Bad file descriptor/);
      expect(existsSync(pythonLockFile(dir))).toBe(true);
    } finally {
      process.env["PATH"] = path;
    }
  });

  test.skipIf(!asOtherUser)("another user's lock file this user may not write still counts: it is locked read-only", async () => {
    const dir = mkdtempSync("/tmp/audb-pylock-shared-"); // outside the test run's private temp folder
    try {
      chmodSync(dir, 0o755);
      const cache = join(dir, "1.0.0", "d3b07384");
      const held = await PythonFolderLock.acquire(cache); // root's lock file, 0664: not writable for nobody
      chmodSync(pythonLockFile(cache), 0o644);
      const script = join(dir, "try.mts");
      writeFileSync(script, `import { PythonFolderLock } from ${JSON.stringify(join(import.meta.dirname, "../../src/core/python-lock.ts"))};
try { console.log(String(await PythonFolderLock.acquire(${JSON.stringify(cache)}, Date.now() + 300))); } catch (e) { console.log(e.name); }`);
      chmodSync(script, 0o644);
      const scratch = join(dir, "tmp"); // tsx's cache, nobody's to write
      mkdirSync(scratch);
      chmodSync(scratch, 0o1777);
      const out = execFileSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", script], {
        encoding: "utf8", cwd: join(import.meta.dirname, "../.."), env: { ...process.env, HOME: scratch, TMPDIR: scratch },
      });
      expect(out.trim()).toBe("LockTimeoutError");
      await held!.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
