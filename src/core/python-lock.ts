import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { LockError, LockTimeoutError } from "./errors.js";

/** Between two attempts while audb-python holds the lock (filelock polls every 50 ms). */
const POLL_MS = 50;
/** Lock files are group-writable, as audb-python makes them, for shared caches. */
const LOCK_FILE_MODE = 0o664;

/** False once `flock(1)` turned out to be missing (macOS, minimal containers). */
let flockAvailable = true;

/** The lock file audb-python's `FolderLock` takes for `folder`: `.<name>.lock` beside it. */
export const pythonLockFile = (folder: string) => join(dirname(folder), `.${basename(folder)}.lock`);

/**
 * audb-python's lock on a folder: an exclusive `flock(2)` on {@link pythonLockFile}, as its
 * `FolderLock` (the `filelock` package) takes it, so that an audb-python and an audb-ts load
 * of the same cache folder take turns. Node has no `flock`, so `flock(1)` (util-linux or
 * BusyBox) takes it on a descriptor this process opened and passes on: the lock belongs to
 * the open file, stays after the child exits and goes when this process closes it (or
 * ends). Each attempt is non-blocking (`flock -n`) and Node polls, as filelock does, so no
 * child outlives an attempt and the deadline is kept here.
 */
export class PythonFolderLock {
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Takes the lock of `folder`, waiting until `deadline` (ms since the epoch; Infinity: as
   * long as it takes). LockTimeoutError when it passes. Undefined, and nothing locked, where
   * the lock cannot be taken: no `flock(1)`, a file system without `flock` (ENOLCK), a lock
   * file this user may not write (audb-python cannot lock there either). Another failure
   * of `flock(1)` is an error naming it.
   */
  static async acquire(folder: string, deadline = Infinity): Promise<PythonFolderLock | undefined> {
    const path = pythonLockFile(folder);
    await mkdir(dirname(path), { recursive: true });
    for (;;) {
      if (!flockAvailable) return undefined;
      const handle = await openLockFile(path);
      if (!handle) return undefined;
      let locked = false;
      try {
        const outcome = await tryFlock(handle, path);
        if (outcome === "unavailable") return undefined;
        // audb-python never removes its lock files, but a user may have: a lock on a file
        // no longer at the path guards nothing, so start again on the one there now.
        if (outcome === "locked") locked = await stillAtPath(handle, path);
        if (locked) return new PythonFolderLock(handle);
      } finally {
        if (!locked) await handle.close();
      }
      if (Date.now() > deadline) throw new LockTimeoutError(`could not lock '${path}' in time: an audb-python process holds it`);
      await new Promise((r) => setTimeout(r, POLL_MS + Math.random() * POLL_MS));
    }
  }

  /** Releases the lock (closes the only descriptor that holds it). */
  async release(): Promise<void> {
    await this.handle.close();
  }
}

/** Opens (creating it if needed) the lock file; undefined where this user may not write it. */
async function openLockFile(path: string): Promise<FileHandle | undefined> {
  for (;;) {
    try {
      const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, LOCK_FILE_MODE);
      await handle.chmod(LOCK_FILE_MODE).catch(() => undefined); // past the umask, as filelock does
      return handle;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return deniedOrThrow(e);
    }
    try {
      return await open(path, constants.O_RDWR);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return deniedOrThrow(e); // ENOENT: removed in between
    }
  }
}

function deniedOrThrow(e: unknown): undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return undefined;
  throw e;
}

/**
 * One non-blocking `flock -n` on the handle's descriptor: "busy" when another process holds
 * the lock (exit 1 with nothing said, in util-linux and BusyBox alike).
 */
function tryFlock(handle: FileHandle, path: string): Promise<"locked" | "busy" | "unavailable"> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["-x", "-n", "3"], { stdio: ["ignore", "ignore", "pipe", handle.fd] });
    let said = "";
    child.stderr!.on("data", (b: Buffer) => (said += b.toString()));
    child.on("error", (e) => {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return reject(e);
      flockAvailable = false;
      resolve("unavailable");
    });
    child.on("close", (code) => {
      if (code === 0) resolve("locked");
      else if (code === 1 && said.trim() === "") resolve("busy");
      // a file system without flock: audb-python falls back to a lock file's existence there
      else if (/no locks available|not supported/i.test(said)) resolve("unavailable");
      else reject(new LockError(`could not lock '${path}' with flock(1) (exit ${code}): ${said.trim()}`));
    });
  });
}

/** True when the locked file is the one at `path`. */
async function stillAtPath(handle: FileHandle, path: string): Promise<boolean> {
  const [held, there] = await Promise.all([handle.stat(), stat(path).catch(() => undefined)]);
  return held.nlink > 0 && there !== undefined && there.ino === held.ino && there.dev === held.dev;
}
