import { hostname } from "node:os";
import { isProcessAlive, processStartMs } from "./processes.js";
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { LockTimeoutError, OptionError } from "./errors.js";
import { PythonFolderLock } from "./python-lock.js";

/** A lock older than this without a heartbeat is stale, whoever holds it. */
export const STALE_AFTER_MS = 10_000;
const HEARTBEAT_MS = 2_000;
const POLL_MS = 50;

interface Owner { pid: number; host: string; time: number }


/**
 * True when the lock `owner` (of this machine) still holds it: its process runs and is the
 * one that took the lock (not a later process given the same pid); undefined when that
 * cannot be told (no /proc), so that the heartbeat decides.
 */
function ownerRuns(owner: Owner): boolean | undefined {
  if (!isProcessAlive(owner.pid)) return false;
  const started = processStartMs(owner.pid);
  if (started === undefined) return undefined;
  return started <= owner.time + 2000; // /proc's clock ticks and btime are coarse
}

/** The lock file's content if it is stale, else undefined. */
async function staleContent(path: string): Promise<string | undefined> {
  const [text, info] = await Promise.all([readFile(path, "utf8").catch(() => ""), stat(path).catch(() => undefined)]);
  if (!info) return undefined;
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(text) as Owner;
  } catch {
    // being written right now, or garbage: judge by age alone
  }
  // On this machine the owner's process tells: a live one keeps its lock however old its
  // heartbeat (stopped with Ctrl-Z, in a debugger); elsewhere only the heartbeat does.
  const runs = owner && owner.host === hostname() ? ownerRuns(owner) : undefined;
  if (runs !== undefined) return runs ? undefined : text;
  return Date.now() - info.mtimeMs > STALE_AFTER_MS ? text : undefined;
}

/**
 * Removes a stale lock without stealing a fresh one: the lock is renamed away first and
 * put back (no-clobber link) if, meanwhile, it had been replaced by a live owner's.
 */
async function breakStale(path: string, content: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const now = await readFile(aside, "utf8").catch(() => content);
  if (now !== content) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/** A held lock; call {@link FolderLock.release} when done. */
export class FolderLock {
  private timer: NodeJS.Timeout;
  private constructor(readonly path: string) {
    this.timer = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Acquires the lock file `path` (created exclusively). Waits while another live process
   * holds it; breaks a lock whose owner on this machine is gone, and one of another
   * machine whose heartbeat stopped over 10 s ago.
   * `timeout` in seconds (default: wait forever); LockTimeoutError when exceeded.
   */
  static async acquire(path: string, timeout = Infinity): Promise<FolderLock> {
    if (!(timeout >= 0)) throw new OptionError(`timeout must be a number of seconds >= 0 (or Infinity), got ${timeout}`);
    await mkdir(dirname(path), { recursive: true });
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      try {
        const handle = await open(path, "wx");
        const owner: Owner = { pid: process.pid, host: hostname(), time: Date.now() };
        await handle.writeFile(JSON.stringify(owner));
        await handle.close();
        return new FolderLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const stale = await staleContent(path);
      if (stale !== undefined) {
        await breakStale(path, stale);
        continue;
      }
      if (Date.now() > deadline) throw new LockTimeoutError(`could not lock '${path}' within ${timeout} s: another process holds it`);
      await new Promise((r) => setTimeout(r, POLL_MS + Math.random() * POLL_MS));
    }
  }

  /** Releases the lock. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await rm(this.path, { force: true });
  }
}

/** Runs `fn` while holding the lock file `path`. */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeout?: number): Promise<T> {
  const lock = await FolderLock.acquire(path, timeout);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Our lock file of a cache folder: `.<name>.audb-ts.lock` beside it. */
export const ownLockFile = (folder: string) => join(dirname(folder), `.${basename(folder)}.audb-ts.lock`);

/**
 * Runs `fn` while holding the locks of a cache folder: ours, `.<name>.audb-ts.lock` beside
 * it, and audb-python's, `.<name>.lock` (see {@link PythonFolderLock}), so that neither
 * another audb-ts nor an audb-python process fills the folder at the same time.
 * `timeout` in seconds for both together (default: wait forever).
 */
export async function withFolderLock<T>(folder: string, fn: () => Promise<T>, timeout = Infinity): Promise<T> {
  const deadline = Date.now() + timeout * 1000;
  return withLock(ownLockFile(folder), async () => {
    const python = await PythonFolderLock.acquire(folder, deadline, timeout);
    try {
      return await fn();
    } finally {
      await python?.release();
    }
  }, timeout);
}
