import { randomBytes } from "node:crypto";
import {
  closeSync, copyFileSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync,
} from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { MissingKeyError, validateKey, validatePrefix, type Backend, type Listing } from "./backend.js";

/** Suffix of temp files written next to their target; never listed. */
const TEMP_SUFFIX = ".audb-tmp";

/** Random per thread, so temp names of processes and threads writing into one folder differ. */
const TEMP_PREFIX = randomBytes(6).toString("hex");
let tempCount = 0;

/** Bytes a file name may have on the common file systems (ext4, XFS, APFS, NTFS in UTF-16 units). */
const NAME_MAX = 255;
/** What a temp name adds to its stem at most: the prefix, a base-36 count and the suffix. */
const TEMP_ADDS = TEMP_PREFIX.length + 11 + TEMP_SUFFIX.length;

/**
 * A temp path in the same folder as `target`, so a rename onto it is atomic; unique without
 * asking for random bytes each time. Its name starts with {@link tempStem} of the target's.
 */
export function tempPathFor(target: string): string {
  const slash = Math.max(target.lastIndexOf("/"), target.lastIndexOf(path.sep));
  const name = target.slice(slash + 1);
  return `${target.slice(0, slash + 1)}${tempStem(name)}${TEMP_PREFIX}${(tempCount++).toString(36)}${TEMP_SUFFIX}`;
}

/**
 * How temp names of the file `name` start: the name and a dot, the name cut short (at a
 * character) when the temp name would otherwise pass {@link NAME_MAX} bytes, so a file
 * with a name close to the limit can still be written through a temp file.
 */
export function tempStem(name: string): string {
  // Three bytes at most per UTF-16 unit: the byte count is needed only for long names.
  if (name.length * 3 + 1 + TEMP_ADDS <= NAME_MAX) return `${name}.`;
  const room = NAME_MAX - 1 - TEMP_ADDS;
  let bytes = 0;
  let cut = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char, "utf8");
    if (bytes > room) break;
    cut += char.length;
  }
  return `${name.slice(0, cut)}.`;
}

/** True for names of temp files created by {@link tempPathFor}. */
export function isTempName(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}

/**
 * Removes the temp files ({@link tempPathFor}) of `files` (paths relative to `folder`) that
 * a killed process left beside them; other temp files in those folders stay.
 */
export async function removeTempFilesOf(folder: string, files: readonly string[]): Promise<void> {
  const prefixes = new Map<string, string[]>();
  for (const file of files) {
    const dir = path.dirname(path.join(folder, file));
    prefixes.set(dir, [...(prefixes.get(dir) ?? []), tempStem(path.basename(file))]);
  }
  for (const [dir, names] of prefixes) {
    for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
      if (isTempName(entry) && names.some((n) => entry.startsWith(n))) await fs.rm(path.join(dir, entry), { force: true });
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Writes `target` atomically: `write` fills a temp file in the same folder, which is then
 * renamed onto `target`. Creates missing parent folders; removes the temp file on failure.
 */
export async function writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
  // The folder usually exists: create it only when the write says it is missing (also
  // when a concurrent `remove` pruned it), then retry.
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
      await write(temp);
      await fs.rename(temp, target);
      return;
    } catch (err) {
      await fs.rm(temp, { force: true });
      if (!(isMissing(err) && attempt < 4)) throw err;
    }
  }
}

/** {@link writeAtomically} of bytes, blocking: for worker threads that write many small files. */
export function writeFileAtomicallySync(target: string, data: Uint8Array): void {
  writeAtomicallyBlocking(target, (temp) => writeFileSync(temp, data));
}

/** Writes `data` to `file`, creating its folder when it is missing. */
function writeCreatingFolder(file: string, data: Uint8Array): void {
  try {
    writeFileSync(file, data);
  } catch (err) {
    if (!isMissing(err)) throw err;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
}

/**
 * Writes a file no reader looks for yet (a media archive of a version whose header is not
 * written): created exclusively and written in place, without the rename of
 * {@link writeFileAtomicallySync} (a third less time for 30 KB files on this disk). A
 * file already there, left by an interrupted publish or written by one running at the
 * same time, is replaced through a temp file instead. After a failed write the partial
 * file stays, unseen, until a publish that runs again replaces it.
 */
export function writeNewFileSync(target: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openNew(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return writeFileAtomicallySync(target, data);
    throw err;
  }
  try {
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** Creates `target` exclusively (and its folder, when missing); returns its descriptor. */
function openNew(target: string): number {
  try {
    return openSync(target, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(path.dirname(target), { recursive: true });
    return openSync(target, "wx");
  }
}

/**
 * Objects up to this size are read, written and checked with blocking calls: on a local
 * disk that takes less time than the round trips of the asynchronous calls through
 * libuv's pool (a third for 30 KB files), and the awaiting caller loses nothing.
 */
const BLOCKING_BYTES = 1024 * 1024;

/** {@link writeAtomically} with a blocking `write`, for small objects (see {@link BLOCKING_BYTES}). */
function writeAtomicallyBlocking(target: string, write: (tempPath: string) => void): void {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) mkdirSync(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
      write(temp);
      renameSync(temp, target);
      return;
    } catch (err) {
      rmSync(temp, { force: true });
      if (!(isMissing(err) && attempt < 4)) throw err;
    }
  }
}

/**
 * Backend on a local folder: key `a/b/c` is the file `<root>/a/b/c`. Writes go to a temp
 * file in the target's folder and are renamed into place, so readers never see a partial
 * object. Small objects are handled with blocking calls ({@link BLOCKING_BYTES}).
 */
export class FileSystemBackend implements Backend {
  readonly kind = "file-system";
  /** Absolute path of the folder that holds the keys. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Local path of `key` (validated). */
  pathOf(key: string): string {
    return path.join(this.root, ...validateKey(key).split("/"));
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  private async statFile(key: string): Promise<{ path: string; size: number }> {
    const file = this.pathOf(key);
    try {
      const st = await fs.stat(file);
      if (st.isFile()) return { path: file, size: st.size };
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    throw new MissingKeyError(`key '${key}' does not exist in file-system backend at '${this.root}'`);
  }

  private rethrowMissing(key: string, err: unknown): never {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") {
      throw new MissingKeyError(`key '${key}' does not exist in file-system backend at '${this.root}'`, { cause: err });
    }
    throw err;
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
    } catch (err) {
      if (isMissing(err)) return false; // a parent is a file
      throw err;
    }
  }

  async size(key: string): Promise<number> {
    return (await this.statFile(key)).size;
  }

  async getFile(key: string, dest: string): Promise<void> {
    const { path: src } = await this.statFile(key);
    try {
      await writeAtomically(path.resolve(dest), (temp) => fs.copyFile(src, temp));
    } catch (err) {
      if (!(await this.exists(key))) this.rethrowMissing(key, err);
      throw err;
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const file = this.pathOf(key);
    try {
      const small = statSync(file).size <= BLOCKING_BYTES;
      return new Uint8Array(small ? readFileSync(file) : await fs.readFile(file));
    } catch (err) {
      this.rethrowMissing(key, err);
    }
  }

  async getStream(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const { path: file } = await this.statFile(key);
    const handle = await fs.open(file, "r").catch((err: unknown) => this.rethrowMissing(key, err));
    return handle.createReadStream({ start: range?.start, end: range?.end });
  }

  async putFile(key: string, src: string): Promise<void> {
    const target = this.pathOf(key);
    if (statSync(src).size <= BLOCKING_BYTES) writeAtomicallyBlocking(target, (temp) => copyFileSync(src, temp));
    else await writeAtomically(target, (temp) => fs.copyFile(src, temp));
  }

  async putBytes(key: string, data: Uint8Array): Promise<void> {
    const target = this.pathOf(key);
    if (data.length <= BLOCKING_BYTES) writeFileAtomicallySync(target, data);
    else await writeAtomically(target, (temp) => fs.writeFile(temp, data));
  }

  /**
   * Written under a temp name and linked into place: the link fails if the key exists.
   * Blocking calls for small objects, as {@link putBytes} (a publish's claim).
   */
  async putBytesIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    const target = this.pathOf(key);
    const temp = tempPathFor(target);
    if (data.length <= BLOCKING_BYTES) {
      writeCreatingFolder(temp, data);
    } else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(temp, data);
    }
    try {
      linkSync(temp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  async list(prefix: string): Promise<Listing> {
    const clean = validatePrefix(prefix);
    const folder = clean === "" ? this.root : path.join(this.root, ...clean.split("/"));
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return { dirs: [], files: [] };
      throw err;
    }
    const dirs: string[] = [];
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) dirs.push(entry.name);
      else if (entry.isFile() && !isTempName(entry.name)) files.push(entry.name);
    }
    return { dirs: dirs.sort(), files: files.sort() };
  }

  async remove(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      unlinkSync(file);
    } catch (err) {
      this.rethrowMissing(key, err);
    }
    this.pruneEmptyParents(path.dirname(file));
  }

  /** Removes now-empty folders up to the root, so listings match object stores. */
  private pruneEmptyParents(folder: string): void {
    while (folder.startsWith(this.root + path.sep)) {
      try {
        rmdirSync(folder);
      } catch {
        return;
      }
      folder = path.dirname(folder);
    }
  }
}
