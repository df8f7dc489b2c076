import { constants, lstatSync, type Stats } from "node:fs";
import { sep } from "node:path";
import type { Fingerprint } from "./stat-index.js";

const { S_IFMT, S_IFLNK, S_IFREG } = constants;

/** What `lstat` found at a path (`symlink`: the path or a folder on the way to it is one). */
export const FileState = { pending: 0, file: 1, symlink: 2, missing: 3, other: 4 } as const;
export type FileState = (typeof FileState)[keyof typeof FileState];

/** Files per claim: small enough that waiting for another thread's last chunk is short. */
const CHUNK = 128;
/** Without progress for this long, the other threads are taken to be gone and their files are done here. */
const STALL_MS = 2000;

/** What another thread needs to help fill the same {@link FileStats}. */
export interface SharedFileStats {
  root: string;
  files: readonly string[];
  buffer: SharedArrayBuffer;
}

/**
 * The `lstat` of each of a list of files under `root` (state, size, mtime, inode, ctime), in
 * shared memory: the publishing thread and a worker claim chunks of files from one
 * counter, so the work is split between them however early or late the worker starts.
 */
export class FileStats {
  readonly state: Uint8Array;
  readonly size: Float64Array;
  readonly mtimeMs: Float64Array;
  readonly ino: Float64Array;
  readonly ctimeMs: Float64Array;
  /** [0]: next unclaimed file; [1]: files done. */
  private readonly counters: Int32Array;
  /** Folders this thread has checked: is it a symbolic link? */
  private readonly linkedFolders = new Map<string, boolean>();

  /** The root and a separator, to put before a file. */
  private readonly prefix: string;

  private constructor(readonly root: string, readonly files: readonly string[], private readonly buffer: SharedArrayBuffer) {
    this.prefix = root.endsWith(sep) ? root : `${root}${sep}`;
    const n = files.length;
    this.counters = new Int32Array(buffer, 0, 2);
    this.size = new Float64Array(buffer, 8, n);
    this.mtimeMs = new Float64Array(buffer, 8 + 8 * n, n);
    this.ino = new Float64Array(buffer, 8 + 16 * n, n);
    this.ctimeMs = new Float64Array(buffer, 8 + 24 * n, n);
    this.state = new Uint8Array(buffer, 8 + 32 * n, n);
  }

  /** Empty stats of `files` (relative POSIX paths, copied) under `root`, to be filled by {@link work}. */
  static create(root: string, files: readonly string[]): FileStats {
    return new FileStats(root, files.slice(), new SharedArrayBuffer(8 + 33 * files.length));
  }

  /** The same stats in another thread. */
  static attach({ root, files, buffer }: SharedFileStats): FileStats {
    return new FileStats(root, files, buffer);
  }

  /** What to post to a worker that should help. */
  get shared(): SharedFileStats {
    return { root: this.root, files: this.files, buffer: this.buffer };
  }

  /** Claims chunks of files and `lstat`s them until none are left; returns how many this thread did. */
  work(): number {
    const n = this.files.length;
    let done = 0;
    for (;;) {
      const start = Atomics.add(this.counters, 0, CHUNK);
      if (start >= n) return done;
      const end = Math.min(n, start + CHUNK);
      for (let i = start; i < end; i++) this.statAt(i);
      done += end - start;
      Atomics.add(this.counters, 1, end - start);
      Atomics.notify(this.counters, 1);
    }
  }

  /**
   * Works until every file is claimed, then waits for chunks other threads still hold;
   * if they make no progress for a while (a worker died), their files are done here.
   */
  complete(): void {
    this.work();
    const n = this.files.length;
    let seen = Atomics.load(this.counters, 1);
    let since = performance.now();
    while (seen < n) {
      Atomics.wait(this.counters, 1, seen, 50);
      const now = Atomics.load(this.counters, 1);
      if (now !== seen) {
        seen = now;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) {
        for (let i = 0; i < n; i++) if (this.state[i] === FileState.pending) this.statAt(i);
        return;
      }
    }
  }

  private statAt(i: number): void {
    const file = this.files[i]!;
    // Concatenated, not path.join'ed: the paths are checked relative POSIX paths, and join
    // costs as much as a sixth of the lstat.
    const stats = lstatOrMissing(`${this.prefix}${file}`);
    if (!stats) {
      this.state[i] = FileState.missing;
      return;
    }
    this.size[i] = stats.size;
    this.mtimeMs[i] = stats.mtimeMs;
    this.ino[i] = stats.ino;
    this.ctimeMs[i] = stats.ctimeMs;
    // The mode's type bits, not isSymbolicLink()/isFile(): two calls less per file, which
    // count while this loop is not yet optimised (a republish runs it once).
    const type = stats.mode & S_IFMT;
    const linked = type === S_IFLNK || this.inLinkedFolder(file);
    this.state[i] = linked ? FileState.symlink : type === S_IFREG ? FileState.file : FileState.other;
  }

  /** True when a folder on the way to `file` (below the root) is a symbolic link: `lstat` follows those. */
  private inLinkedFolder(file: string): boolean {
    const slash = file.lastIndexOf("/");
    return slash > 0 && this.isLinkedFolder(file.slice(0, slash));
  }

  /** True when `folder` (relative, non-empty) or a folder above it is a symbolic link; remembered per folder. */
  private isLinkedFolder(folder: string): boolean {
    let linked = this.linkedFolders.get(folder);
    if (linked === undefined) {
      const slash = folder.lastIndexOf("/");
      linked = (slash > 0 && this.isLinkedFolder(folder.slice(0, slash))) || (lstatOrMissing(`${this.prefix}${folder}`)?.isSymbolicLink() ?? false);
      this.linkedFolders.set(folder, linked);
    }
    return linked;
  }

  /** True when the `i`-th file is on disk as a file or a symbolic link. */
  onDisk(i: number): boolean {
    return this.state[i] === FileState.file || this.state[i] === FileState.symlink;
  }

  /** True when some file is not on disk as a file or a symbolic link (a native scan: cheap before the code is optimised). */
  anyNotOnDisk(): boolean {
    const { state } = this;
    return state.indexOf(FileState.missing) >= 0 || state.indexOf(FileState.other) >= 0 || state.indexOf(FileState.pending) >= 0;
  }

  /** The fingerprint of the `i`-th file as the stat index records it, if it is a regular file. */
  fingerprintAt(i: number): Fingerprint | undefined {
    if (this.state[i] !== FileState.file) return undefined;
    return { size: this.size[i]!, mtimeMs: this.mtimeMs[i]!, ino: this.ino[i]!, ctimeMs: this.ctimeMs[i]! };
  }
}

/** `lstat` of `path`, or undefined when nothing is there (also when a parent is a file, or the name is too long). */
function lstatOrMissing(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "ENAMETOOLONG") return undefined;
    throw err;
  }
}
