import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { LockTimeoutError } from "./errors.js";

/** What `flock(1)` exits with when `--wait` runs out (`-E`): EX_TEMPFAIL. */
const TIMED_OUT = 75;
/** Lock files are group-writable, as audb-python makes them, for shared caches. */
const LOCK_FILE_MODE = 0o664;

/** False once `flock(1)` turned out to be missing (macOS, minimal containers). */
let flockAvailable = true;

/** The lock file audb-python's `FolderLock` takes for `folder`: `.<name>.lock` beside it. */
export const pythonLockFile = (folder: string) => join(dirname(folder), `.${basename(folder)}.lock`);

/**
 * audb-python's lock on a folder: an exclusive `flock(2)` on {@link pythonLockFile}, as its
 * `FolderLock` (the `filelock` package) takes it, so that an audb-python and an audb-ts load
 * of the same cache folder take turns. Node has no `flock`, so util-linux's `flock(1)` takes
 * it on a descriptor this process opened and passes on: the lock belongs to the open file,
 * stays after the child exits and goes when this process closes it (or ends).
 */
export class PythonFolderLock {
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Takes the lock of `folder`, waiting until `deadline` (ms since the epoch; Infinity: as
   * long as it takes). LockTimeoutError when it passes. Undefined, and nothing locked, where
   * the lock cannot be taken: no `flock(1)`, a file system without `flock`, a lock file this
   * user may not write (audb-python cannot lock there either).
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
        const outcome = await flockOn(handle, deadline);
        if (outcome === "timeout") throw new LockTimeoutError(`could not lock '${path}' in time: an audb-python process holds it`);
        if (outcome === "unavailable") return undefined;
        // audb-python never removes its lock files, but a user may have: a lock on a file
        // no longer at the path guards nothing, so start again on the one there now.
        locked = await stillAtPath(handle, path);
        if (locked) return new PythonFolderLock(handle);
      } finally {
        if (!locked) await handle.close();
      }
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

/** Runs `flock(1)` on the handle's descriptor until it holds the lock or `deadline` passes. */
function flockOn(handle: FileHandle, deadline: number): Promise<"locked" | "timeout" | "unavailable"> {
  const wait = deadline === Infinity ? [] : ["--wait", String(Math.max(0, (deadline - Date.now()) / 1000))];
  return new Promise((resolve) => {
    const child = spawn("flock", ["--exclusive", "--conflict-exit-code", String(TIMED_OUT), ...wait, "3"], {
      stdio: ["ignore", "ignore", "ignore", handle.fd],
    });
    child.on("error", (e) => {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") flockAvailable = false;
      resolve("unavailable");
    });
    // Any other failure (a file system without flock: ENOLCK) leaves the folder to our own lock.
    child.on("exit", (code) => resolve(code === 0 ? "locked" : code === TIMED_OUT ? "timeout" : "unavailable"));
  });
}

/** True when the locked file is the one at `path`. */
async function stillAtPath(handle: FileHandle, path: string): Promise<boolean> {
  const [held, there] = await Promise.all([handle.stat(), stat(path).catch(() => undefined)]);
  return held.nlink > 0 && there !== undefined && there.ino === held.ino && there.dev === held.dev;
}
