import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { mkdir, open, rm, stat, type FileHandle } from "node:fs/promises";
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
   * long as it takes). LockTimeoutError when it passes, naming `timeout` (seconds).
   * Undefined, and nothing locked, where the lock cannot be taken: no `flock(1)`, a file
   * system without `flock` (ENOLCK, ENOSYS), a lock file this user may not even read or
   * create (audb-python cannot lock there either). Another failure of `flock(1)` is a
   * LockError naming it.
   */
  static async acquire(folder: string, deadline = Infinity, timeout = (deadline - Date.now()) / 1000): Promise<PythonFolderLock | undefined> {
    const path = pythonLockFile(folder);
    await mkdir(dirname(path), { recursive: true });
    for (;;) {
      if (!flockAvailable) return undefined;
      const file = await openLockFile(path);
      if (!file) return undefined;
      const { handle, created } = file;
      let locked = false;
      try {
        const outcome = await tryFlock(handle, path);
        if (outcome === "unavailable") {
          // audb-python's fallback there takes an existing lock file for a holder
          if (created) await rm(path, { force: true });
          return undefined;
        }
        // audb-python never removes its lock files, but a user may have: a lock on a file
        // no longer at the path guards nothing, so start again on the one there now.
        if (outcome === "locked") locked = await stillAtPath(handle, path);
        if (locked) return new PythonFolderLock(handle);
      } finally {
        if (!locked) await handle.close();
      }
      if (Date.now() > deadline) {
        throw new LockTimeoutError(`could not lock '${path}' within ${timeout} s: another process (audb-python?) holds it`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS + Math.random() * POLL_MS));
    }
  }

  /** Releases the lock (closes the only descriptor that holds it). */
  async release(): Promise<void> {
    await this.handle.close();
  }
}

/** The open lock file, and whether this attempt created it (then it is ours to remove). */
interface LockFile {
  handle: FileHandle;
  created: boolean;
}

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR } = constants;

/**
 * Opens (creating it if needed) the lock file, not through a symbolic link, as filelock
 * does; read-only where this user may not write it (flock needs no write access), so
 * another user's lock in a shared cache still counts. Undefined where it cannot be opened.
 */
async function openLockFile(path: string): Promise<LockFile | undefined> {
  for (;;) {
    try {
      const handle = await open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, LOCK_FILE_MODE);
      await handle.chmod(LOCK_FILE_MODE).catch(() => undefined); // past the umask, as filelock does
      return { handle, created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return deniedOrThrow(e);
    }
    for (const flags of [O_RDWR, O_RDONLY]) {
      try {
        return { handle: await open(path, flags | O_NOFOLLOW), created: false };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break; // removed in between: create it again
        if (flags === O_RDONLY || (code !== "EACCES" && code !== "EPERM")) return deniedOrThrow(e);
      }
    }
  }
}

function deniedOrThrow(e: unknown): undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ELOOP") return undefined;
  throw e;
}

/**
 * What flock(1) says where the file system has no `flock` (ENOLCK, ENOSYS, EOPNOTSUPP);
 * util-linux exits with EX_OSERR (71) for ENOLCK. audb-python falls back to a lock file's
 * existence there.
 */
const NO_FLOCK = /no locks available|function not implemented|not supported/i;

/**
 * One non-blocking `flock -n` on the handle's descriptor: "busy" when another process holds
 * the lock (exit 1 with nothing said, in util-linux and BusyBox alike). Messages in the C
 * locale, so that they can be told apart.
 */
function tryFlock(handle: FileHandle, path: string): Promise<"locked" | "busy" | "unavailable"> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["-x", "-n", "3"], {
      stdio: ["ignore", "ignore", "pipe", handle.fd],
      env: { ...process.env, LC_ALL: "C", LANGUAGE: "" },
    });
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
      else if (code === 71 || NO_FLOCK.test(said)) resolve("unavailable");
      else reject(new LockError(`could not lock '${path}' with flock(1) (exit ${code}): ${said.trim()}`));
    });
  });
}

/** True when the locked file is the one at `path`. */
async function stillAtPath(handle: FileHandle, path: string): Promise<boolean> {
  const [held, there] = await Promise.all([handle.stat(), stat(path).catch(() => undefined)]);
  return held.nlink > 0 && there !== undefined && there.ino === held.ino && there.dev === held.dev;
}
