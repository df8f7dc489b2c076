import { lstatSync } from "node:fs";
import { join } from "node:path";
import type { Fingerprint } from "./stat-index.js";

/** What `lstat` found at a path. */
export const FileState = { pending: 0, file: 1, symlink: 2, missing: 3, other: 4 } as const;
export type FileState = (typeof FileState)[keyof typeof FileState];

/** Files per claim: small enough that waiting for another thread's last chunk is short. */
const CHUNK = 128;
/** Without progress for this long, the other threads are taken to be gone and their files are done here. */
const STALL_MS = 2000;

/** What another thread needs to help fill the same {@link FileStats}: the files as one NUL-separated string, which posts ~50x faster than an array. */
export interface SharedFileStats {
  root: string;
  files: string;
  buffer: SharedArrayBuffer;
}

/**
 * The `lstat` of each of a list of files under `root` (state, size, mtime, inode), in
 * shared memory: the publishing thread and a worker claim chunks of files from one
 * counter, so the work is split between them however early or late the worker starts.
 */
export class FileStats {
  readonly state: Uint8Array;
  readonly size: Float64Array;
  readonly mtimeNs: BigInt64Array;
  readonly ino: Float64Array;
  /** [0]: next unclaimed file; [1]: files done. */
  private readonly counters: Int32Array;
  private rows: Map<string, number> | undefined;

  private constructor(readonly root: string, readonly files: readonly string[], private readonly buffer: SharedArrayBuffer) {
    const n = files.length;
    this.counters = new Int32Array(buffer, 0, 2);
    this.size = new Float64Array(buffer, 8, n);
    this.mtimeNs = new BigInt64Array(buffer, 8 + 8 * n, n);
    this.ino = new Float64Array(buffer, 8 + 16 * n, n);
    this.state = new Uint8Array(buffer, 8 + 24 * n, n);
  }

  /** Empty stats of `files` (relative POSIX paths, copied) under `root`, to be filled by {@link work}. */
  static create(root: string, files: readonly string[]): FileStats {
    return new FileStats(root, files.slice(), new SharedArrayBuffer(8 + 25 * files.length));
  }

  /** The same stats in another thread. */
  static attach({ root, files, buffer }: SharedFileStats): FileStats {
    return new FileStats(root, files === "" ? [] : files.split("\0"), buffer);
  }

  /** What to post to a worker that should help. */
  get shared(): SharedFileStats {
    return { root: this.root, files: this.files.join("\0"), buffer: this.buffer };
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
    const stats = lstatSync(join(this.root, this.files[i]!), { bigint: true, throwIfNoEntry: false });
    if (!stats) {
      this.state[i] = FileState.missing;
      return;
    }
    this.size[i] = Number(stats.size);
    this.mtimeNs[i] = stats.mtimeNs;
    this.ino[i] = Number(stats.ino);
    this.state[i] = stats.isFile() ? FileState.file : stats.isSymbolicLink() ? FileState.symlink : FileState.other;
  }

  /** The row of `file`, if it is one of the files. */
  rowOf(file: string): number | undefined {
    if (!this.rows) {
      this.rows = new Map();
      for (let i = 0; i < this.files.length; i++) this.rows.set(this.files[i]!, i);
    }
    return this.rows.get(file);
  }

  /** True when the `i`-th file is on disk as a file or a symbolic link. */
  onDisk(i: number): boolean {
    return this.state[i] === FileState.file || this.state[i] === FileState.symlink;
  }

  /** The fingerprint of the `i`-th file as the stat index records it, if it is a regular file. */
  fingerprintAt(i: number): Fingerprint | undefined {
    if (this.state[i] !== FileState.file) return undefined;
    return { size: this.size[i]!, mtimeNs: this.mtimeNs[i]!.toString(), ino: this.ino[i]! };
  }
}

/**
 * The stats of a list of files (by position), gathered from completed {@link FileStats}:
 * `known`, taken of the files of the stat index (its rows are the index's, see
 * `knownRow`), and `others`.
 */
export class StatsOfFiles {
  private readonly part: FileStats[] = [];
  private readonly row: Int32Array;

  constructor(files: readonly string[], known: FileStats, knownRow: (file: string) => number | undefined, others: FileStats) {
    this.row = new Int32Array(files.length).fill(-1);
    files.forEach((file, i) => {
      const k = knownRow(file);
      if (k !== undefined && k < known.files.length) {
        this.part[i] = known;
        this.row[i] = k;
        return;
      }
      const o = others.rowOf(file);
      if (o !== undefined) {
        this.part[i] = others;
        this.row[i] = o;
      }
    });
  }

  /** The state of the `i`-th file (`pending` when neither has it). */
  state(i: number): FileState {
    const part = this.part[i];
    return part ? (part.state[this.row[i]!] as FileState) : FileState.pending;
  }

  /** True when the `i`-th file is on disk as a file or a symbolic link. */
  onDisk(i: number): boolean {
    const part = this.part[i];
    return part ? part.onDisk(this.row[i]!) : false;
  }

  /** The fingerprint of the `i`-th file as the stat index records it, if it is a regular file. */
  fingerprint(i: number): Fingerprint | undefined {
    return this.part[i]?.fingerprintAt(this.row[i]!);
  }
}
